//! Policy files: YAML spec, CEL compilation, message templates, paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use tenken::policy;
use tenken::source::{FileId, SourceFile};

fuzz_target!(|text: &str| {
    let file = Arc::new(SourceFile::new(
        "p.yaml".into(),
        "p.yaml".into(),
        text.to_string(),
    ));
    if let Ok(p) = policy::load(&file, FileId(0), false, policy::Cases::Read) {
        let _ = p.compiled();
    }
});
