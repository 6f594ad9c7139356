//! JSON written byte for byte as serde_json pretty-prints it (two spaces a
//! level), without serde's data model: a string with no byte to escape, the
//! common case, is written as it is. It is written into memory, where
//! writing cannot fail.

use serde_json::ser::{CompactFormatter, Formatter};

/// A JSON writer inside an object or array `depth` levels deep.
pub struct Pretty<'w> {
    out: &'w mut Vec<u8>,
    depth: usize,
    /// Nothing has been written in the innermost object or array yet.
    empty: bool,
}

impl<'w> Pretty<'w> {
    /// A writer inside an object or array `depth` levels deep, `empty` if
    /// nothing was written in it yet.
    pub fn new(out: &'w mut Vec<u8>, depth: usize, empty: bool) -> Self {
        Pretty { out, depth, empty }
    }

    /// A comma unless first, a line break and the indentation.
    #[inline]
    fn line(&mut self) {
        const NEXT: &[u8; 34] = b",\n                                ";
        const FIRST: &[u8; 33] = b"\n                                ";
        let first = std::mem::replace(&mut self.empty, false);
        let mut indent = 2 * self.depth;
        // Up to 32 spaces: the whole constant is copied (a copy of known
        // length takes no call), then cut to the indentation.
        let now = indent.min(32);
        let end = self.out.len() + usize::from(!first) + 1 + now;
        match first {
            true => self.out.extend_from_slice(FIRST),
            false => self.out.extend_from_slice(NEXT),
        }
        self.out.truncate(end);
        indent -= now;
        while indent > 0 {
            let n = indent.min(32);
            self.out.extend_from_slice(&FIRST[1..1 + n]);
            indent -= n;
        }
    }

    /// Opens an object (`b'{'`) or array (`b'['`).
    pub fn open(&mut self, bracket: u8) {
        self.depth += 1;
        self.empty = true;
        self.out.push(bracket);
    }

    /// Closes the innermost object (`b'}'`) or array (`b']'`).
    pub fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if !std::mem::replace(&mut self.empty, false) {
            self.empty = true;
            self.line();
        }
        self.out.push(bracket);
    }

    /// Starts the next element of an array.
    pub fn item(&mut self) {
        self.line()
    }

    /// Starts the member `name` (nothing in it to escape) of an object;
    /// inlined, so that a name written in the code is copied without a call.
    #[inline]
    pub fn key(&mut self, name: &str) {
        debug_assert!(plain(name.as_bytes()));
        self.line();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    /// A string, escaped as serde_json does.
    pub fn str(&mut self, s: &str) {
        if !plain(s.as_bytes()) {
            return self.scalar(&s);
        }
        self.out.reserve(s.len() + 2);
        self.out.push(b'"');
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(b'"');
    }

    /// A whole number.
    pub fn num(&mut self, n: usize) {
        // Writing into memory does not fail.
        let _ = CompactFormatter.write_u64(self.out, n as u64);
    }

    /// `true` or `false`.
    pub fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// A value with nothing nested in it (written the same compact or
    /// pretty), through serde.
    pub fn scalar(&mut self, value: &impl serde::Serialize) {
        // Strings and numbers serialize without error into memory.
        let _ = serde_json::to_writer(&mut *self.out, value);
    }

    /// The member `name` with the string `value`.
    #[inline]
    pub fn str_field(&mut self, name: &str, value: &str) {
        self.key(name);
        self.str(value)
    }

    /// The member `name` with the number `value`.
    #[inline]
    pub fn num_field(&mut self, name: &str, value: usize) {
        self.key(name);
        self.num(value)
    }
}

/// True if no byte of `s` needs escaping in a JSON string (a quote, a
/// backslash or a control character). Not short-circuited, so that it is
/// vectorized.
fn plain(s: &[u8]) -> bool {
    !(s.iter()).fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `value` written as a member of an object nested `depth` levels deep.
    fn nested(depth: usize, write: impl FnOnce(&mut Pretty)) -> String {
        let mut out = Vec::new();
        let mut p = Pretty::new(&mut out, depth, true);
        write(&mut p);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let hard = [
            "plain",
            "",
            "a \"quoted\" word",
            "back\\slash",
            "tab\tnew\nline\r",
            "\u{1}\u{1f}\u{7f}",
            "é ü 日本 \u{2028}",
            "</script>",
            "long text with nothing to escape at all",
        ];
        for s in hard {
            let ours = nested(0, |p| p.str(s));
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn nesting_is_printed_as_serde_json_pretty_prints() {
        let value = serde_json::json!({
            "a": 1,
            "b": [],
            "c": [{"d": "x", "e": true}, {}],
            "f": {"g": [1, 2]},
        });
        let ours = nested(0, |p| {
            p.open(b'{');
            p.num_field("a", 1);
            p.key("b");
            p.open(b'[');
            p.close(b']');
            p.key("c");
            p.open(b'[');
            p.item();
            p.open(b'{');
            p.str_field("d", "x");
            p.key("e");
            p.bool(true);
            p.close(b'}');
            p.item();
            p.open(b'{');
            p.close(b'}');
            p.close(b']');
            p.key("f");
            p.open(b'{');
            p.key("g");
            p.open(b'[');
            for n in [1, 2] {
                p.item();
                p.num(n);
            }
            p.close(b']');
            p.close(b'}');
            p.close(b'}');
        });
        assert_eq!(ours, serde_json::to_string_pretty(&value).unwrap());
    }

    #[test]
    fn deep_nesting_is_indented_as_serde_json_does() {
        let mut value = serde_json::json!("leaf");
        for _ in 0..40 {
            value = serde_json::json!([value]);
        }
        let ours = nested(0, |p| {
            for _ in 0..40 {
                p.open(b'[');
                p.item();
            }
            p.str("leaf");
            (0..40).for_each(|_| p.close(b']'))
        });
        assert_eq!(ours, serde_json::to_string_pretty(&value).unwrap());
    }
}
