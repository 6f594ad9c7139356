//! Findings, problems and notes of a lint as LSP diagnostics, file by file.

use super::documents::to_uri;
use super::settings::Rules;
use crate::engine::Finding;
use crate::fix::Fix;
use crate::pipeline::Outcome;
use crate::policy::Severity;
use crate::source::{SourceFile, SourceMap, Span};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The `source` of every diagnostic.
pub const SOURCE: &str = "tenken";

/// The diagnostics of one lint, by file path, in source order: errors are
/// errors, warnings (about suppressions) warnings, notes information.
pub fn by_file(outcome: &Outcome, rules: &Rules) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let sources = &outcome.sources;
    let mut out: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for f in &outcome.findings {
        let file = sources.get(f.span.file);
        let mut diagnostic = finding(sources, f, rules);
        let fix = outcome.fixes.iter().find(|x| x.fixes(f));
        diagnostic.data = fix.and_then(|x| fix_data(sources, x));
        out.entry(file.path().to_path_buf())
            .or_default()
            .push(diagnostic);
    }
    let errors = (outcome.errors.iter()).map(|p| (p, DiagnosticSeverity::ERROR));
    let warnings = (outcome.warnings.iter()).map(|p| (p, DiagnosticSeverity::WARNING));
    let notes = (outcome.notes.iter()).map(|n| (n, DiagnosticSeverity::INFORMATION));
    for (p, severity) in errors.chain(warnings).chain(notes) {
        let file = sources.get(p.span.file);
        out.entry(file.path().to_path_buf())
            .or_default()
            .push(Diagnostic {
                range: range(file, p.span),
                severity: Some(severity),
                source: Some(SOURCE.into()),
                message: p.message.clone(),
                ..Default::default()
            });
    }
    for list in out.values_mut() {
        list.sort_by_key(|d| (d.range.start, d.range.end));
    }
    out
}

fn finding(sources: &SourceMap, f: &Finding, rules: &Rules) -> Diagnostic {
    let file = sources.get(f.span.file);
    let href = rules
        .find(&f.rule_id)
        .and_then(|p| p.spec.references.first())
        .and_then(|r| r.parse().ok());
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|(span, label)| {
            let other = sources.get(span.file);
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: to_uri(other.path())?,
                    range: range(other, *span),
                },
                message: label.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: range(file, f.span),
        severity: Some(severity(f.severity, f.undecided)),
        code: Some(NumberOrString::String(f.rule_id.clone())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.into()),
        message: message(f),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// A finding's fix, kept in its diagnostic for the quick-fix code action:
/// the edits as LSP text edits by document URI.
fn fix_data(sources: &SourceMap, fix: &Fix) -> Option<serde_json::Value> {
    let mut changes: BTreeMap<String, Vec<TextEdit>> = BTreeMap::new();
    for e in fix.edits.as_ref().ok()? {
        let file = sources.get(e.span.file);
        changes
            .entry(to_uri(file.path())?.as_str().to_string())
            .or_default()
            .push(TextEdit {
                range: range(file, e.span),
                new_text: e.text.clone(),
            });
    }
    Some(serde_json::json!({"fix": {"unsafe": fix.replaces, "changes": changes}}))
}

/// The title, the finding's own message when it says more, and the resource.
fn message(f: &Finding) -> String {
    if f.message == f.title {
        format!("{} ({})", f.title, f.resource)
    } else {
        format!("{}: {} ({})", f.title, f.message, f.resource)
    }
}

/// Critical and high findings are errors, medium and low warnings, info
/// (and checks that could not be decided) information.
pub fn severity(s: Severity, undecided: bool) -> DiagnosticSeverity {
    match s {
        _ if undecided => DiagnosticSeverity::INFORMATION,
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium | Severity::Low => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The LSP range (UTF-16 columns) of a span.
pub fn range(file: &SourceFile, span: Span) -> Range {
    let at = |offset: u32| {
        let (line, character) = file.utf16_position(offset as usize);
        Position { line, character }
    };
    Range {
        start: at(span.start),
        end: at(span.end),
    }
}
