//! The `tenken` binary end to end: exact findings, spans, output formats,
//! exit codes and bad input.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn tenken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run tenken")
}

fn json(args: &[&str]) -> (i32, Value) {
    let out = tenken(args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), doc)
}

/// (rule, file, resource, line, column, end_line, end_column) of every finding.
fn findings(doc: &Value) -> Vec<(String, String, String, u64, u64, u64, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_line"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(
    r: &str,
    f: &str,
    res: &str,
    l: u64,
    c: u64,
    el: u64,
    ec: u64,
) -> (String, String, String, u64, u64, u64, u64) {
    (r.into(), f.into(), res.into(), l, c, el, ec)
}

/// The first policies, whose exact findings on the examples are pinned here.
const FOUNDATION: [&str; 7] = [
    "TKN-NET-001",
    "TKN-NET-002",
    "TKN-DATA-001",
    "TKN-DATA-002",
    "TKN-LOG-001",
    "TKN-LOG-002",
    "TKN-IAM-001",
];

#[test]
fn vulnerable_examples_give_exact_findings_and_spans() {
    let mut args = vec!["check", "--format", "json", "examples"];
    args.extend(FOUNDATION.iter().flat_map(|id| ["--only", id]));
    let (code, doc) = json(&args);
    assert_eq!(code, 1);
    let cfn = "examples/cloudformation/vulnerable.yaml";
    let tf = "examples/terraform/vulnerable/main.tf";
    assert_eq!(
        findings(&doc),
        vec![
            row("TKN-NET-002", cfn, "Vpc", 10, 3, 10, 6),
            row("TKN-NET-001", cfn, "WebSecurityGroup", 28, 11, 28, 33),
            row("TKN-DATA-002", cfn, "DataVolume", 35, 7, 35, 23),
            row("TKN-DATA-001", cfn, "LogBucket", 37, 3, 37, 12),
            row("TKN-LOG-001", cfn, "Trail", 40, 3, 40, 8),
            row("TKN-LOG-002", cfn, "Trail", 45, 7, 45, 32),
            row("TKN-IAM-001", cfn, "AppRole", 62, 17, 62, 28),
            row("TKN-NET-002", tf, "aws_vpc.main", 1, 1, 1, 26),
            row(
                "TKN-NET-001",
                tf,
                "aws_security_group.bastion",
                14,
                5,
                14,
                34
            ),
            row("TKN-NET-001", tf, "aws_security_group.db", 29, 3, 29, 36),
            row("TKN-DATA-001", tf, "aws_s3_bucket.logs", 32, 1, 32, 32),
            row("TKN-DATA-002", tf, "aws_ebs_volume.data", 36, 1, 36, 33),
            row("TKN-LOG-001", tf, "aws_cloudtrail.main", 45, 3, 45, 37),
            row("TKN-IAM-001", tf, "aws_iam_policy.admin", 54, 7, 54, 21),
        ]
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["files"], 6);
    assert_eq!(doc["summary"]["findings"], 14);
    assert_eq!(doc["summary"]["by_severity"]["critical"], 2);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
    let first = &doc["findings"][1];
    assert_eq!(first["resource_type"], "AWS::EC2::SecurityGroup");
    assert_eq!(first["severity"], "high");
    assert_eq!(first["message"], "port 22-22 is open to the internet");
    // The parameter default that supplied 0.0.0.0/0 is a related location.
    assert_eq!(first["related"][0]["line"], 7);
    assert_eq!(
        first["related"][0]["message"],
        "default of parameter AdminCidr"
    );
}

#[test]
fn fixed_examples_are_clean() {
    for dir in [
        "examples/cloudformation/fixed.json",
        "examples/terraform/fixed",
    ] {
        let (code, doc) = json(&["check", "--format", "json", dir]);
        assert_eq!(findings(&doc), vec![], "{dir}");
        assert_eq!(code, 0, "{dir}");
    }
}

#[test]
fn human_output_points_at_the_offending_value() {
    let mut args = vec!["check", "examples/terraform/vulnerable"];
    args.extend(FOUNDATION.iter().flat_map(|id| ["--only", id]));
    let out = tenken(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[examples/terraform/vulnerable/main.tf:14:5]"),
        "{text}"
    );
    assert!(text.contains("    cidr_blocks = var.admin_cidrs"), "{text}");
    assert!(
        text.contains("port 22-22 is open to the internet"),
        "{text}"
    );
    assert!(text.contains("TKN-NET-001"), "{text}");
    assert!(text.contains(
        "help: value set here (var.admin_cidrs): examples/terraform/vulnerable/variables.tf:4:17"
    ));
    assert!(
        text.contains("Restrict the source to a known address range"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with(
            "2 files, 7 resources: 7 findings (1 critical, 3 high, 3 medium), 0 errors in "
        ),
        "{summary}"
    );
}

#[test]
fn human_output_counts_columns_in_characters_like_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(
        &path,
        "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      \
         SecurityGroupIngress: [{Description: \"ééé日本\", IpProtocol: tcp, \
         FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}]\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let (_, doc) = json(&["check", "--only", "TKN-NET-001", "--format", "json", path]);
    let column = doc["findings"][0]["column"].as_u64().unwrap();
    assert_eq!((doc["findings"][0]["line"].as_u64(), column), (Some(5), 96));
    let out = tenken(&["check", "--only", "TKN-NET-001", path]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("t.yaml:5:{column}]")), "{text}");
}

#[test]
fn fail_on_sets_the_threshold() {
    let args = [
        "check",
        "--fail-on",
        "critical",
        "--skip",
        "TKN-IAM-*",
        "examples",
    ];
    assert_eq!(tenken(&args).status.code(), Some(0));
    assert_eq!(
        tenken(&["check", "--fail-on", "critical", "examples"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn only_and_min_severity_select_policies() {
    let (_, doc) = json(&[
        "check",
        "--format",
        "json",
        "--only",
        "TKN-LOG-00[12]",
        "examples",
    ]);
    let rules: Vec<String> = findings(&doc).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["TKN-LOG-001", "TKN-LOG-002", "TKN-LOG-001"]);
    let (_, doc) = json(&[
        "check",
        "--format",
        "json",
        "--min-severity",
        "critical",
        "examples",
    ]);
    let critical: Vec<String> = findings(&doc).into_iter().map(|f| f.0).collect();
    assert_eq!(critical, ["TKN-IAM-001", "TKN-IAM-001"]);
}

#[test]
fn broken_files_are_errors_with_positions_and_the_rest_is_still_linted() {
    let (code, doc) = json(&["check", "--format", "json", "tests/fixtures/bad"]);
    assert_eq!(code, 2);
    let errors: Vec<(String, u64, u64)> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("tests/fixtures/bad/broken.yaml".to_string(), 6, 1),
            ("tests/fixtures/bad/tf/broken.tf".to_string(), 3, 14),
        ]
    );
    // The valid module next to the broken ones is still linted.
    assert_eq!(
        findings(&doc),
        [row(
            "TKN-DATA-002",
            "tests/fixtures/bad/ok/volume.tf",
            "aws_ebs_volume.data",
            3,
            3,
            3,
            28
        )]
    );
}

#[test]
fn an_invalid_policy_is_an_error_pointing_into_the_policy_file() {
    let out = tenken(&[
        "check",
        "--policies",
        "tests/fixtures/bad-policy",
        "examples/terraform/fixed",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Human mode shows errors on standard error.
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(text.contains("invalid CEL in `assert`"), "{text}");
    assert!(
        text.contains("[tests/fixtures/bad-policy/broken-cel.yaml:10:"),
        "{text}"
    );
}

#[test]
fn a_missing_path_is_an_error() {
    let (code, doc) = json(&["check", "--format", "json", "no/such/dir"]);
    assert_eq!(code, 2);
    assert_eq!(doc["errors"][0]["file"], "no/such/dir");
}

#[test]
fn skips_hidden_and_excluded_folders() {
    let dir = tempfile::tempdir().unwrap();
    let vol = "resource \"aws_ebs_volume\" \"v\" {\n  encrypted = false\n}\n";
    for sub in [".hidden", "node_modules", "keep", "skipme"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("main.tf"), vol).unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let (_, doc) = json(&["check", "--format", "json", "--exclude", "**/skipme", root]);
    let files: Vec<String> = findings(&doc).into_iter().map(|f| f.1).collect();
    assert_eq!(files, [format!("{root}/keep/main.tf")]);
}

#[test]
fn policy_tests_of_the_builtin_pack_pass() {
    let out = tenken(&["test"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("ok   TKN-NET-001 (10/10 cases)"), "{text}");
    assert!(
        text.lines().last().unwrap().ends_with(" passed, 0 failed"),
        "{text}"
    );
}

#[test]
fn explain_and_rules_describe_policies() {
    let out = tenken(&["explain", "TKN-DATA-002"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("TKN-DATA-002 [high] EBS volume is not encrypted"),
        "{text}"
    );
    assert!(text.contains("encrypted  = true"), "{text}");
    let out = tenken(&["rules"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("TKN-IAM-001") && l.contains("critical")),
        "{text}"
    );
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policies/iam/TKN-IAM-001.yaml")
        .exists());
}
