//! GitHub Actions workflow commands (`--format github`): one annotation per
//! finding, error, warning and note, shown on the pull request's diff.

use crate::diag::Problem;
use crate::pipeline::Outcome;
use crate::policy::Severity;
use crate::report::excerpt::escape;
use crate::report::json::region;
use crate::source::{SourceMap, Span};

/// The annotation command of a severity.
fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a message (`%`, CR, LF), as GitHub's toolkit does; other
/// control characters are shown escaped (`\u{1b}`).
fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escape(&s, false).into_owned()
}

/// Escapes a property value: as a message, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn line(out: &mut String, sources: &SourceMap, cmd: &str, span: Span, title: &str, message: &str) {
    let file = sources.get(span.file);
    let r = region(sources, span);
    let path = file.name.replace('\\', "/");
    // Columns only make sense on one line: GitHub rejects them otherwise.
    let (col, end_column) = match r.line == r.end_line {
        true => (
            format!(",col={}", r.column),
            format!(",endColumn={}", r.end_column),
        ),
        false => (String::new(), String::new()),
    };
    out.push_str(&format!(
        "::{cmd} file={},line={}{col},endLine={}{end_column},title={}::{}\n",
        escape_property(&path),
        r.line,
        r.end_line,
        escape_property(title),
        escape_data(message)
    ));
}

fn problem(out: &mut String, sources: &SourceMap, cmd: &str, p: &Problem) {
    line(
        out,
        sources,
        cmd,
        p.span,
        &format!("tenken {cmd}"),
        &p.message,
    );
}

/// Renders findings, errors, warnings and notes as workflow commands.
pub fn render(outcome: &Outcome) -> String {
    let sources = &outcome.sources;
    let mut out = String::new();
    for f in &outcome.findings {
        let title = format!("{} [{}] {}", f.rule_id, f.severity, f.title);
        let message = if f.message.is_empty() {
            format!("{} ({})", f.title, f.resource)
        } else {
            format!("{} ({})", f.message, f.resource)
        };
        line(
            &mut out,
            sources,
            command(f.severity),
            f.span,
            &title,
            &message,
        );
    }
    for e in &outcome.errors {
        problem(&mut out, sources, "error", e);
    }
    for w in &outcome.warnings {
        problem(&mut out, sources, "warning", w);
    }
    for n in &outcome.notes {
        problem(&mut out, sources, "notice", n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("50%\r\nok: a,b"), "50%25%0D%0Aok: a,b");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("\u{1b}]0;x\u{7}"), "\\u{1b}]0;x\\u{7}");
    }
}
