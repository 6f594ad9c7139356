//! `.tenken.yaml` on the real binary: found by walking up, rules, packs,
//! severities, per-path settings, `fail_on`, errors with line and column,
//! command-line flags on top, and the published JSON Schema.

mod common;

use common::{root, schema_errors, stderr, stdout, tenken};
use std::path::Path;

/// A repository with the CI fixture's Terraform under `infra/` and a config.
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra");
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    let tf = std::fs::read_to_string(root().join("tests/fixtures/ci/tf/main.tf")).unwrap();
    std::fs::write(infra.join("main.tf"), tf).unwrap();
    std::fs::write(dir.path().join(".tenken.yaml"), config).unwrap();
    dir
}

/// `(rule, resource, severity)` of every finding of a JSON report.
fn findings(out: &std::process::Output) -> Vec<(String, String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(out)).unwrap_or_else(|_| panic!("{}", stderr(out)));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("rule_id"), s("resource"), s("severity"))
        })
        .collect()
}

fn check(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", ".", "--format", "json"];
    args.extend(extra);
    tenken(dir, &args)
}

#[test]
fn found_by_walking_up_from_the_working_directory() {
    let p = project("rules:\n  disable: [TKN-NET-*]\n");
    let out = check(&p.path().join("infra"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(findings(&out).is_empty());
    // Not beyond the repository: outside a git checkout, the folder given is the root.
    std::fs::remove_dir(p.path().join(".git")).unwrap();
    let out = check(&p.path().join("infra"), &[]);
    assert_eq!(findings(&out).len(), 3);
    // Without the file the same run finds them.
    std::fs::remove_file(p.path().join(".tenken.yaml")).unwrap();
    let out = check(&p.path().join("infra"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out).len(), 3);
}

#[test]
fn severity_override_and_fail_on_with_the_flag_on_top() {
    let p = project("severity:\n  TKN-NET-001: low\nfail_on: medium\n");
    let out = check(p.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let f = findings(&out);
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|(_, _, s)| s == "low"));
    let out = check(p.path(), &["--fail-on", "low"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn per_path_settings_apply_only_to_matching_files() {
    let p = project(
        "paths:\n  - files: [\"legacy/**\"]\n    disable: [TKN-NET-001]\n  - files: [\"infra/*.tf\"]\n    severity: {TKN-NET-001: critical}\n",
    );
    let legacy = p.path().join("legacy");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::copy(p.path().join("infra/main.tf"), legacy.join("main.tf")).unwrap();
    let out = check(p.path(), &[]);
    let f = findings(&out);
    assert_eq!(
        f,
        [
            ("TKN-NET-001", "aws_security_group.open", "critical"),
            ("TKN-NET-001", "aws_security_group.rdp", "critical"),
            ("TKN-NET-001", "aws_security_group.noreason", "critical"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
}

#[test]
fn packs_and_policy_folders() {
    let p = project("packs:\n  disable: [default]\npolicies: [my-policies]\n");
    let mine = p.path().join("my-policies");
    std::fs::create_dir_all(&mine).unwrap();
    let policy = std::fs::read_to_string(root().join("policies/network/TKN-NET-001.yaml"))
        .unwrap()
        .replace("id: TKN-NET-001", "id: ACME-001")
        .replace("severity: high", "severity: medium")
        .replacen("peers:", "pack: acme\npeers:", 1);
    std::fs::write(mine.join("ACME-001.yaml"), policy).unwrap();
    // The default pack is off and `acme` is not enabled: nothing runs.
    let out = check(p.path(), &[]);
    assert!(findings(&out).is_empty(), "{}", stderr(&out));
    // Enabling the pack on the command line adds to the configuration.
    let out = check(p.path(), &["--pack", "acme"]);
    let f = findings(&out);
    // The `tenken:ignore TKN-NET-001` on `bastion` does not cover ACME-001.
    assert_eq!(f.len(), 4);
    assert!(f.iter().all(|(r, _, s)| r == "ACME-001" && s == "medium"));
    assert!(f.iter().any(|(_, r, _)| r == "aws_security_group.bastion"));
}

#[test]
fn unknown_keys_and_wrong_types_are_errors_with_line_and_column() {
    let p = project("rules:\n  disable: [TKN-NET-001]\nfail_on: high\nseverty:\n  X: low\n");
    let out = check(p.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown field `severty`"), "{err}");
    assert!(err.contains(".tenken.yaml:4:1]"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"].as_array().unwrap().len(), 1);

    let p = project("exclude: [a]\nfail_on: severe\n");
    let err = stderr(&check(p.path(), &[]));
    assert!(err.contains("unknown variant `severe`"), "{err}");
    assert!(err.contains(".tenken.yaml:2:10]"), "{err}");

    let p = project("paths:\n  - files: \"*.tf\"\n    disable: 3\n");
    let out = check(p.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".tenken.yaml:2:"), "{}", stderr(&out));
}

#[test]
fn an_explicit_config_file_wins() {
    let p = project("rules:\n  disable: [TKN-NET-001]\n");
    let other = p.path().join("strict.yaml");
    std::fs::write(&other, "severity: {TKN-NET-001: critical}\n").unwrap();
    let out = check(p.path(), &["--config", other.to_str().unwrap()]);
    let f = findings(&out);
    assert_eq!(f.len(), 3);
    assert_eq!(f[0].2, "critical");
    let out = check(p.path(), &["--config", "missing.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.yaml"));
}

#[test]
fn the_published_schema_accepts_the_documented_example_and_rejects_typos() {
    let schema = root().join("docs/schemas/config.schema.json");
    let example = r#"{"rules": {"enable": ["TKN-IAM-*"], "disable": ["TKN-NET-002"]},
        "packs": {"enable": ["account-baseline"]},
        "severity": {"TKN-NET-001": "critical"},
        "exclude": ["**/.terragrunt-cache/**"], "policies": ["policies"],
        "fail_on": "high", "min_severity": "low",
        "paths": [{"files": ["legacy/**"], "disable": ["TKN-NET-001"], "severity": {"TKN-S3-001": "low"}}]}"#;
    assert_eq!(schema_errors(&schema, example), Vec::<String>::new());
    let errors = schema_errors(&schema, r#"{"fail_on": "severe", "severty": {}}"#);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}
