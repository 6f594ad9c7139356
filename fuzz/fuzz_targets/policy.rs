//! Policy files: YAML spec, CEL compilation, message templates, paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenken::policy;
use tenken::source::{FileId, SourceFile};

fuzz_target!(|text: &str| {
    static ENV: OnceLock<cel::Env> = OnceLock::new();
    let env = ENV.get_or_init(policy::cel_env);
    let file = SourceFile::new("p.yaml".into(), "p.yaml".into(), text.to_string());
    let _ = policy::compile(&file, FileId(0), env, false);
});
