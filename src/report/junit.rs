//! JUnit XML (`--format junit`) for GitLab and Jenkins: one test suite per
//! policy, one test case per policy × resource evaluated; each finding is a
//! failing case of its own (a second finding of a policy on a resource is
//! case `resource (file) #2`), suppressed findings are skipped, errors are a
//! `tenken` suite and notes its `<system-out>` (neither failures nor errors).

use crate::diag::Problem;
use crate::engine::Finding;
use crate::pipeline::Outcome;
use crate::source::{SourceMap, Span};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes text for XML attributes and content; characters XML 1.0 forbids are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// What happened to one policy on one resource.
#[derive(Default)]
struct Case<'a> {
    failures: Vec<&'a Finding>,
    skipped: Vec<String>,
}

/// `file:line:col` of a span's start.
fn at(sources: &SourceMap, span: Span) -> String {
    let file = sources.get(span.file);
    let p = file.line_col(span.start as usize);
    format!("{}:{}:{}", file.name, p.line, p.column)
}

/// `file:line:col: message` of a problem.
fn located(sources: &SourceMap, p: &Problem) -> String {
    format!("{}: {}", at(sources, p.span), p.message)
}

type Suites<'a> = BTreeMap<&'a str, BTreeMap<(&'a str, &'a str), Case<'a>>>;

/// The case of a policy on a resource of a file.
fn case<'a, 'b>(
    suites: &'b mut Suites<'a>,
    sources: &'a SourceMap,
    rule: &'a str,
    span: Span,
    resource: &'a str,
) -> &'b mut Case<'a> {
    let file = sources.get(span.file).name.as_str();
    suites
        .entry(rule)
        .or_default()
        .entry((file, resource))
        .or_default()
}

/// Renders the outcome as a JUnit XML report.
pub fn render(outcome: &Outcome) -> String {
    let sources = &outcome.sources;
    // rule id → (file, resource) → case
    let mut suites = Suites::new();
    for c in &outcome.checks {
        case(&mut suites, sources, &c.rule_id, c.span, &c.resource);
    }
    for f in &outcome.findings {
        case(&mut suites, sources, &f.rule_id, f.span, &f.resource)
            .failures
            .push(f);
    }
    for s in &outcome.suppressed {
        let f = &s.finding;
        case(&mut suites, sources, &f.rule_id, f.span, &f.resource)
            .skipped
            .push(format!("suppressed ({}): {}", s.tool.as_str(), s.reason));
    }
    let tests = |c: &Case| c.failures.len().max(1);
    let total: usize = suites
        .values()
        .flat_map(BTreeMap::values)
        .map(tests)
        .sum::<usize>()
        + outcome.errors.len();
    let failed: usize = suites
        .values()
        .flat_map(BTreeMap::values)
        .map(|c| c.failures.len())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tenken\" tests=\"{total}\" failures=\"{failed}\" errors=\"{}\">",
        outcome.errors.len()
    );
    for (rule, cases) in &suites {
        let title = outcome
            .policies
            .iter()
            .find(|p| p.spec.id == *rule)
            .map_or("", |p| p.spec.title.as_str());
        let failures: usize = cases.values().map(|c| c.failures.len()).sum();
        let skipped = cases
            .values()
            .filter(|c| c.failures.is_empty() && !c.skipped.is_empty())
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
            escape(&format!("{rule} {title}")),
            cases.values().map(tests).sum::<usize>()
        );
        for ((file, resource), case) in cases {
            let open = |n: usize| {
                let name = match n {
                    1 => format!("{resource} ({file})"),
                    n => format!("{resource} ({file}) #{n}"),
                };
                format!(
                    "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                    escape(rule),
                    escape(&name),
                    escape(file)
                )
            };
            if !case.failures.is_empty() {
                for (i, f) in case.failures.iter().enumerate() {
                    let text = format!("{}: {}", at(sources, f.span), label(f));
                    let _ = writeln!(
                        out,
                        "{}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        open(i + 1),
                        f.severity,
                        escape(&label(f)),
                        escape(&text)
                    );
                }
                continue;
            }
            out.push_str(&open(1));
            if let Some(why) = case.skipped.first() {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(why)
                );
            } else {
                out.push_str("/>\n");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    if !outcome.errors.is_empty() || !outcome.notes.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"tenken\" tests=\"{0}\" failures=\"0\" errors=\"{0}\">",
            outcome.errors.len()
        );
        for e in &outcome.errors {
            let file = escape(&sources.get(e.span.file).name);
            let _ = writeln!(
                out,
                "    <testcase classname=\"tenken\" name=\"{file}\" file=\"{file}\">\n      <error message=\"{}\">{}</error>\n    </testcase>",
                escape(&e.message),
                escape(&located(sources, e))
            );
        }
        if !outcome.notes.is_empty() {
            let text: Vec<String> = outcome.notes.iter().map(|n| located(sources, n)).collect();
            let _ = writeln!(
                out,
                "    <system-out>{}</system-out>",
                escape(&text.join("\n"))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn label(f: &Finding) -> String {
    let text = if f.message.is_empty() {
        &f.title
    } else {
        &f.message
    };
    format!("[{}] {text} ({})", f.severity, f.resource)
}
