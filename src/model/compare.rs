//! Comparisons of short strings (map keys, rule ids) eight bytes at a time
//! in place: for strings this short, the call to `memcmp` that `==` and
//! `cmp` make costs more than the comparison (a run made two million).

use std::cmp::Ordering;

/// Whether `a` and `b` are the same bytes.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return short(a) == short(b);
    }
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// `a.cmp(b)`: byte by byte, then by length.
#[inline]
pub fn order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + 8 <= n {
        let (x, y) = (word(a, at), word(b, at));
        if x != y {
            return x.cmp(&y);
        }
        at += 8;
    }
    for (x, y) in a[at..n].iter().zip(&b[at..n]) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// The eight bytes at `at`, the first the most significant (so that words
/// compare as their bytes do).
#[inline]
fn word(s: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(s[at..].first_chunk().copied().unwrap_or_default())
}

/// Every byte of a string shorter than eight, packed so that two strings of
/// the same length pack alike only when they are the same.
#[inline]
fn short(s: &[u8]) -> u64 {
    let n = s.len();
    let four = |at: usize| {
        u64::from(u32::from_le_bytes(
            s[at..].first_chunk().copied().unwrap_or_default(),
        ))
    };
    match n {
        0 => 0,
        1..=3 => u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16,
        _ => four(0) | four(n - 4) << 32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_agree_with_the_standard_ones() {
        // Every pair of strings of up to 20 bytes over a small alphabet
        // differing in one place, or in length, or not at all.
        let alphabet = ["a", "b", "\u{0}", "\u{ff}", "é", "z"];
        let mut strings = vec![String::new()];
        for n in 1..=20usize {
            for (i, c) in alphabet.iter().enumerate() {
                let base: String = (0..n).map(|k| alphabet[(k * 7 + i) % 3]).collect();
                strings.push(base.clone());
                for at in [0, n / 2, n - 1] {
                    let mut changed: Vec<String> = base.chars().map(String::from).collect();
                    changed[at] = c.to_string();
                    strings.push(changed.concat());
                }
            }
        }
        for a in &strings {
            for b in &strings {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
                assert_eq!(order(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }
}
