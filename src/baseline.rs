//! Finding fingerprints and baselines (`.tenken-baseline.json`): accepted
//! findings that `check --baseline` no longer reports.
//!
//! A fingerprint hashes what identifies a finding, not where it is: the rule,
//! the file, the resource and the offending text (whitespace collapsed). It
//! survives unrelated edits that shift lines; SARIF uses it as its
//! `partialFingerprints`.

use crate::engine::Finding;
use crate::source::{SourceFile, SourceMap};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The default baseline file name.
pub const FILE_NAME: &str = ".tenken-baseline.json";

/// A finding's fingerprint: 32 hex digits of a SHA-256, kept inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits")
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fingerprint of a finding: the SHA-256 of its rule, file name (with
/// `/` separators) and resource, each followed by a zero byte, and of its
/// text with whitespace collapsed to single spaces, followed by one too.
pub fn fingerprint(sources: &SourceMap, f: &Finding) -> Fingerprint {
    let file = sources.get(f.span.file);
    let text = file
        .text
        .get(f.span.start as usize..f.span.end as usize)
        .unwrap_or_default();
    thread_local! {
        /// The message of the last fingerprint, its room kept for the next.
        static MESSAGE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    MESSAGE.with_borrow_mut(|message| {
        let print = hashed(message, file, f, text);
        // A large text's room is not kept.
        if message.capacity() > 1 << 16 {
            *message = Vec::new();
        }
        print
    })
}

/// [`fingerprint`], with `message` to write what is hashed into.
fn hashed(message: &mut Vec<u8>, file: &SourceFile, f: &Finding, text: &str) -> Fingerprint {
    // Hashed at once: one update per piece costs more than the copy.
    let (rule, name, resource) = (f.rule_id.as_bytes(), file.name.as_bytes(), &f.resource);
    message.clear();
    message.reserve(rule.len() + name.len() + resource.len() + text.len() + 4);
    message.extend_from_slice(rule);
    message.push(0);
    let separated = message.len();
    message.extend_from_slice(name);
    if file.name.contains('\\') {
        for b in &mut message[separated..] {
            if *b == b'\\' {
                *b = b'/';
            }
        }
    }
    message.push(0);
    message.extend_from_slice(resource.as_bytes());
    message.push(0);
    collapse(text, message);
    message.push(0);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 32];
    for (digits, b) in out
        .chunks_exact_mut(2)
        .zip(&Sha256::digest(&*message)[..16])
    {
        digits[0] = HEX[usize::from(b >> 4)];
        digits[1] = HEX[usize::from(b & 15)];
    }
    Fingerprint(out)
}

/// Appends the words of `text` (split at Unicode whitespace) separated by
/// single spaces; ASCII text is split a byte at a time.
fn collapse(text: &str, out: &mut Vec<u8>) {
    let mut push = |i: usize, word: &[u8]| {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    };
    if text.is_ascii() {
        // The ASCII characters `char::is_whitespace` holds for.
        let space = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r');
        let words = text.as_bytes().split(space).filter(|w| !w.is_empty());
        words.enumerate().for_each(|(i, w)| push(i, w));
    } else {
        let words = text.split_whitespace().map(str::as_bytes);
        words.enumerate().for_each(|(i, w)| push(i, w));
    }
}

/// A baseline file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One accepted finding; only `fingerprint` is matched, the rest helps people reading the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub file: String,
    pub resource: String,
}

impl Baseline {
    /// The baseline of the given findings, sorted by file, rule and resource.
    pub fn of(sources: &SourceMap, findings: &[Finding]) -> Baseline {
        let mut findings: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                fingerprint: fingerprint(sources, f).to_string(),
                rule_id: f.rule_id.clone(),
                file: sources.get(f.span.file).name.replace('\\', "/"),
                resource: f.resource.clone(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.rule_id, &a.resource, &a.fingerprint).cmp(&(
                &b.file,
                &b.rule_id,
                &b.resource,
                &b.fingerprint,
            ))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = crate::gate::Gate::default()
            .read_text(path, crate::gate::Trust::Named)
            .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: invalid baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if b.version != 1 {
            return Err(format!(
                "{}: unsupported baseline version {}",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// The baseline as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("serializable");
        text.push('\n');
        text
    }

    /// A filter of findings against the baseline. Each entry matches one
    /// finding, so a second identical finding is new.
    pub fn filter(&self) -> Filter<'_> {
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.findings {
            *left.entry(&e.fingerprint).or_default() += 1;
        }
        Filter { left, matched: 0 }
    }
}

/// What is left of a baseline's entries as findings are matched.
pub struct Filter<'a> {
    left: BTreeMap<&'a str, usize>,
    /// The findings matched so far.
    pub matched: usize,
}

impl Filter<'_> {
    /// Drops the findings an entry left matches.
    pub fn apply(&mut self, sources: &SourceMap, findings: &mut Vec<Finding>) {
        findings.retain(
            |f| match self.left.get_mut(fingerprint(sources, f).as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    self.matched += 1;
                    false
                }
                _ => true,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span};

    /// The fingerprint of a finding on the whole text of a file `name`.
    fn print(name: &str, text: &str, rule: &str) -> String {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(name.into(), name.into(), text.into()));
        let finding = Finding {
            rule_id: rule.into(),
            severity: crate::policy::Severity::High,
            title: String::new(),
            message: String::new(),
            resource: "aws_s3_bucket.b".into(),
            resource_type: "aws_s3_bucket".into(),
            span: Span::new(id, 0, text.len()),
            related: Vec::new(),
            undecided: false,
            secrets: Vec::new(),
            when: Vec::new(),
        };
        fingerprint(&sources, &finding).to_string()
    }

    #[test]
    fn ascii_text_collapses_as_unicode_text_does() {
        let texts = [
            "",
            "   ",
            "a",
            " a  b\t\tc\n",
            "x\x0by\x0cz\r\nw",
            "\x1c\x1d\x1e\x1f a \x7f",
        ];
        for text in texts {
            let mut ours = Vec::new();
            collapse(text, &mut ours);
            let words: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                words.join(" "),
                "{text:?}"
            );
        }
        let mut wide = Vec::new();
        collapse("é\u{a0}ü\u{2028} x", &mut wide);
        assert_eq!(String::from_utf8(wide).unwrap(), "é ü x");
    }

    #[test]
    fn fingerprints_ignore_separators_and_spacing_not_what_is_said() {
        let base = print("a/main.tf", "acl = \"public\"", "TKN-DATA-003");
        assert_eq!(base.len(), 32);
        assert!(base.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            print("a\\main.tf", "acl = \"public\"", "TKN-DATA-003"),
            base
        );
        assert_eq!(
            print("a/main.tf", " acl\t=\n  \"public\" ", "TKN-DATA-003"),
            base
        );
        assert_ne!(print("a/main.tf", "acl=\"public\"", "TKN-DATA-003"), base);
        assert_ne!(print("b/main.tf", "acl = \"public\"", "TKN-DATA-003"), base);
        assert_ne!(print("a/main.tf", "acl = \"public\"", "TKN-DATA-004"), base);
    }
}
