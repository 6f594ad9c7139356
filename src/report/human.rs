//! Human output: one miette diagnostic per finding and error, with the source
//! snippet and a label on the offending value, a `note:` line per note, then
//! a one-line summary.

use super::counts;
use super::excerpt::{escape, masked, Excerpt, CONTEXT_LINES};
use crate::diag::Problem;
use crate::engine::Finding;
use crate::pipeline::Outcome;
use crate::policy::{Policy, Severity};
use crate::source::{SourceFile, Span};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

/// What a report shows of a file (see [`Excerpt`]), with the file's name
/// escaped. Columns count characters in the file, as in every other report.
struct Shown<'a> {
    name: String,
    file: &'a SourceFile,
    excerpt: Excerpt,
}

impl SourceCode for Shown<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.excerpt.text.read_span(span, before, after)?;
        let offset = inner.span().offset();
        let column = self.file.line_col(self.excerpt.file_offset(offset)).column - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            self.excerpt.line_of(offset),
            column,
            inner.line_count(),
        )))
    }
}

struct Report<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Shown<'a>,
}

/// A label: its text, where it is, and whether it is the primary one.
type Label = (Option<String>, Span, bool);

impl<'a> Report<'a> {
    /// A report on `file`: texts escaped, label spans mapped into the
    /// excerpt, the `masked` byte ranges hidden.
    fn new(
        message: &str,
        code: &str,
        severity: miette::Severity,
        help: Option<String>,
        labels: Vec<Label>,
        file: &'a SourceFile,
        masked: &[(usize, usize)],
    ) -> Report<'a> {
        let spans: Vec<Span> = labels.iter().map(|l| l.1).collect();
        let excerpt = Excerpt::new(file, &spans, masked);
        let labels = labels
            .into_iter()
            .map(|(text, span, primary)| {
                let text = text.map(|t| escape(&t, false).into_owned());
                let span = SourceSpan::from(excerpt.span(span));
                match primary {
                    true => LabeledSpan::new_primary_with_span(text, span),
                    false => LabeledSpan::new_with_span(text, span),
                }
            })
            .collect();
        Report {
            message: escape(message, false).into_owned(),
            code: Some(escape(code, false).into_owned()),
            severity,
            help: help.map(|h| escape(&h, true).into_owned()),
            labels,
            source: Shown {
                name: escape(&file.name, false).into_owned(),
                file,
                excerpt,
            },
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium | Severity::Low => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// When to use colour (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the environment says otherwise.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to use colour on an output that is a terminal or not, as the
    /// process environment says.
    pub fn enabled(self, is_terminal: bool) -> bool {
        self.enabled_with(is_terminal, |name| std::env::var(name).ok())
    }

    /// Like [`ColorChoice::enabled`], reading the environment through `env`:
    /// `auto` is off with `NO_COLOR`, on with `FORCE_COLOR` or
    /// `CLICOLOR_FORCE` (not `0`), off with `TERM=dumb`, else on a terminal
    /// only. Variables set to an empty string count as unset.
    pub fn enabled_with(self, is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR").is_some() => false,
            ColorChoice::Auto if set("FORCE_COLOR").is_some() => true,
            ColorChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            ColorChoice::Auto if set("TERM").is_some_and(|t| t == "dumb") => false,
            ColorChoice::Auto => is_terminal,
        }
    }
}

/// How the human report looks.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Also list the suppressed findings, with the reason.
    pub show_suppressed: bool,
    /// Only findings and errors: no warnings, no notes, no summary.
    pub quiet: bool,
    /// Show the errors (else they are shown apart, with [`render_errors`]).
    pub errors: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            color: false,
            show_suppressed: false,
            quiet: false,
            errors: true,
        }
    }
}

/// Renders every finding and error, then the summary line.
pub fn render(outcome: &Outcome, color: bool) -> String {
    render_with(
        outcome,
        Style {
            color,
            ..Style::default()
        },
    )
}

/// Renders findings, suppressed findings (if asked), errors, warnings,
/// notes and the summary.
pub fn render_with(outcome: &Outcome, style: Style) -> String {
    let handler = handler(style.color);
    let mut out = String::new();
    for f in &outcome.findings {
        let _ = handler.render_report(&mut out, &finding_report(outcome, f, None));
    }
    if style.show_suppressed {
        for s in &outcome.suppressed {
            let file = outcome.sources.get(s.at.file);
            let at = file.line_col(s.at.start as usize);
            let why = format!(
                "suppressed at {}:{}:{} ({}): {}",
                file.name,
                at.line,
                at.column,
                s.tool.as_str(),
                s.reason
            );
            let report = finding_report(outcome, &s.finding, Some(why));
            let _ = handler.render_report(&mut out, &report);
        }
    }
    let problems = (outcome.errors.iter())
        .filter(|_| style.errors)
        .map(|e| (e, "error"));
    let warnings = outcome
        .warnings
        .iter()
        .filter(|_| !style.quiet)
        .map(|w| (w, "warning"));
    for (e, code) in problems.chain(warnings) {
        let _ = handler.render_report(&mut out, &problem_report(outcome, e, code));
    }
    if !style.quiet {
        for n in &outcome.notes {
            out.push_str(&note(outcome, n));
        }
        out.push_str(&summary(outcome));
    }
    out
}

/// Only the errors, as [`render_with`] shows them.
pub fn render_errors(outcome: &Outcome, color: bool) -> String {
    let handler = handler(color);
    let mut out = String::new();
    for e in &outcome.errors {
        let _ = handler.render_report(&mut out, &problem_report(outcome, e, "error"));
    }
    out
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(CONTEXT_LINES)
}

/// An error or a warning as a diagnostic.
fn problem_report<'a>(outcome: &'a Outcome, e: &Problem, code: &str) -> Report<'a> {
    let severity = match code {
        "error" => miette::Severity::Error,
        _ => miette::Severity::Warning,
    };
    Report::new(
        &e.message,
        code,
        severity,
        None,
        vec![(None, e.span, true)],
        outcome.sources.get(e.span.file),
        &[],
    )
}

/// `note: file:line:col: message`, escaped.
fn note(outcome: &Outcome, n: &Problem) -> String {
    let file = outcome.sources.get(n.span.file);
    let at = file.line_col(n.span.start as usize);
    let text = format!("{}:{}:{}: {}", file.name, at.line, at.column, n.message);
    format!("note: {}\n", escape(&text, false))
}

/// One finding as a diagnostic; a suppressed one is advice, with why.
fn finding_report<'a>(outcome: &'a Outcome, f: &Finding, suppressed: Option<String>) -> Report<'a> {
    let sources = &outcome.sources;
    let file = sources.get(f.span.file);
    let policy = outcome.policies.iter().find(|p| p.spec.id == f.rule_id);
    let mut labels = vec![(Some(label_text(&f.message, &f.title)), f.span, true)];
    let mut notes = Vec::new();
    for (span, text) in &f.related {
        if span.file == f.span.file {
            labels.push((Some(text.clone()), *span, false));
        } else {
            let other = sources.get(span.file);
            let at = other.line_col(span.start as usize);
            notes.push(format!("{text}: {}:{}:{}", other.name, at.line, at.column));
        }
    }
    let (severity, help) = match suppressed {
        Some(why) => (miette::Severity::Advice, Some(why)),
        None => (miette_severity(f.severity), help_text(policy, &notes)),
    };
    Report::new(
        &format!("[{}] {} ({})", f.severity, f.title, f.resource),
        &f.rule_id,
        severity,
        help,
        labels,
        file,
        &masked(sources, &f.secrets, f.span.file),
    )
}

fn label_text(message: &str, title: &str) -> String {
    if message.is_empty() { title } else { message }.to_string()
}

fn help_text(policy: Option<&Policy>, notes: &[String]) -> Option<String> {
    let mut parts: Vec<String> = notes.to_vec();
    if let Some(p) = policy {
        parts.push(p.spec.remediation.trim().to_string());
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// `12 files, 40 resources: 3 findings (1 critical, 2 high), 0 errors in 0.02s`,
/// with the suppressed, baselined, warning and note counts when there are
/// any; a count of one is singular (`1 file`).
pub fn summary(outcome: &Outcome) -> String {
    let by: Vec<String> = counts(outcome)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let by = if by.is_empty() {
        String::new()
    } else {
        format!(" ({})", by.join(", "))
    };
    let mut extra = String::new();
    for (n, what) in [
        (
            outcome.suppressed.len(),
            format!("{} suppressed", outcome.suppressed.len()),
        ),
        (
            outcome.baselined,
            format!("{} baselined", outcome.baselined),
        ),
        (
            outcome.warnings.len(),
            count(outcome.warnings.len(), "warning"),
        ),
        (outcome.notes.len(), count(outcome.notes.len(), "note")),
    ] {
        if n > 0 {
            extra.push_str(&format!(", {what}"));
        }
    }
    format!(
        "{}, {}: {}{by}{extra}, {} in {:.2}s\n",
        count(outcome.files, "file"),
        count(outcome.resources, "resource"),
        count(outcome.findings.len(), "finding"),
        count(outcome.errors.len(), "error"),
        outcome.elapsed.as_secs_f64()
    )
}

/// `1 file`, `2 files`.
fn count(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        _ => format!("{n} {what}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled(choice: ColorChoice, terminal: bool, vars: &[(&str, &str)]) -> bool {
        choice.enabled_with(terminal, |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn color_from_the_choice_and_the_environment() {
        use ColorChoice::{Always, Auto, Never};
        assert!(enabled(Auto, true, &[]));
        assert!(!enabled(Auto, false, &[]));
        assert!(!enabled(Auto, true, &[("NO_COLOR", "1")]));
        assert!(enabled(Auto, true, &[("NO_COLOR", "")]));
        assert!(enabled(Auto, false, &[("FORCE_COLOR", "1")]));
        assert!(enabled(Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!enabled(Auto, false, &[("CLICOLOR_FORCE", "0")]));
        assert!(!enabled(Auto, true, &[("TERM", "dumb")]));
        assert!(enabled(
            Auto,
            false,
            &[("TERM", "dumb"), ("FORCE_COLOR", "1")]
        ));
        assert!(!enabled(
            Auto,
            false,
            &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]
        ));
        assert!(enabled(Always, false, &[("NO_COLOR", "1")]));
        assert!(!enabled(Never, true, &[("FORCE_COLOR", "1")]));
    }
}
