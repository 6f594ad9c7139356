//! Source files, byte spans and the conversions between byte offsets,
//! line/column pairs (1-based, in characters) and LSP positions (UTF-16).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A set of files, one bit per [`FileId`]: a run's sets of files hold
/// most of its files, and cost it an eighth of a byte each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSet(Vec<u64>);

impl FileSet {
    /// Adds `id`; true if it was not in the set.
    pub fn insert(&mut self, id: FileId) -> bool {
        let (word, bit) = (id.0 as usize / 64, 1u64 << (id.0 % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }

    pub fn contains(&self, id: FileId) -> bool {
        (self.0.get(id.0 as usize / 64)).is_some_and(|w| w & (1 << (id.0 % 64)) != 0)
    }

    /// The files in the set, in the order of their ids.
    pub fn iter(&self) -> impl Iterator<Item = FileId> + '_ {
        (self.0.iter().enumerate()).flat_map(|(i, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    FileId(i as u32 * 64 + bit)
                })
            })
        })
    }
}

impl FromIterator<FileId> for FileSet {
    fn from_iter<I: IntoIterator<Item = FileId>>(ids: I) -> FileSet {
        let mut set = FileSet::default();
        set.extend(ids);
        set
    }
}

impl Extend<FileId> for FileSet {
    fn extend<I: IntoIterator<Item = FileId>>(&mut self, ids: I) {
        for id in ids {
            self.insert(id);
        }
    }
}

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span covering `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file's text and its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (relative to the working directory when possible).
    pub name: String,
    /// The path, when it is not the name (a path that is not UTF-8).
    path: Option<PathBuf>,
    pub text: String,
    /// Byte offsets where the lines after the first start (files are at
    /// most 16 MiB): a file of one line, or held without its text, has none.
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path: (path.as_os_str() != name.as_str()).then_some(path),
            name,
            line_starts: line_starts(&text),
            text,
        }
    }

    /// This file with `text`, as when it is read again.
    pub fn with_text(&self, text: String) -> SourceFile {
        SourceFile {
            name: self.name.clone(),
            path: self.path.clone(),
            line_starts: line_starts(&text),
            text,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(&self.name))
    }

    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Line (0-based) containing the byte offset, and the byte offset where it starts.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s as usize <= offset);
        (line, self.line_start(line).unwrap_or_default())
    }

    /// Where a 0-based line starts, if the text has it.
    fn line_start(&self, line: usize) -> Option<usize> {
        match line.checked_sub(1) {
            None => Some(0),
            Some(i) => self.line_starts.get(i).map(|&s| s as usize),
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp(offset);
        let (line, start) = self.line_of(offset);
        LineCol {
            line: line + 1,
            column: self.text[start..offset].chars().count() + 1,
        }
    }

    /// 0-based line and UTF-16 code unit column of a byte offset: an LSP position.
    pub fn utf16_position(&self, offset: usize) -> (u32, u32) {
        let offset = self.clamp(offset);
        let (line, start) = self.line_of(offset);
        let column = self.text[start..offset].encode_utf16().count();
        (line as u32, column as u32)
    }

    /// Byte offset of a 1-based line and character column (clamped to the text).
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(start) = self.line_start(line.saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}

/// Where the lines of `text` after the first start. Lines are short, so
/// newlines are looked for eight bytes at a time rather than one call each.
fn line_starts(text: &str) -> Vec<u32> {
    const LOW: u64 = u64::from_ne_bytes([0x7f; 8]);
    let bytes = text.as_bytes();
    let mut starts = Vec::with_capacity(bytes.len() / 32);
    let mut push = |i: usize| starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
    let mut words = bytes.chunks_exact(8);
    for (n, word) in (&mut words).enumerate() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default())
            ^ u64::from_ne_bytes([b'\n'; 8]);
        // The high bit of each byte that was a newline (now zero), exactly.
        let mut zero = !(((x & LOW) + LOW) | x | LOW);
        while zero != 0 {
            push(n * 8 + zero.trailing_zeros() as usize / 8);
            zero &= zero - 1;
        }
    }
    let rest = bytes.len() - words.remainder().len();
    (words.remainder().iter().enumerate())
        .filter(|(_, &b)| b == b'\n')
        .for_each(|(i, _)| push(rest + i));
    starts
}

/// Converts character indexes to byte offsets; fast for ASCII text.
pub struct CharIndex<'a> {
    text: &'a str,
    /// Byte offset of every character, only when the text is not ASCII.
    offsets: Option<Vec<u32>>,
}

impl<'a> CharIndex<'a> {
    pub fn new(text: &'a str) -> CharIndex<'a> {
        let offsets = (!text.is_ascii()).then(|| {
            let mut v: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            v.push(text.len() as u32);
            v
        });
        CharIndex { text, offsets }
    }

    pub fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(v) => v.get(char_index).map_or(self.text.len(), |&b| b as usize),
        }
    }
}

/// All files read in one run; a [`FileId`] indexes into it.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Arc<Vec<Arc<SourceFile>>>,
    /// Files read again, sorted by id, in place of those of `files` (see
    /// [`SourceMap::with`]).
    again: Vec<(FileId, Arc<SourceFile>)>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let files = Arc::make_mut(&mut self.files);
        files.push(Arc::new(file));
        FileId(files.len() as u32 - 1)
    }

    /// This map with `files` in place of those of the same ids: a run that
    /// streams keeps only the name of a file no other job reads, and the job
    /// that lints it reads it again.
    pub fn with(&self, mut files: Vec<(FileId, Arc<SourceFile>)>) -> SourceMap {
        files.sort_by_key(|(id, _)| *id);
        SourceMap {
            files: self.files.clone(),
            again: files,
        }
    }

    /// Puts `file` in place of file `id`.
    pub fn replace(&mut self, id: FileId, file: Arc<SourceFile>) {
        Arc::make_mut(&mut self.files)[id.0 as usize] = file;
    }

    /// Adds the file at `path` with what reading it gave: its text, or an
    /// error, which points at the (empty) file.
    pub fn add_read(
        &mut self,
        path: &std::path::Path,
        read: Result<String, String>,
    ) -> Result<FileId, crate::diag::Problem> {
        let name = path.display().to_string();
        let (text, error) = match read {
            Ok(text) => (text, None),
            Err(e) => (String::new(), Some(e)),
        };
        let id = self.add(SourceFile::new(name, path.to_path_buf(), text));
        match error {
            Some(message) => Err(crate::diag::Problem::new(Span::new(id, 0, 0), message)),
            None => Ok(id),
        }
    }

    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        match self.again.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(i) => &self.again[i].1,
            Err(_) => &self.files[id.0 as usize],
        }
    }

    /// The text of file `id`, when it is one of this map's.
    pub fn text(&self, id: FileId) -> Option<&str> {
        ((id.0 as usize) < self.files.len()).then(|| self.get(id).text.as_str())
    }

    /// Every file, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        (0..self.files.len() as u32).map(|i| (FileId(i), self.get(FileId(i)).as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x".into(), "x".into(), "ab\nçé x\r\nz".into());
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 4 });
        assert_eq!(f.offset_of(2, 4), x);
        let z = f.text.find('z').unwrap();
        assert_eq!(f.line_col(z), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn utf16_position_counts_code_units() {
        let f = SourceFile::new("x".into(), "x".into(), "a\n😀é x\n".into());
        let x = f.text.find('x').unwrap();
        assert_eq!(f.utf16_position(x), (1, 4));
        assert_eq!(f.utf16_position(f.text.len()), (2, 0));
    }

    #[test]
    fn line_starts_are_found_after_every_newline() {
        let naive = |t: &str| -> Vec<u32> {
            (t.bytes().enumerate())
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1)
                .collect()
        };
        // Newlines at every place of a word, beside bytes one off from one
        // (`\t`, `\x0b`) and multi-byte characters, and text not a whole
        // number of words long.
        let pieces = ["\n", "a", "\t", "\x0b", "é", "😀", "\n\n", "\r\n", "\u{8a}"];
        for seed in 0..2_000u32 {
            let mut text = String::new();
            let mut x = seed.wrapping_mul(2_654_435_761);
            for _ in 0..(seed % 41) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                text.push_str(pieces[x as usize % pieces.len()]);
            }
            assert_eq!(line_starts(&text), naive(&text), "{text:?}");
        }
    }

    #[test]
    fn a_file_set_holds_what_a_set_of_ids_holds() {
        let mut set = FileSet::default();
        let mut model = std::collections::BTreeSet::new();
        let mut x = 7u32;
        for _ in 0..3_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Ids around word boundaries and far apart.
            let id = FileId([x % 200, x % 70_000, 63, 64, 0][x as usize % 5]);
            assert_eq!(set.insert(id), model.insert(id), "{id:?}");
        }
        for i in 0..70_100 {
            assert_eq!(set.contains(FileId(i)), model.contains(&FileId(i)), "{i}");
        }
        assert!(set.iter().eq(model.iter().copied()));
        assert_eq!(model.iter().copied().collect::<FileSet>(), set);
        assert!(!FileSet::default().contains(FileId(u32::MAX)));
    }

    #[test]
    fn char_index_maps_to_bytes() {
        let idx = CharIndex::new("😀x");
        assert_eq!(idx.byte(1), 4);
    }
}
