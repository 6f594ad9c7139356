//! Fixes: the remediation a policy declares (`fix:`), planned for each of
//! its findings as text edits where the offending value was written, then
//! applied in memory, shown as a diff or written through the gate.

mod diff;
mod hcl;
mod plan;
mod run;
mod spec;
mod text;
mod write;

pub use diff::unified;
pub use plan::plan;
pub use run::{run, Changed, Fixed};
pub use spec::{Action, FixSpec};
pub use write::{bom_of, write};

use crate::engine::Finding;
use crate::source::Span;
use std::path::Path;

/// Replaces the bytes `span` covers in its file with `text`.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// The fix of one finding: its edits, or why it is not offered.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub rule_id: String,
    pub resource: String,
    /// The finding's span.
    pub at: Span,
    /// Unsafe: AWS replaces the resource to apply it, or it changes what the
    /// resource does; applied only with `--unsafe-fixes`.
    pub replaces: bool,
    pub edits: Result<Vec<Edit>, String>,
}

impl Fix {
    /// True if this is the fix of `finding`.
    pub fn fixes(&self, finding: &Finding) -> bool {
        self.rule_id == finding.rule_id
            && self.resource == finding.resource
            && self.at == finding.span
    }
}

/// How a file is written, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
    Hcl,
}

impl Syntax {
    pub fn of(path: &Path) -> Syntax {
        let name = path.to_string_lossy();
        if [".tf", ".tofu", ".tfvars"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            Syntax::Hcl
        } else if name.ends_with(".json") {
            Syntax::Json
        } else {
            Syntax::Yaml
        }
    }
}

/// `text` with `edits` applied, those overlapping an earlier one left out,
/// and an insertion of a key another inserts at the same place (a mapping
/// or block both need: it is written once, the other fix adds to it in the
/// next round); returns the new text and the edits applied.
pub fn apply<'a>(text: &str, edits: &[&'a Edit]) -> (String, Vec<&'a Edit>) {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut applied: Vec<&Edit> = Vec::new();
    for e in sorted {
        if applied.contains(&e) {
            continue;
        }
        let clear = applied
            .last()
            .is_none_or(|last| last.span.end <= e.span.start);
        let twice = e.span.start == e.span.end
            && (applied.iter())
                .any(|a| a.span == e.span && inserted_key(&a.text) == inserted_key(&e.text));
        if clear && !twice && (e.span.end as usize) <= text.len() {
            applied.push(e);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in &applied {
        out.push_str(&text[at..e.span.start as usize]);
        out.push_str(&e.text);
        at = e.span.end as usize;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// The key an inserted text starts with: `Key:`, `"Key":`, `key =`, `key {`.
fn inserted_key(text: &str) -> &str {
    let text = text.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    let end = text.find(|c: char| ":={".contains(c) || c.is_whitespace());
    text[..end.unwrap_or(text.len())].trim_matches(['"', '\''])
}

/// Checks that `fixed` is `original` changed by `edits` (none overlapping)
/// and nothing else: the text before the first edit, between two and after
/// the last is the same byte for byte, each edit's span holding its text.
pub fn unchanged_outside(original: &str, fixed: &str, edits: &[&Edit]) -> Result<(), String> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    // Offsets in the original text and in the fixed one.
    let (mut at, mut to) = (0, 0);
    for e in sorted {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        let kept = original.get(at..start).ok_or("the edits overlap")?;
        if fixed.get(to..to + kept.len()) != Some(kept) {
            return Err(format!(
                "the text before byte {start} changed outside the edits"
            ));
        }
        to += kept.len();
        if fixed.get(to..to + e.text.len()) != Some(e.text.as_str()) {
            return Err(format!(
                "the edit at byte {start} is not what was written there"
            ));
        }
        (at, to) = (end, to + e.text.len());
    }
    match fixed.get(to..) == original.get(at..) {
        true => Ok(()),
        false => Err(format!(
            "the text after byte {at} changed outside the edits"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            span: Span::new(FileId(0), start, end),
            text: text.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_overlapping_ones_wait() {
        let (a, b, c) = (edit(4, 9, "true"), edit(0, 3, "one"), edit(5, 6, "x"));
        let (out, applied) = apply("abc false!", &[&a, &b, &c]);
        assert_eq!(out, "one true!");
        assert_eq!(applied, vec![&b, &a]);
        let (i, j) = (edit(3, 3, "\n  A: 1"), edit(3, 3, "\n  B: 2"));
        assert_eq!(apply("x:y", &[&i, &j]).0, "x:y\n  A: 1\n  B: 2");
        // The same key inserted twice at one place is written once.
        let (k, l) = (
            edit(3, 3, ", \"P\": {\"A\": 1}"),
            edit(3, 3, ", \"P\": {\"B\": 2}"),
        );
        let (m, n) = (
            edit(3, 3, "  p {\n    a = 1\n  }\n"),
            edit(3, 3, "  p {\n    b = 2\n  }\n"),
        );
        assert_eq!(
            apply("x:y", &[&k, &l]),
            ("x:y, \"P\": {\"A\": 1}".into(), vec![&k])
        );
        assert_eq!(apply("x:y", &[&m, &n]).1, vec![&m]);
    }

    #[test]
    fn a_change_outside_the_spans_is_caught() {
        let original = "a: false\nb: 1\n";
        let whole = edit(3, 8, "true");
        let fixed = apply(original, &[&whole]).0;
        assert_eq!(unchanged_outside(original, &fixed, &[&whole]), Ok(()));
        // A span that says less than what changed.
        let short = edit(3, 5, "tr");
        assert!(unchanged_outside(original, &fixed, &[&short]).is_err());
        let elsewhere = "a: true\nb: 2\n";
        assert_eq!(
            unchanged_outside(original, elsewhere, &[&whole]),
            Err("the text after byte 8 changed outside the edits".into())
        );
        let before = "A: true\nb: 1\n";
        assert_eq!(
            unchanged_outside(original, before, &[&whole]),
            Err("the text before byte 3 changed outside the edits".into())
        );
        let insert = edit(9, 9, "c: 2\n");
        let both = apply(original, &[&whole, &insert]).0;
        assert_eq!(
            unchanged_outside(original, &both, &[&insert, &whole]),
            Ok(())
        );
        assert!(unchanged_outside(original, &both, &[&whole]).is_err());
    }
}
