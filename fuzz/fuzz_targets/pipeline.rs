//! The whole pipeline (parse, normalize, evaluate every built-in policy,
//! sort) on one in-memory file; the first byte picks Terraform, YAML or JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenken::engine::Settings;
use tenken::pipeline::{self, Job};
use tenken::policy::Policy;
use tenken::source::{SourceFile, SourceMap};

/// The built-in policies, and the source map holding their files (problems
/// of a policy point into it, as in a real run).
fn loaded() -> &'static (SourceMap, Vec<Policy>) {
    static LOADED: OnceLock<(SourceMap, Vec<Policy>)> = OnceLock::new();
    LOADED.get_or_init(|| {
        let mut sources = SourceMap::default();
        let mut errors = Vec::new();
        let policies = pipeline::load_policies(
            &[],
            &Default::default(),
            tenken::policy::Cases::Skipped,
            &mut sources,
            &mut errors,
        );
        assert!(errors.is_empty(), "built-in policies must load");
        (sources, policies)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = ["main.tf", "t.yaml", "t.json"][kind as usize % 3];
    let (policy_sources, policies) = loaded();
    let mut sources = policy_sources.clone();
    let id = sources.add(SourceFile::new(name.into(), name.into(), text.to_string()));
    let job = if name.ends_with(".tf") {
        Job::Module(vec![id])
    } else {
        Job::Template(id)
    };
    let policies: Vec<&Policy> = policies.iter().collect();
    let settings = Settings {
        strict: true,
        record_checks: true,
        all_values: true,
        fixes: true,
    };
    let linted = pipeline::lint(&sources, &[job], &policies, settings);
    let (mut findings, mut errors) = (linted.findings, linted.problems);
    pipeline::sort_findings(&sources, &mut findings);
    pipeline::sort_problems(&sources, &mut errors);
});
