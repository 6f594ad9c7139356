//! HCL: parse one `.tf` file, then normalize it as a module (expression evaluator included).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::Arc;
use tenken::source::{FileId, SourceFile};
use tenken::terraform;

fuzz_target!(|text: &str| {
    let source = SourceFile::new("main.tf".into(), "main.tf".into(), text.to_string());
    if let Ok(parsed) = terraform::parse(Arc::new(source), FileId(0)) {
        let _ = terraform::Project::single(vec![parsed]).normalize(Path::new(""));
    }
});
