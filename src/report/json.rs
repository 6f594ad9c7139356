//! The JSON report (`--format json`), version 1. The contract is documented
//! in `docs/json-report.md`; fields are only ever added, never changed.

use super::counts;
use crate::pipeline::Outcome;
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Vec<Finding<'a>>,
    errors: Vec<Error<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule_id: &'a str,
    severity: String,
    title: &'a str,
    message: &'a str,
    file: &'a str,
    resource: &'a str,
    resource_type: &'a str,
    #[serde(flatten)]
    region: Region,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    file: &'a str,
    message: &'a str,
    #[serde(flatten)]
    region: Region,
}

#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    resources: usize,
    findings: usize,
    errors: usize,
    by_severity: BTreeMap<String, usize>,
}

/// 1-based start and end; the end is the position just after the last character.
#[derive(Serialize)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The 1-based region of a span.
pub fn region(sources: &SourceMap, span: Span) -> Region {
    let file = sources.get(span.file);
    let start = file.line_col(span.start as usize);
    let end = file.line_col(span.end as usize);
    Region {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Renders the outcome as a JSON document.
pub fn render(outcome: &Outcome) -> String {
    let sources = &outcome.sources;
    let findings = outcome
        .findings
        .iter()
        .map(|f| Finding {
            rule_id: &f.rule_id,
            severity: f.severity.to_string(),
            title: &f.title,
            message: &f.message,
            file: &sources.get(f.span.file).name,
            resource: &f.resource,
            resource_type: &f.resource_type,
            region: region(sources, f.span),
            related: f
                .related
                .iter()
                .map(|(span, message)| Related {
                    file: &sources.get(span.file).name,
                    message,
                    region: region(sources, *span),
                })
                .collect(),
        })
        .collect();
    let errors = outcome
        .errors
        .iter()
        .map(|e| {
            let file = sources.get(e.span.file);
            let at = file.line_col(e.span.start as usize);
            Error {
                file: &file.name,
                message: &e.message,
                line: at.line,
                column: at.column,
            }
        })
        .collect();
    let report = Report {
        version: 1,
        findings,
        errors,
        summary: Summary {
            files: outcome.files,
            resources: outcome.resources,
            findings: outcome.findings.len(),
            errors: outcome.errors.len(),
            by_severity: counts(outcome)
                .into_iter()
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
        },
    };
    let mut text = serde_json::to_string_pretty(&report).expect("serializable");
    text.push('\n');
    text
}
