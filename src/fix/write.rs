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
    let mut head = Vec::new();
    (&file).take(3).read_to_end(&mut head).map_err(cannot)?;
    let bom: &[u8] = match head == BOM {
        true => &BOM,
        false => &[],
    };
    file.set_len(0).map_err(cannot)?;
    file.seek(SeekFrom::Start(0)).map_err(cannot)?;
    file.write_all(&[bom, new.as_bytes()].concat())
        .map_err(cannot)
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
