//! The JSON report (`--format json`), version 1. The contract is documented
//! in `docs/json-report.md`; fields are only ever added, never changed.

use super::counts;
use crate::baseline::fingerprint;
use crate::diag::Problem;
use crate::fix::Fix;
use crate::pipeline::{Outcome, Sink};
use crate::policy::{Policy, Severity};
use crate::source::{SourceFile, SourceMap, Span};
use serde::Serialize;
use serde_json::ser::Formatter;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

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
    severity: Severity,
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
    pub description: &'a str,
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

/// The fixes of an outcome's findings, and the policies' descriptions of
/// them.
pub struct Fixes<'a> {
    /// Sorted by [`key`], in their order where keys are equal.
    by_finding: Vec<&'a Fix>,
    described: &'a Described,
    sources: &'a SourceMap,
}

/// What the fix of each policy that has one does, by policy id.
pub type Described = HashMap<String, String>;

/// The descriptions of the fixes of `policies`.
pub fn described(policies: &[Policy]) -> Described {
    (policies.iter())
        .filter_map(|p| Some((p.spec.id.clone(), p.spec.fix.as_ref()?.describe())))
        .collect()
}

impl<'a> Fixes<'a> {
    pub fn new(fixes: &'a [Fix], described: &'a Described, sources: &'a SourceMap) -> Fixes<'a> {
        let mut by_finding: Vec<&Fix> = fixes.iter().collect();
        by_finding.sort_by(|a, b| key(a).cmp(&key(b)));
        Fixes {
            by_finding,
            described,
            sources,
        }
    }

    /// The fix of `f` (the last planned for it), if its policy has one and
    /// it was planned.
    pub fn report(&self, f: &crate::engine::Finding) -> Option<FixReport<'a>> {
        let wanted = (f.span, f.rule_id.as_str(), f.resource.as_str());
        let after = self.by_finding.partition_point(|x| key(x) <= wanted);
        let fix = self.by_finding[..after].last().filter(|x| x.fixes(f))?;
        let description = self.described.get(&f.rule_id)?;
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
            description,
            replaces: fix.replaces,
            edits,
            unavailable,
        })
    }
}

/// What identifies the finding a fix is for, its span first.
fn key(fix: &Fix) -> (Span, &str, &str) {
    (fix.at, &fix.rule_id, &fix.resource)
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
        severity: f.severity,
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

/// The JSON report written as the run goes: each finding as it is given,
/// the rest when the run is over. The bytes are those of the whole report
/// pretty-printed at once.
pub struct Stream<W: Write> {
    out: W,
    /// What the fixes of the policies do.
    described: Described,
    findings: usize,
    /// The first error writing met; nothing is written after it.
    failed: Option<io::Error>,
}

/// serde_json's pretty printing (two spaces a level) of a value `depth`
/// levels deep in a document: each line after the first is indented as
/// there.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn line<W: ?Sized + Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        const SPACES: &[u8] = &[b' '; 32];
        out.write_all(if first { b"\n" } else { b",\n" })?;
        let mut indent = 2 * self.depth;
        while indent > 0 {
            let n = indent.min(SPACES.len());
            out.write_all(&SPACES[..n])?;
            indent -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out, true)?;
        }
        out.write_all(bracket)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The report's start, up to its findings' array.
const HEAD: &[u8] = b"{\n  \"version\": 1,\n  \"findings\": [";

impl<W: Write> Stream<W> {
    /// Starts the report; `policies` describe the fixes of findings.
    pub fn start(mut out: W, policies: &[Policy]) -> Stream<W> {
        let failed = out.write_all(HEAD).err();
        Stream {
            out,
            described: described(policies),
            findings: 0,
            failed,
        }
    }

    /// Writes the rest of the report (`outcome`'s findings were given to
    /// the stream) and returns the writer.
    pub fn finish(mut self, outcome: &Outcome) -> io::Result<W> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let close: &[u8] = match self.findings {
            0 => b"]",
            _ => b"\n  ]",
        };
        self.out.write_all(close)?;
        let tail = serde_json::to_vec_pretty(&tail(outcome))?;
        // `{` of the tail's own object becomes the comma after the findings.
        self.out.write_all(b",")?;
        self.out.write_all(&tail[1..])?;
        self.out.write_all(b"\n")?;
        Ok(self.out)
    }
}

impl<W: Write> Stream<W> {
    /// Writes findings (in report order) with their fixes.
    fn add(&mut self, sources: &SourceMap, findings: &[crate::engine::Finding], fixes: &[Fix]) {
        let Stream {
            out,
            described,
            findings: written,
            failed,
        } = self;
        // Most files have no fix to show: no index of them is built.
        let fixes = (!fixes.is_empty()).then(|| Fixes::new(fixes, described, sources));
        for f in findings {
            if failed.is_some() {
                return;
            }
            let fix = fixes.as_ref().and_then(|x| x.report(f));
            if let Err(e) = write_finding(out, written, &finding(sources, f, fix)) {
                *failed = Some(e);
            }
        }
    }
}

/// Writes `finding` as the next element of the report's findings, after
/// `written` others.
fn write_finding(
    out: &mut impl Write,
    written: &mut usize,
    finding: &Finding<'_>,
) -> io::Result<()> {
    let separator: &[u8] = match written {
        0 => b"\n    ",
        _ => b",\n    ",
    };
    out.write_all(separator)?;
    // Indented as an element of the report's array.
    let nested = Nested {
        depth: 2,
        has_value: false,
    };
    finding.serialize(&mut serde_json::Serializer::with_formatter(out, nested))?;
    *written += 1;
    Ok(())
}

impl<W: Write> Sink for Stream<W> {
    fn take(
        &mut self,
        sources: &SourceMap,
        findings: Vec<crate::engine::Finding>,
        fixes: Vec<Fix>,
    ) {
        self.add(sources, &findings, &fixes);
    }
}

/// What follows the findings in the report.
#[derive(Serialize)]
struct Tail<'a> {
    errors: Vec<Error<'a>>,
    warnings: Vec<Error<'a>>,
    notes: Vec<Error<'a>>,
    suppressed: Vec<SuppressedFinding<'a>>,
    summary: Summary,
}

fn tail(outcome: &Outcome) -> Tail<'_> {
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
    let by_severity: BTreeMap<String, usize> = (counts(outcome).into_iter())
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    Tail {
        errors: problems(sources, &outcome.errors),
        warnings: problems(sources, &outcome.warnings),
        notes: problems(sources, &outcome.notes),
        suppressed,
        summary: Summary {
            files: outcome.files,
            resources: outcome.resources,
            findings: by_severity.values().sum(),
            errors: outcome.errors.len(),
            warnings: outcome.warnings.len(),
            notes: outcome.notes.len(),
            suppressed: outcome.suppressed.len(),
            baselined: outcome.baselined,
            by_severity,
        },
    }
}

/// Writes the outcome as a JSON document, a finding at a time.
pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let mut stream = Stream::start(out, &outcome.policies);
    stream.add(&outcome.sources, &outcome.findings, &outcome.fixes);
    stream.finish(outcome).map(|_| ())
}
