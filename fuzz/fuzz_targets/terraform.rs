//! HCL: parse one `.tf` file, then normalize it as a module (expression evaluator included).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenken::source::{FileId, SourceFile};
use tenken::terraform::{self, ParsedFile};

fuzz_target!(|text: &str| {
    let source = SourceFile::new("main.tf".into(), "main.tf".into(), text.to_string());
    if let Ok(body) = terraform::parse_file(&source, FileId(0)) {
        let parsed = [ParsedFile {
            id: FileId(0),
            source: &source,
            body,
        }];
        let _ = terraform::normalize_module(&parsed);
    }
});
