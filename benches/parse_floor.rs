//! The parse floor: reads and parses the files `tenken check` would lint
//! (`.tf` with hcl-edit, `.yaml`/`.yml`/`.template` with saphyr-parser's event
//! stream, `.json` with jsonc-parser) and does nothing else, on rayon's
//! threads and with its allocator as a run does. `scripts/bench` times it
//! beside tenken.
//!
//! Run with `cargo bench --bench parse_floor -- PATH...`.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use tenken::json::STRICT;
use walkdir::WalkDir;

/// Parses one file; returns whether it parsed.
fn parse(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match path.extension().and_then(|e| e.to_str()) {
        Some("tf") => hcl_edit::parser::parse_body(&text).is_ok(),
        Some("json") => jsonc_parser::parse_to_ast(&text, &Default::default(), &STRICT).is_ok(),
        _ => saphyr_parser::Parser::new_from_str(&text).all(|event| event.is_ok()),
    }
}

/// tenken's allocator: with the system's, two threads parsing took about a
/// third more CPU than one, from the second part of the corpus on.
#[global_allocator]
static GLOBAL: tenken::allocator::MiMalloc = tenken::allocator::MiMalloc;

fn main() {
    tenken::allocator::configure();
    let roots: Vec<PathBuf> = std::env::args_os()
        .skip(1)
        .filter(|a| a != "--bench")
        .map(PathBuf::from)
        .collect();
    let files: Vec<PathBuf> = roots
        .iter()
        .flat_map(|root| WalkDir::new(root).sort_by_file_name())
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("tf" | "yaml" | "yml" | "json" | "template")
            )
        })
        .collect();
    let parsed = files.par_iter().filter(|p| parse(p)).count();
    println!("{} files, {parsed} parsed", files.len());
}
