//! The JSON report (`--format json`), version 1. The contract is documented
//! in `docs/json-report.md`; fields are only ever added, never changed.

use super::counts;
use crate::baseline::fingerprint;
use crate::diag::Problem;
use crate::fix::Fix;
use crate::pipeline::Outcome;
use crate::policy::Policy;
use crate::source::{SourceFile, SourceMap, Span};
use serde::{Serialize, Serializer};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

#[derive(Serialize)]
struct Report<'a, F> {
    version: u32,
    findings: F,
    errors: Vec<Error<'a>>,
    warnings: Vec<Error<'a>>,
    notes: Vec<Error<'a>>,
    suppressed: Vec<SuppressedFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct SuppressedFinding<'a> {
    #[serde(flatten)]
    finding: Finding<'a>,
    suppression: Suppression<'a>,
}

#[derive(Serialize)]
struct Suppression<'a> {
    tool: &'static str,
    reason: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
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
    fingerprint: String,
    /// The values of unknown inputs or conditions in which the check fails
    /// (absent when it fails whatever they are).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    when: Vec<When<'a>>,
    /// The policy's fix for this finding (absent when the policy has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixReport<'a>>,
}

/// A fix as `tenken check --fix` would apply it: its edits, or why it is
/// not offered.
#[derive(Serialize)]
pub struct FixReport<'a> {
    pub description: String,
    /// Applied only with `--unsafe-fixes`.
    #[serde(rename = "unsafe")]
    pub replaces: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edits: Option<Vec<EditReport<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<&'a str>,
}

/// One edit: the text between `start` and `end` (1-based, the end just
/// after the last character replaced; equal for an insertion) becomes `text`.
#[derive(Serialize)]
pub struct EditReport<'a> {
    pub file: &'a str,
    pub start: Position,
    pub end: Position,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The fixes of an outcome's findings, by finding, and the policies'
/// descriptions of them.
pub struct Fixes<'a> {
    by_finding: HashMap<(&'a str, &'a str, Span), &'a Fix>,
    policies: HashMap<&'a str, &'a Policy>,
    sources: &'a SourceMap,
}

impl<'a> Fixes<'a> {
    pub fn of(outcome: &'a Outcome) -> Fixes<'a> {
        let by_finding = (outcome.fixes.iter())
            .map(|x| ((x.rule_id.as_str(), x.resource.as_str(), x.at), x))
            .collect();
        let policies = (outcome.policies.iter())
            .filter(|p| p.spec.fix.is_some())
            .map(|p| (p.spec.id.as_str(), p))
            .collect();
        Fixes {
            by_finding,
            policies,
            sources: &outcome.sources,
        }
    }

    /// The fix of `f`, if its policy has one and it was planned.
    pub fn report(&self, f: &crate::engine::Finding) -> Option<FixReport<'a>> {
        let key = (f.rule_id.as_str(), f.resource.as_str(), f.span);
        let fix = self.by_finding.get(&key)?;
        let spec = self.policies.get(f.rule_id.as_str())?.spec.fix.as_ref()?;
        let position = |file: &SourceFile, offset: u32| {
            let at = file.line_col(offset as usize);
            Position {
                line: at.line,
                column: at.column,
            }
        };
        let (edits, unavailable) = match &fix.edits {
            Ok(edits) if !edits.is_empty() => {
                let edits = (edits.iter())
                    .map(|e| {
                        let file = self.sources.get(e.span.file);
                        EditReport {
                            file: &file.name,
                            start: position(file, e.span.start),
                            end: position(file, e.span.end),
                            text: &e.text,
                        }
                    })
                    .collect();
                (Some(edits), None)
            }
            Ok(_) => (None, Some("there is nothing to change")),
            Err(why) => (None, Some(why.as_str())),
        };
        Some(FixReport {
            description: spec.describe(),
            replaces: fix.replaces,
            edits,
            unavailable,
        })
    }
}

#[derive(Serialize)]
struct When<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Related<'a> {
    file: &'a str,
    message: &'a str,
    #[serde(flatten)]
    region: Region,
}

/// An error, warning or note.
#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    message: &'a str,
    #[serde(flatten)]
    region: Region,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    resources: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    baselined: usize,
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

fn finding<'a>(
    sources: &'a SourceMap,
    f: &'a crate::engine::Finding,
    fix: Option<FixReport<'a>>,
) -> Finding<'a> {
    Finding {
        fix,
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
        fingerprint: fingerprint(sources, f),
        when: f
            .when
            .iter()
            .map(|p| When {
                name: &p.name,
                value: &p.value,
            })
            .collect(),
    }
}

fn problems<'a>(sources: &'a SourceMap, problems: &'a [Problem]) -> Vec<Error<'a>> {
    problems
        .iter()
        .map(|e| Error {
            file: &sources.get(e.span.file).name,
            message: &e.message,
            region: region(sources, e.span),
        })
        .collect()
}

/// A sequence whose items are built only as they are written.
struct Each<I>(Cell<Option<I>>);

impl<I: Iterator<Item: Serialize>> Serialize for Each<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// Writes the outcome as a JSON document, a finding at a time.
pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let sources = &outcome.sources;
    let suppressed = outcome
        .suppressed
        .iter()
        .map(|s| {
            let file = sources.get(s.at.file);
            let at = file.line_col(s.at.start as usize);
            SuppressedFinding {
                finding: finding(sources, &s.finding, None),
                suppression: Suppression {
                    tool: s.tool.as_str(),
                    reason: &s.reason,
                    file: &file.name,
                    line: at.line,
                    column: at.column,
                },
            }
        })
        .collect();
    let fixes = Fixes::of(outcome);
    let report = Report {
        version: 1,
        findings: Each(Cell::new(Some(
            (outcome.findings.iter()).map(|f| finding(sources, f, fixes.report(f))),
        ))),
        errors: problems(sources, &outcome.errors),
        warnings: problems(sources, &outcome.warnings),
        notes: problems(sources, &outcome.notes),
        suppressed,
        summary: Summary {
            files: outcome.files,
            resources: outcome.resources,
            findings: outcome.findings.len(),
            errors: outcome.errors.len(),
            warnings: outcome.warnings.len(),
            notes: outcome.notes.len(),
            suppressed: outcome.suppressed.len(),
            baselined: outcome.baselined,
            by_severity: counts(outcome)
                .into_iter()
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
