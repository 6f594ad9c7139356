//! User policies are untrusted code: on the real binary, a policy that runs
//! out of its evaluation budget, or is nested too deeply, is a clear error at
//! the policy (file, line, column, exit code 2), and a valid module beside it
//! still gets its built-in finding.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A module with one SSH-open security group: TKN-NET-001 at line 6, column 5.
const GOOD_TF: &str = r#"resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

/// Address space the binary may use (its worker stacks are reserved, not used).
const MEMORY_LIMIT_KB: u64 = 2 * 1024 * 1024;
/// Only there to end a hung run (the test then fails), not a timing assertion.
const HANG_SECONDS: u64 = 600;

/// A policy on S3 buckets asserting `assert` (a block scalar at line 9, column 3).
fn policy(id: &str, assert: &str) -> String {
    format!(
        "id: {id}\ntitle: A user policy\nseverity: low\nchecklist: x\nrationale: x\n\
         remediation: x\nresource_types: [aws_s3_bucket]\nassert: |\n  {assert}\n"
    )
}

/// A scratch folder with `good/main.tf` and a module of 200 buckets.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good/main.tf", GOOD_TF);
    let buckets: String = (0..200)
        .map(|i| format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"b{i}\"\n}}\n"))
        .collect();
    write(dir.path(), "buckets/main.tf", &buckets);
    dir
}

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs `tenken check --format json <args>` in `dir`: exit code and report.
fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KB} && exec timeout {HANG_SECONDS} \"$0\" check --format json \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed: {stderr}"));
    assert_ne!(code, 124, "hung");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: exit {code}, stderr {stderr}"));
    (code, json)
}

/// `(file, line, column, message)` of every error.
fn errors(json: &Value) -> Vec<(String, u64, u64, String)> {
    json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(rule, file, line)` of every finding.
fn findings(json: &Value) -> Vec<(String, String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn assert_good_linted(json: &Value) {
    let good = ("TKN-NET-001".to_string(), "good/main.tf".to_string(), 6);
    assert!(findings(json).contains(&good), "{json:#}");
}

/// 200³ = 8 million steps per bucket: hours without a budget.
const CUBIC: &str = "resources.all(a, resources.all(b, resources.all(c, a != c || b == b)))";

#[test]
fn a_policy_over_budget_is_an_error_at_the_policy_and_the_run_goes_on() {
    let dir = workspace();
    write(dir.path(), "mine/cubic.yaml", &policy("USR-CUBIC", CUBIC));
    // A cheap user policy beside it keeps running on every bucket.
    write(
        dir.path(),
        "mine/named.yaml",
        &policy("USR-NAMED", "resource.bucket == 'b7'"),
    );
    let (code, json) = check(dir.path(), &["--policies", "mine", "."]);
    assert_eq!(code, 2, "{json:#}");
    let errors = errors(&json);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let (file, line, column, message) = &errors[0];
    assert_eq!((file.as_str(), *line, *column), ("mine/cubic.yaml", 9, 3));
    assert!(
        message.contains("policy USR-CUBIC ran out of its budget of 4000000 evaluation steps on aws_s3_bucket.b0"),
        "{message}"
    );
    assert!(
        message.contains("skipped for the other resources"),
        "{message}"
    );
    let named = findings(&json)
        .into_iter()
        .filter(|f| f.0 == "USR-NAMED")
        .count();
    assert_eq!(named, 199, "{json:#}");
    assert_good_linted(&json);
}

#[test]
fn policies_named_in_the_config_get_the_same_budget() {
    let dir = workspace();
    write(dir.path(), ".tenken.yaml", "policies: [team-policies]\n");
    // Strings that double at every step (2 × 2⁴⁰ bytes without a budget).
    let doubling = format!("size(['ab']{}[0]) > 0", ".map(x, x + x)".repeat(20));
    write(
        dir.path(),
        "team-policies/grow.yaml",
        &policy("USR-GROW", &doubling),
    );
    let (code, json) = check(dir.path(), &["."]);
    assert_eq!(code, 2, "{json:#}");
    let errors = errors(&json);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let (file, line, column, message) = &errors[0];
    // The config names the folder relative to itself: the path is absolute.
    assert!(file.ends_with("/team-policies/grow.yaml"), "{file}");
    assert_eq!((*line, *column), (9, 3));
    assert!(
        message.contains("USR-GROW ran out of its budget"),
        "{message}"
    );
    assert_good_linted(&json);
}

#[test]
fn deep_or_long_policies_are_refused_at_load() {
    for (assert, message) in [
        (
            format!("{}true{}", "[0].exists(x, ".repeat(30), ")".repeat(30)),
            "nested too deeply",
        ),
        (format!("1{} == 0", " + 1".repeat(3_000)), "too long"),
        (
            format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000)),
            "too long",
        ),
        (
            format!("1{} == 0", " + 1".repeat(1_000)),
            "nested too deeply",
        ),
    ] {
        let dir = workspace();
        write(dir.path(), "mine/deep.yaml", &policy("USR-DEEP", &assert));
        let (code, json) = check(dir.path(), &["--policies", "mine", "."]);
        assert_eq!(code, 2, "{json:#}");
        let errors = errors(&json);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let (file, line, column, m) = &errors[0];
        assert_eq!(
            (file.as_str(), *line, *column),
            ("mine/deep.yaml", 9, 3),
            "{m}"
        );
        assert!(m.contains(message), "{m}");
        assert_good_linted(&json);
    }
}
