//! The project configuration (`.tenken.yaml`): YAML, schema and globs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenken::config;
use tenken::source::{FileId, SourceFile};

fuzz_target!(|text: &str| {
    let file = SourceFile::new(
        ".tenken.yaml".into(),
        ".tenken.yaml".into(),
        text.to_string(),
    );
    let _ = config::parse(&file, FileId(0));
});
