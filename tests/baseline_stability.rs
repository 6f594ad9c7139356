//! Baselines written by an earlier version keep matching: the fixtures in
//! `tests/fixtures/baseline/` were made by `tenken baseline create` before
//! later changes to the command line and the reports, and must still hold
//! every finding of the same files, with the same fingerprints.

mod common;

use common::{root, stderr, stdout};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The policies whose findings on the examples the baseline holds.
const POLICIES: [&str; 7] = [
    "TKN-NET-001",
    "TKN-NET-002",
    "TKN-DATA-001",
    "TKN-DATA-002",
    "TKN-LOG-001",
    "TKN-LOG-002",
    "TKN-IAM-001",
];

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenken"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    for id in POLICIES {
        cmd.args(["--only", id]);
    }
    cmd.output().expect("tenken runs")
}

/// The fixture's fingerprints, sorted.
fn fixture(name: &str) -> (String, Vec<String>) {
    let path = root().join("tests/fixtures/baseline").join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut prints: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap().to_string())
        .collect();
    prints.sort();
    (text, prints)
}

/// Checks that the fixture holds exactly the findings of `paths` in `dir`.
fn still_matches(dir: &Path, name: &str, paths: &[&str]) {
    let baseline = root().join("tests/fixtures/baseline").join(name);
    let (text, expected) = fixture(name);
    assert!(!expected.is_empty());

    // Every finding is baselined, none is new.
    let mut args = vec!["check", "--format", "json", "--baseline"];
    args.push(baseline.to_str().unwrap());
    args.extend(paths);
    let out = run(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["findings"], Value::Array(Vec::new()));
    assert_eq!(doc["summary"]["baselined"], expected.len());

    // The report's fingerprints are the baseline's, and a baseline made
    // today is the same file.
    let out = run(dir, &[&["check", "--format", "json"], paths].concat());
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut now: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    now.sort();
    assert_eq!(now, expected);
    let made = tempfile::tempdir().unwrap();
    let file = made.path().join("baseline.json");
    let out = run(
        dir,
        &[
            &["baseline", "create", "--output", file.to_str().unwrap()],
            paths,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(file).unwrap(), text);
}

#[test]
fn a_baseline_of_the_examples_still_matches() {
    still_matches(&root(), "examples.json", &["examples"]);
}

#[test]
fn a_baseline_with_suppressions_and_variables_still_matches() {
    still_matches(&root().join("tests/fixtures/ci"), "ci.json", &["tf", "cfn"]);
}
