//! Open buffers: their unsaved text and version, kept in sync with the
//! editor (whole-text and incremental changes), and `file:` URIs ↔ paths.

use crate::discover::{kind_of, Kind};
use lsp_types::{Position, TextDocumentContentChangeEvent, Uri};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One open buffer.
#[derive(Clone, Debug)]
pub struct Document {
    /// Tells this opening of the file from earlier ones (versions restart on reopening).
    pub opened: u64,
    pub path: PathBuf,
    pub kind: Kind,
    pub version: i32,
    pub text: String,
}

/// The buffers the editor has open, by URI.
#[derive(Default)]
pub struct Documents {
    open: BTreeMap<Uri, Document>,
    openings: u64,
}

impl Documents {
    /// Records an opened buffer; `None` (and nothing recorded) for files tenken does not lint.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> Option<&Document> {
        let path = to_path(&uri)?;
        let kind = kind_of(&path)?;
        self.openings += 1;
        let doc = Document {
            opened: self.openings,
            path,
            kind,
            version,
            text,
        };
        self.open.insert(uri.clone(), doc);
        self.open.get(&uri)
    }

    /// Applies the editor's changes in order; `None` if the buffer is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<&Document> {
        let doc = self.open.get_mut(uri)?;
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => {
                    let start = byte_offset(&doc.text, range.start);
                    let end = byte_offset(&doc.text, range.end).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
            }
        }
        doc.version = version;
        Some(doc)
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Uri, &Document)> {
        self.open.iter()
    }

    /// The open Terraform buffers of one folder.
    pub fn terraform_in<'a>(
        &'a self,
        dir: &'a Path,
    ) -> impl Iterator<Item = (&'a Uri, &'a Document)> {
        self.open
            .iter()
            .filter(move |(_, d)| d.kind == Kind::Terraform && d.path.parent() == Some(dir))
    }
}

/// Byte offset of an LSP position (0-based line, UTF-16 column), clamped to
/// the line's end and to the text.
pub fn byte_offset(text: &str, at: Position) -> usize {
    let line_start = if at.line == 0 {
        0
    } else {
        match text.match_indices('\n').nth(at.line as usize - 1) {
            Some((i, _)) => i + 1,
            None => return text.len(),
        }
    };
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= at.character as usize || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The path of a `file:` URI.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let path = rest.find('/').map(|i| &rest[i..])?;
    let path = path.split(['?', '#']).next()?;
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    // `file:///C:/x` is `C:/x` on Windows.
    let windows = decoded.len() > 2 && decoded.as_bytes()[2] == b':';
    Some(PathBuf::from(if windows {
        &decoded[1..]
    } else {
        &decoded[..]
    }))
}

/// Characters escaped in the path of a `file:` URI.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The `file:` URI of an absolute path.
pub fn to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let slash = if text.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}", utf8_percent_encode(&text, PATH))
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Range;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_positions_to_bytes() {
        let text = "a\n😀é x\nlast";
        assert_eq!(byte_offset(text, pos(1, 4)), text.find('x').unwrap());
        assert_eq!(byte_offset(text, pos(1, 99)), text.find("\nlast").unwrap());
        assert_eq!(byte_offset(text, pos(9, 0)), text.len());
    }

    #[test]
    fn incremental_and_full_changes() {
        let uri: Uri = "file:///w/main.tf".parse().unwrap();
        let mut docs = Documents::default();
        docs.open(uri.clone(), 1, "héllo\nwörld\n".into());
        let edit = |line, from, to, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(pos(line, from), pos(line, to))),
            range_length: None,
            text: text.into(),
        };
        let doc = docs
            .change(&uri, 2, vec![edit(1, 1, 2, "o"), edit(0, 5, 5, "!")])
            .unwrap();
        assert_eq!(doc.text, "héllo!\nworld\n");
        assert_eq!(doc.version, 2);
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "new".into(),
        };
        assert_eq!(docs.change(&uri, 3, vec![full]).unwrap().text, "new");
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/tmp/a dir/é#.tf");
        let uri = to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%A9%23.tf");
        assert_eq!(to_path(&uri).unwrap(), path);
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(to_path(&other), None);
    }

    #[test]
    fn only_lintable_files_are_kept() {
        let mut docs = Documents::default();
        assert!(docs
            .open("file:///w/readme.md".parse().unwrap(), 1, String::new())
            .is_none());
        let doc = docs.open("file:///w/t.yaml".parse().unwrap(), 1, String::new());
        assert_eq!(doc.unwrap().kind, Kind::Template);
    }
}
