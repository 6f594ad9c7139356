//! CloudFormation YAML (and JSON-looking) documents: parse, then normalize.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenken::cfn;
use tenken::source::{FileId, SourceFile};

fuzz_target!(|text: &str| {
    let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.to_string());
    if let Ok(doc) = cfn::parse_document(&file, FileId(0)) {
        if cfn::looks_like_template(&doc) {
            let _ = cfn::normalize_template(&doc);
        }
    }
});
