//! What the human report shows of a file: the lines around its labels, with
//! secrets masked, control characters escaped and long lines cut around the
//! labels, so that no file can break the report or the terminal. Spans of the
//! file map to spans of the excerpt.

use crate::model::Secret;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::borrow::Cow;

/// Lines longer than this (in bytes) are cut to windows around the labels.
const LONG_LINE: usize = 400;
/// Bytes kept on each side of a label's start and end on a long line.
const WINDOW: usize = 60;
/// Lines shown before and after a label (as the report handler asks).
pub const CONTEXT_LINES: usize = 1;

/// `text` with control characters (and the bidirectional overrides that can
/// reorder a line) escaped as `\u{1b}`; with `keep_newlines`, `\n` and `\t` stay.
pub fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c) && !(keep_newlines && (c == '\n' || c == '\t'));
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A run of the excerpt made from a run of the file.
#[derive(Debug)]
struct Piece {
    /// Start in the file and in the excerpt.
    from: usize,
    to: usize,
    /// Lengths in the file and in the excerpt.
    from_len: usize,
    to_len: usize,
    /// The bytes were copied as they are (offsets inside map one to one).
    copied: bool,
}

/// The shown text of some lines of a file.
#[derive(Debug)]
pub struct Excerpt {
    pub text: String,
    /// Excerpt offset where each shown line starts, with its 0-based line number in the file.
    lines: Vec<(usize, usize)>,
    pieces: Vec<Piece>,
}

impl Excerpt {
    /// The lines of `file` around `labels` (with [`CONTEXT_LINES`]), with
    /// the byte ranges `masked` replaced by one `*` per character.
    pub fn new(file: &SourceFile, labels: &[Span], masked: &[(usize, usize)]) -> Excerpt {
        let mut ex = Excerpt {
            text: String::new(),
            lines: Vec::new(),
            pieces: Vec::new(),
        };
        let text = &file.text;
        let mut groups: Vec<(usize, usize)> = labels
            .iter()
            .map(|s| {
                let first = file.line_col(s.start as usize).line - 1;
                let last = file.line_col(s.end as usize).line - 1;
                (first.saturating_sub(CONTEXT_LINES), last + CONTEXT_LINES)
            })
            .collect();
        groups.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in groups {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        // A final `\n` ends the last line rather than starting an empty one.
        let last_line = starts.len() - 1 - usize::from(text.ends_with('\n'));
        for (first, last) in merged {
            for line in first..=last.min(last_line) {
                let start = starts[line];
                let end = starts.get(line + 1).map_or(text.len(), |&s| s - 1);
                let points: Vec<usize> = labels
                    .iter()
                    .flat_map(|s| [s.start as usize, s.end as usize])
                    .filter(|&p| p >= start && p <= end)
                    .collect();
                ex.lines.push((ex.text.len(), line));
                ex.line(text, start, end, &points, masked);
                ex.push(end, 1.min(text.len() - end), "\n");
            }
        }
        ex
    }

    /// One line, `start..end` of `text` without its `\n`.
    fn line(
        &mut self,
        text: &str,
        start: usize,
        end: usize,
        points: &[usize],
        masked: &[(usize, usize)],
    ) {
        let (content_end, cr) = match text[start..end].ends_with('\r') {
            true => (end - 1, true),
            false => (end, false),
        };
        let mut windows = vec![(start, content_end)];
        if content_end - start > LONG_LINE {
            windows = points
                .iter()
                .map(|&p| {
                    (
                        p.saturating_sub(WINDOW).max(start),
                        (p + WINDOW).min(content_end),
                    )
                })
                .collect();
            if windows.is_empty() {
                windows.push((start, start + 2 * WINDOW));
            }
            windows.sort_unstable();
            windows.dedup();
        }
        let mut at = start;
        for (a, b) in windows {
            let a = floor(text, a.max(at));
            let b = ceil(text, b);
            if a > at {
                self.push(at, a - at, "…");
            }
            if b > a {
                self.copy(text, a, b, masked);
                at = b;
            }
        }
        if content_end > at {
            self.push(at, content_end - at, "…");
        }
        if cr {
            self.push(content_end, 1, "");
        }
    }

    /// `text[a..b]`, masked and escaped.
    fn copy(&mut self, text: &str, a: usize, b: usize, masked: &[(usize, usize)]) {
        let mut run = a;
        for (i, c) in text[a..b].char_indices() {
            let i = a + i;
            let len = c.len_utf8();
            let hidden = masked.iter().any(|&(s, e)| s <= i && i < e);
            if hidden || is_control(c) {
                if run < i {
                    self.push(run, i - run, &text[run..i]);
                }
                let shown: String = if hidden {
                    "*".into()
                } else {
                    c.escape_default().collect()
                };
                self.push(i, len, &shown);
                run = i + len;
            }
        }
        if run < b {
            self.push(run, b - run, &text[run..b]);
        }
    }

    /// Appends `shown` for the `len` bytes of the file at `from`.
    fn push(&mut self, from: usize, len: usize, shown: &str) {
        let copied = shown.len() == len;
        let to = self.text.len();
        self.text.push_str(shown);
        if let Some(last) = self.pieces.last_mut() {
            if copied && last.copied && last.from + last.from_len == from {
                last.from_len += len;
                last.to_len += len;
                return;
            }
        }
        self.pieces.push(Piece {
            from,
            to,
            from_len: len,
            to_len: shown.len(),
            copied,
        });
    }

    /// The excerpt offset of a file offset: the start of a replaced run, or
    /// its end when `end` (so that a span covers what replaced it).
    fn map(&self, offset: usize, end: bool) -> usize {
        let i = self.pieces.partition_point(|p| p.from <= offset);
        let Some(p) = i.checked_sub(1).map(|i| &self.pieces[i]) else {
            return 0;
        };
        if offset >= p.from + p.from_len {
            p.to + p.to_len
        } else if p.copied {
            p.to + (offset - p.from)
        } else if end && offset > p.from {
            p.to + p.to_len
        } else {
            p.to
        }
    }

    /// A span of the file as a span of the excerpt.
    pub fn span(&self, span: Span) -> (usize, usize) {
        let start = self.map(span.start as usize, false);
        let end = self.map(span.end as usize, true).max(start);
        (start, end - start)
    }

    /// The 0-based line in the file of an excerpt offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let i = self.lines.partition_point(|&(s, _)| s <= offset);
        i.checked_sub(1).map_or(0, |i| self.lines[i].1)
    }

    /// The file offset of an excerpt offset (the start of a replaced run).
    pub fn file_offset(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.to <= offset);
        let Some(p) = i.checked_sub(1).map(|i| &self.pieces[i]) else {
            return 0;
        };
        if p.copied {
            p.from + (offset - p.to).min(p.from_len)
        } else {
            p.from
        }
    }
}

/// The byte ranges of `file` to mask for `secrets`: where a span holds the
/// secret's text, that text; when none of its spans does (the value was
/// escaped or computed), its spans whole.
pub fn masked(sources: &SourceMap, secrets: &[Secret], file: FileId) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for secret in secrets.iter().filter(|s| !s.text.is_empty()) {
        let mut found = false;
        let mut whole = Vec::new();
        for span in &secret.spans {
            let (start, end) = (span.start as usize, span.end as usize);
            let text = sources.get(span.file).text.get(start..end).unwrap_or("");
            for (i, _) in text.match_indices(&secret.text) {
                found = true;
                if span.file == file {
                    out.push((start + i, start + i + secret.text.len()));
                }
            }
            if span.file == file {
                whole.push((start, end));
            }
        }
        if !found {
            out.extend(whole);
        }
    }
    out
}

fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("f".into(), "f".into(), text.into())
    }

    fn span(start: usize, end: usize) -> Span {
        Span::new(FileId(0), start, end)
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(
            escape("a\u{1b}]0;x\u{7}\r\n\tb", true),
            "a\\u{1b}]0;x\\u{7}\\r\n\tb"
        );
        assert_eq!(escape("a\nb\u{202e}", false), "a\\nb\\u{202e}");
        assert!(matches!(escape("plain ✓", false), Cow::Borrowed(_)));
    }

    #[test]
    fn keeps_lines_around_labels_and_maps_spans() {
        let f = file("one\ntwo\nthree\nfour\nfive\nsix\n");
        let at = f.text.find("four").unwrap();
        let ex = Excerpt::new(&f, &[span(at, at + 4)], &[]);
        assert_eq!(ex.text, "three\nfour\nfive\n");
        let (start, len) = ex.span(span(at, at + 4));
        assert_eq!(&ex.text[start..start + len], "four");
        assert_eq!(ex.line_of(start), 3);
        assert_eq!(ex.file_offset(start), at);
    }

    #[test]
    fn masks_escapes_and_cuts() {
        let long = format!("{}\"key\": \"pw\u{1b}é\"\r\n", "x".repeat(1000));
        let f = file(&long);
        let at = f.text.find("\"pw").unwrap();
        let end = f.text.find("\r").unwrap();
        let ex = Excerpt::new(&f, &[span(at, end)], &[(at + 1, at + 3)]);
        assert!(ex.text.starts_with('…'), "{}", ex.text);
        assert!(ex.text.len() < 200, "{}", ex.text);
        assert!(!ex.text.contains("pw") && !ex.text.contains('\r'));
        let (start, len) = ex.span(span(at, end));
        assert_eq!(&ex.text[start..start + len], "\"**\\u{1b}é\"");
    }

    #[test]
    fn a_long_label_is_cut_in_the_middle() {
        let text = format!("a: {}\n", "y".repeat(100_000));
        let f = file(&text);
        let ex = Excerpt::new(&f, &[span(3, text.len() - 1)], &[]);
        let (start, len) = ex.span(span(3, text.len() - 1));
        let shown = &ex.text[start..start + len];
        assert!(shown.contains('…') && shown.len() < 300, "{shown}");
    }
}
