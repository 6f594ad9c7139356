//! What Terraform reads and the HCL parser rejects. A number literal beyond
//! a 64-bit float (`1e400`) is an error at the literal, and the rest of the
//! file is still read, with the literal as an unknown value. A key written
//! twice in an object literal is accepted, the last one winning.
//!
//! Both are handled by replacing the text the parser stops at with a name
//! of the same length (so every span stays exact) and parsing again.

use crate::diag::Problem;
use crate::source::{FileId, Span};
use hcl_edit::structure::Body;
use std::collections::BTreeMap;
use std::ops::Range;

/// Replacements tried in one file before its parse error is reported as is.
const MAX_REPLACED: usize = 64;

/// The parser's message for a key written twice in an object.
const REDEFINED: &str = "found redefined object key";

/// A parsed HCL file.
#[derive(Default)]
pub struct Parsed {
    pub body: Body,
    /// Errors that did not stop the file from being read.
    pub problems: Vec<Problem>,
    /// Object keys renamed to tell a repeated key apart, by offset: the key
    /// as Terraform reads it.
    pub renamed: BTreeMap<usize, String>,
}

/// Parses HCL text, recovering from numbers out of range (replaced by a
/// name that names nothing: the value is unknown) and repeated object keys
/// (renamed, and read with their own name again when evaluated).
pub fn parse_body(text: &str, file: FileId) -> Result<Parsed, Problem> {
    let mut masked: Option<String> = None;
    let mut parsed = Parsed::default();
    let mut attempt = 0;
    loop {
        let current = masked.as_deref().unwrap_or(text);
        let error = match hcl_edit::parser::parse_body(current) {
            Ok(body) => {
                parsed.body = body;
                return Ok(parsed);
            }
            Err(e) => e,
        };
        let at = error.location().offset();
        let fix = match attempt < MAX_REPLACED {
            true if error.message().contains(REDEFINED) => repeated_key(current, at, &parsed),
            true => out_of_range(current, at).map(|range| {
                let literal = &current[range.clone()];
                parsed.problems.push(Problem::new(
                    Span::new(file, range.start, range.end),
                    format!("number {literal} is out of range (beyond a 64-bit float); the value is unknown"),
                ));
                (range, None)
            }),
            false => None,
        };
        let Some((range, key)) = fix else {
            return Err(Problem::new(Span::new(file, at, at), error.message()));
        };
        let name = key.as_ref().map_or(0, |_| attempt + 1);
        let Some(replacement) = placeholder(range.len(), name) else {
            return Err(Problem::new(Span::new(file, at, at), error.message()));
        };
        if let Some(key) = key {
            parsed.renamed.insert(range.start, key);
        }
        let mut next = current.to_string();
        next.replace_range(range, &replacement);
        masked = Some(next);
        attempt += 1;
    }
}

/// The number literal whose exponent starts at `at` (where the parser
/// stops), when its value is not finite.
fn out_of_range(text: &str, at: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(at), Some(b'e' | b'E')) {
        return None;
    }
    let start = text[..at]
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    let before = text[..start].chars().next_back();
    if start == at || before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let mut end = at + 1;
    if matches!(bytes.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = bytes[end..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    end += digits;
    let value: f64 = text[start..end].parse().ok()?;
    (digits > 0 && !value.is_finite()).then_some(start..end)
}

/// The key at `at` that repeats an earlier one (a name, or a plain quoted
/// string), with the key it stands for.
fn repeated_key(text: &str, at: usize, parsed: &Parsed) -> Option<(Range<usize>, Option<String>)> {
    let rest = text.get(at..)?;
    let (length, key) = match rest.strip_prefix('"') {
        Some(quoted) => {
            let end = quoted.find('"')?;
            let inner = &quoted[..end];
            if inner.contains(['\\', '$', '%']) {
                return None;
            }
            (end + 2, inner.to_string())
        }
        None => {
            let length = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            (length, rest[..length].to_string())
        }
    };
    // A key renamed before keeps the key it stands for.
    let key = parsed.renamed.get(&at).cloned().unwrap_or(key);
    (length > 0).then_some((at..at + length, Some(key)))
}

/// The `n`th name of `length` characters that starts with `_` (none for
/// `n` beyond what that length affords).
fn placeholder(length: usize, mut n: usize) -> Option<String> {
    const CHARS: &[u8] = b"_abcdefghijklmnopqrstuvwxyz0123456789";
    let mut name = vec![b'_'; length];
    for c in name.iter_mut().skip(1) {
        *c = CHARS[n % CHARS.len()];
        n /= CHARS.len();
    }
    let fits = n == 0 || (length == 1 && n < 26);
    if length == 1 && n > 0 {
        name[0] = b'a' + (n - 1) as u8;
    }
    fits.then(|| String::from_utf8(name).expect("ASCII"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_at(text: &str) -> Vec<&str> {
        let parsed = parse_body(text, FileId(0)).unwrap();
        parsed
            .problems
            .iter()
            .map(|p| &text[p.span.start as usize..p.span.end as usize])
            .collect()
    }

    #[test]
    fn literals_out_of_range_are_errors_and_the_rest_is_read() {
        let text = "a = 1e400\nb = [1, -2.5E+999]\nc = \"${1e309}\"\nd = 2\n";
        assert_eq!(problems_at(text), ["1e400", "2.5E+999", "1e309"]);
        let parsed = parse_body(text, FileId(0)).unwrap();
        assert!(parsed.problems[0].message.contains("out of range"));
        assert_eq!(parsed.body.iter().count(), 4);
        assert!(parsed.body.get_attribute("d").is_some());
    }

    #[test]
    fn other_errors_and_finite_numbers_stay_as_they_are() {
        assert!(problems_at("a = 1e300\n").is_empty());
        let err = parse_body("a = 1e400 +\n", FileId(0)).err().unwrap();
        assert!(!err.message.contains("out of range"), "{}", err.message);
        assert!(parse_body("a = x1e400\n", FileId(0)).is_ok());
        // Attributes written twice stay an error, as in Terraform.
        assert!(parse_body("a = 1\na = 2\n", FileId(0)).is_err());
    }

    #[test]
    fn repeated_object_keys_are_renamed_with_the_key_they_stand_for() {
        let text = "a = { k = 1, k = 3, x = { \"k\" = 4, \"k\" = 5 }, a = 6 }\n";
        let parsed = parse_body(text, FileId(0)).unwrap();
        assert!(parsed.problems.is_empty());
        let renamed: Vec<(&str, &str)> = parsed
            .renamed
            .iter()
            .map(|(at, key)| (&text[*at..*at + 1], key.as_str()))
            .collect();
        // The second `k` became `a`, which the last key then repeated.
        assert_eq!(renamed, [("k", "k"), ("\"", "k"), ("a", "a")]);
    }

    #[test]
    fn placeholders_are_names_of_the_same_length() {
        assert_eq!(placeholder(1, 0).as_deref(), Some("_"));
        assert_eq!(placeholder(1, 1).as_deref(), Some("a"));
        assert_eq!(placeholder(1, 27), None);
        assert_eq!(placeholder(3, 1).as_deref(), Some("_a_"));
        assert_eq!(placeholder(2, 37), None);
    }
}
