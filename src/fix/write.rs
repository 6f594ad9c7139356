//! Writing a fixed file through the gate.

use crate::gate::{Gate, Trust};
use std::io::Write;
use std::path::{Component, Path};

/// Writes `new` over the file at `path`, which was read as `old`: only a
/// regular file inside a scan root, not a link nor under a linked folder,
/// not under `.terraform/` (downloaded modules), and only while it still
/// holds `old`.
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
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(real)
        .map_err(|e| format!("cannot write: {e}"))?;
    file.write_all(new.as_bytes())
        .map_err(|e| format!("cannot write: {e}"))
}
