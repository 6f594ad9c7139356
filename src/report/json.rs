//! The JSON report (`--format json`), version 1. The contract is documented
//! in `docs/json-report.md`; fields are only ever added, never changed.

use super::counts;
use super::pretty::Pretty;
use crate::baseline::fingerprint;
use crate::fix::Fix;
use crate::pipeline::{Outcome, Render, Sink};
use crate::policy::Policy;
use crate::source::{SourceFile, SourceMap, Span};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

/// A fix as `tenken check --fix` would apply it: its edits, or why it is
/// not offered.
pub struct FixReport<'a> {
    pub description: &'a str,
    /// Applied only with `--unsafe-fixes` (`unsafe` in the report).
    pub replaces: bool,
    pub edits: Option<Vec<EditReport<'a>>>,
    pub unavailable: Option<&'a str>,
}

/// One edit: the text between `start` and `end` (1-based, the end just
/// after the last character replaced; equal for an insertion) becomes `text`.
pub struct EditReport<'a> {
    pub file: &'a str,
    pub start: Position,
    pub end: Position,
    pub text: &'a str,
}

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

/// 1-based start and end; the end is the position just after the last character.
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

/// The JSON report written as the run goes: each finding as it is given
/// (or as its worker rendered it, see [`Sink::renderer`]), the rest when
/// the run is over. The bytes are those serde_json's pretty
/// printer writes for the whole report. They are rendered into memory and
/// written a chunk at a time; what a worker rendered is written as it is,
/// not copied.
pub struct Stream<W: Write> {
    out: W,
    /// What is rendered and not written yet, before `buf`: pieces, each
    /// after a comma when its flag says so.
    queued: Vec<(bool, Vec<u8>)>,
    /// The bytes of `queued`.
    queued_len: usize,
    /// What is rendered here and not written yet.
    buf: Vec<u8>,
    /// What the fixes of the policies do.
    described: Arc<Described>,
    /// Whether a finding was written.
    any: bool,
    /// The first error writing met; nothing is written after it.
    failed: Option<io::Error>,
}

/// The report's start, up to its findings' array.
const HEAD: &[u8] = b"{\n  \"version\": 1,\n  \"findings\": [";

/// How much is rendered before it is written.
const CHUNK: usize = 1 << 16;

/// A little more than a finding takes in the report, its fix included, as
/// a rule (600 bytes on average in the benchmark's corpus).
const BYTES_PER_FINDING: usize = 1024;

impl<W: Write> Stream<W> {
    /// Starts the report; `policies` describe the fixes of findings.
    pub fn start(out: W, policies: &[Policy]) -> Stream<W> {
        let mut buf = Vec::with_capacity(CHUNK + CHUNK / 2);
        buf.extend_from_slice(HEAD);
        Stream {
            out,
            queued: Vec::new(),
            queued_len: 0,
            buf,
            described: Arc::new(described(policies)),
            any: false,
            failed: None,
        }
    }

    /// Writes the rest of the report (`outcome`'s findings were given to
    /// the stream) and returns the writer.
    pub fn finish(mut self, outcome: &Outcome) -> io::Result<W> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut p = Pretty::new(&mut self.buf, 2, !self.any);
        p.close(b']');
        tail(&mut p, outcome);
        p.close(b'}');
        self.buf.push(b'\n');
        write_queued(&mut self.out, &mut self.queued)?;
        self.out.write_all(&self.buf)?;
        Ok(self.out)
    }

    /// Writes findings (in report order) with their fixes.
    fn add(&mut self, sources: &SourceMap, findings: &[crate::engine::Finding], fixes: &[Fix]) {
        if self.failed.is_some() {
            return;
        }
        let first = !self.any;
        self.any |= !findings.is_empty();
        let (out, failed) = (&mut self.out, &mut self.failed);
        let (queued, queued_len) = (&mut self.queued, &mut self.queued_len);
        let mut next = |buf: &mut Vec<u8>| {
            if *queued_len + buf.len() >= CHUNK {
                *failed = (write_queued(out, queued))
                    .and_then(|()| out.write_all(buf))
                    .err();
                *queued_len = 0;
                buf.clear();
            }
            failed.is_none()
        };
        elements(
            &mut self.buf,
            first,
            sources,
            findings,
            fixes,
            &self.described,
            &mut next,
        );
    }
}

/// Writes the pieces `queued` holds, in one call when `out` takes them so.
fn write_queued(out: &mut impl Write, queued: &mut Vec<(bool, Vec<u8>)>) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice> = Vec::with_capacity(queued.len() * 2);
    for (comma, piece) in queued.iter() {
        if *comma {
            slices.push(io::IoSlice::new(b","));
        }
        slices.push(io::IoSlice::new(piece));
    }
    let mut left = slices.as_mut_slice();
    while !left.is_empty() {
        match out.write_vectored(left) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut left, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    drop(slices);
    queued.clear();
    Ok(())
}

/// Writes `findings` with their fixes as elements of the report's array,
/// the first with no comma before it when it is `first`; after each one,
/// `next` may write `buf` out, and tells whether to go on.
fn elements(
    buf: &mut Vec<u8>,
    first: bool,
    sources: &SourceMap,
    findings: &[crate::engine::Finding],
    fixes: &[Fix],
    described: &Described,
    next: &mut dyn FnMut(&mut Vec<u8>) -> bool,
) {
    // Most files have no fix to show: no index of them is built.
    let fixes = (!fixes.is_empty()).then(|| Fixes::new(fixes, described, sources));
    for (i, f) in findings.iter().enumerate() {
        let fix = fixes.as_ref().and_then(|x| x.report(f));
        let mut p = Pretty::new(buf, 2, first && i == 0);
        p.item();
        p.open(b'{');
        finding(&mut p, sources, f, fix);
        p.close(b'}');
        if !next(buf) {
            return;
        }
    }
}

/// Renders findings ahead as [`Stream`] writes them, the first with no
/// comma before it.
struct Ahead {
    described: Arc<Described>,
}

impl Render for Ahead {
    fn render(
        &self,
        sources: &SourceMap,
        findings: &[crate::engine::Finding],
        fixes: &[Fix],
    ) -> Vec<u8> {
        // About what the findings take, so that the buffer seldom grows
        // (up to a mebibyte: beyond, it grows as it fills).
        let mut buf = Vec::with_capacity((findings.len() * BYTES_PER_FINDING).min(1 << 20));
        let described = &self.described;
        elements(
            &mut buf,
            true,
            sources,
            findings,
            fixes,
            described,
            &mut |_| true,
        );
        buf
    }
}

impl<W: Write + Send> Sink for Stream<W> {
    fn take(
        &mut self,
        sources: &SourceMap,
        findings: Vec<crate::engine::Finding>,
        fixes: Vec<Fix>,
    ) {
        self.add(sources, &findings, &fixes);
    }

    fn renderer(&self) -> Option<Box<dyn Render>> {
        Some(Box::new(Ahead {
            described: self.described.clone(),
        }))
    }

    fn take_rendered(&mut self, rendered: Vec<u8>) {
        if self.failed.is_some() || rendered.is_empty() {
            return;
        }
        // What was rendered here goes first.
        if !self.buf.is_empty() {
            self.queued_len += self.buf.len();
            self.queued.push((false, std::mem::take(&mut self.buf)));
        }
        self.queued_len += rendered.len() + usize::from(self.any);
        self.queued.push((self.any, rendered));
        self.any = true;
        if self.queued_len >= CHUNK {
            self.failed = write_queued(&mut self.out, &mut self.queued).err();
            self.queued_len = 0;
        }
    }
}

/// Writes the members of a finding's object.
fn finding(
    p: &mut Pretty,
    sources: &SourceMap,
    f: &crate::engine::Finding,
    fix: Option<FixReport>,
) {
    p.str_field("rule_id", &f.rule_id);
    p.str_field("severity", f.severity.as_str());
    p.str_field("title", &f.title);
    p.str_field("message", &f.message);
    p.str_field("file", &sources.get(f.span.file).name);
    p.str_field("resource", &f.resource);
    p.str_field("resource_type", &f.resource_type);
    region_fields(p, &region(sources, f.span));
    p.key("related");
    p.open(b'[');
    for (span, message) in &f.related {
        p.item();
        p.open(b'{');
        p.str_field("file", &sources.get(span.file).name);
        p.str_field("message", message);
        region_fields(p, &region(sources, *span));
        p.close(b'}');
    }
    p.close(b']');
    p.str_field("fingerprint", fingerprint(sources, f).as_str());
    // The values of unknown inputs or conditions in which the check fails
    // (absent when it fails whatever they are).
    if !f.when.is_empty() {
        p.key("when");
        p.open(b'[');
        for when in &f.when {
            p.item();
            p.open(b'{');
            p.str_field("name", &when.name);
            p.str_field("value", &when.value);
            p.close(b'}');
        }
        p.close(b']');
    }
    // The policy's fix (absent when the policy has none).
    if let Some(fix) = fix {
        p.key("fix");
        write_fix(p, &fix);
    }
}

/// Writes a fix's object.
fn write_fix(p: &mut Pretty, fix: &FixReport) {
    p.open(b'{');
    p.str_field("description", fix.description);
    p.key("unsafe");
    p.bool(fix.replaces);
    if let Some(edits) = &fix.edits {
        p.key("edits");
        p.open(b'[');
        for e in edits {
            p.item();
            p.open(b'{');
            p.str_field("file", e.file);
            for (name, at) in [("start", &e.start), ("end", &e.end)] {
                p.key(name);
                p.open(b'{');
                p.num_field("line", at.line);
                p.num_field("column", at.column);
                p.close(b'}');
            }
            p.str_field("text", e.text);
            p.close(b'}');
        }
        p.close(b']');
    }
    if let Some(why) = fix.unavailable {
        p.str_field("unavailable", why);
    }
    p.close(b'}');
}

/// Writes a region as members of an object.
fn region_fields(p: &mut Pretty, r: &Region) {
    p.num_field("line", r.line);
    p.num_field("column", r.column);
    p.num_field("end_line", r.end_line);
    p.num_field("end_column", r.end_column);
}

/// Writes what follows the findings as members of the report's object.
fn tail(p: &mut Pretty, outcome: &Outcome) {
    let sources = &outcome.sources;
    for (name, problems) in [
        ("errors", &outcome.errors),
        ("warnings", &outcome.warnings),
        ("notes", &outcome.notes),
    ] {
        p.key(name);
        p.open(b'[');
        for e in problems {
            p.item();
            p.open(b'{');
            p.str_field("file", &sources.get(e.span.file).name);
            p.str_field("message", &e.message);
            region_fields(p, &region(sources, e.span));
            p.close(b'}');
        }
        p.close(b']');
    }
    p.key("suppressed");
    p.open(b'[');
    for s in &outcome.suppressed {
        p.item();
        p.open(b'{');
        finding(p, sources, &s.finding, None);
        let file = sources.get(s.at.file);
        let at = file.line_col(s.at.start as usize);
        p.key("suppression");
        p.open(b'{');
        p.str_field("tool", s.tool.as_str());
        p.str_field("reason", &s.reason);
        p.str_field("file", &file.name);
        p.num_field("line", at.line);
        p.num_field("column", at.column);
        p.close(b'}');
        p.close(b'}');
    }
    p.close(b']');
    // By severity name, in the order of names.
    let by_severity: BTreeMap<String, usize> = (counts(outcome).into_iter())
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    p.key("summary");
    p.open(b'{');
    p.num_field("files", outcome.files);
    p.num_field("resources", outcome.resources);
    p.num_field("findings", by_severity.values().sum());
    p.num_field("errors", outcome.errors.len());
    p.num_field("warnings", outcome.warnings.len());
    p.num_field("notes", outcome.notes.len());
    p.num_field("suppressed", outcome.suppressed.len());
    p.num_field("baselined", outcome.baselined);
    p.key("by_severity");
    p.open(b'{');
    for (name, n) in &by_severity {
        p.num_field(name, *n);
    }
    p.close(b'}');
    p.close(b'}');
}

/// Writes the outcome as a JSON document, a finding at a time.
pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let mut stream = Stream::start(out, &outcome.policies);
    stream.add(&outcome.sources, &outcome.findings, &outcome.fixes);
    stream.finish(outcome).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most three bytes a call, one slice at a time, and is
    /// interrupted every other call.
    #[derive(Default)]
    struct Trickle {
        written: Vec<u8>,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(3);
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rendered_findings_are_written_in_order_with_commas_as_chunks_fill() {
        // Each piece as a worker renders it: elements of the array.
        let strings: Vec<String> = (0..5u8)
            .map(|i| char::from(b'a' + i).to_string().repeat(CHUNK / 3))
            .collect();
        let mut stream = Stream::start(Trickle::default(), &[]);
        for s in &strings {
            stream.take_rendered(format!("\n    \"{s}\"").into_bytes());
        }
        // Chunks were written before the end of the run.
        assert!(stream.out.written.len() >= CHUNK);
        let out = stream.finish(&Outcome::default()).unwrap().written;
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["findings"], serde_json::json!(strings));
        assert!(out.starts_with(HEAD));
    }

    #[test]
    fn a_write_error_stops_the_report() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::StorageFull.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut stream = Stream::start(Full, &[]);
        for _ in 0..3 {
            stream.take_rendered(vec![b'x'; CHUNK]);
        }
        let err = stream.finish(&Outcome::default()).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }
}
