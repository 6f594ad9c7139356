//! Writing a fixed file through the gate.

use crate::gate::{Gate, Trust};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Component, Path};

/// Writes `new` over the file at `path`, which was read as `old`: only a
/// regular file inside a scan root, not a link nor under a linked folder,
/// not under `.terraform/` (downloaded modules), and only while it still
/// holds `old`; a byte order mark it starts with is kept.
pub fn write(gate: &Gate, path: &Path, old: &str, new: &str) -> Result<(), String> {
    if path
        .components()
        .any(|c| matches!(c, Component::Normal(n) if n == ".terraform"))
    {
        return Err("refused: files under .terraform/ are downloaded modules".into());
    }
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot write: {e}"))?;
    if meta.is_symlink() {
        return Err("refused: a link is not written through".into());
    }
    if !meta.is_file() {
        return Err("refused: not a regular file".into());
    }
    let real = gate.confine(path)?;
    let now = gate.read(path, Trust::Confined).map_err(|e| e.message)?;
    if now != old {
        return Err("not written: the file changed since it was read".into());
    }
    let cannot = |e: std::io::Error| format!("cannot write: {e}");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(real)
        .map_err(cannot)?;
    // Reading dropped a UTF-8 byte order mark: it is written back.
    let bom: &[u8] = match starts_with_bom(&file).map_err(cannot)? {
        true => &BOM,
        false => &[],
    };
    file.set_len(0).map_err(cannot)?;
    file.seek(SeekFrom::Start(0)).map_err(cannot)?;
    file.write_all(&[bom, new.as_bytes()].concat())
        .map_err(cannot)
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// True if `file` starts with a UTF-8 byte order mark (which reading drops).
fn starts_with_bom(file: &std::fs::File) -> std::io::Result<bool> {
    let mut head = Vec::new();
    file.take(3).read_to_end(&mut head)?;
    Ok(head == BOM)
}

/// The byte order mark the file at `path` (inside a scan root) starts
/// with, or nothing: what a diff of it shows first.
pub fn bom_of(gate: &Gate, path: &Path) -> &'static str {
    let file = gate
        .confine(path)
        .and_then(|p| std::fs::File::open(p).map_err(|e| e.to_string()));
    match file.is_ok_and(|f| starts_with_bom(&f).unwrap_or(false)) {
        true => "\u{feff}",
        false => "",
    }
}
