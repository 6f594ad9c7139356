//! JSON documents: parse, then normalize when it is a template.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenken::cfn;
use tenken::source::FileId;

fuzz_target!(|text: &str| {
    if let Ok(doc) = tenken::json::parse(text, FileId(0)) {
        if cfn::looks_like_template(&doc) {
            let _ = cfn::normalize_template(&doc);
        }
    }
});
