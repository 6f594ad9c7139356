//! The built-in policy pack: its tests pass, its catalogue is documented, and
//! every policy carries what the catalogue promises.

use std::path::Path;
use std::process::{Command, Output};
use tenken::policy::Policy;
use tenken::source::SourceMap;

fn tenken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run tenken")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn builtin() -> Vec<Policy> {
    let mut sources = SourceMap::default();
    let mut errors = Vec::new();
    let policies = tenken::pipeline::load_policies(
        &[],
        &Default::default(),
        tenken::policy::Cases::Read,
        &mut sources,
        &mut errors,
    );
    assert!(errors.is_empty(), "built-in policies fail to load");
    // Built-in policies are compiled when first needed: they must all compile.
    for p in &policies {
        assert!(
            p.compiled().is_ok(),
            "{}: {:?}",
            p.spec.id,
            p.compiled().err()
        );
    }
    policies
}

#[test]
fn builtin_pack_tests_pass_with_a_count_per_policy() {
    let out = tenken(&["test"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let policies = builtin();
    let mut total = 0;
    for p in &policies {
        let n = p.spec.tests.len();
        total += n;
        let line = format!("ok   {} ({n}/{n} cases)", p.spec.id);
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
    assert!(
        text.ends_with(&format!("{total} passed, 0 failed\n")),
        "{text}"
    );
}

#[test]
fn policy_folder_tests_pass_the_same_way() {
    let out = tenken(&["test", "policies", "--only", "TKN-NET-*"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("ok   TKN-NET-003 (6/6 cases)\n"), "{text}");
    assert!(!text.contains("TKN-LOG-"), "{text}");
}

/// Runs `tenken test` on a copy of TKN-NET-010 saved as a user policy `id`, with `from` replaced by `to`.
fn test_altered_subnet_policy(id: &str, from: &str, to: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string("policies/network/TKN-NET-010.yaml")
        .unwrap()
        .replace("id: TKN-NET-010", &format!("id: {id}"))
        .replace(from, to);
    std::fs::write(dir.path().join(format!("{id}.yaml")), policy).unwrap();
    let out = tenken(&["test", dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    (out, text)
}

#[test]
fn failing_case_prints_a_diff_and_exits_1() {
    let (out, text) = test_altered_subnet_policy(
        "USER-001",
        "expect: [{resource: aws_subnet.app, line: 4}]",
        "expect: [{resource: aws_subnet.app, line: 3}]",
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL USER-001 (3/4 cases)\n"), "{text}");
    assert!(
        text.contains("  FAIL public IPs on launch in Terraform\n")
            && text.contains("    - expected aws_subnet.app at line 3, not reported\n")
            && text.contains(
                "    + reported aws_subnet.app at line 4, not expected: \
                 instances launched in this subnet get a public IP address\n"
            ),
        "{text}"
    );
    assert!(text.ends_with("3 passed, 1 failed\n"), "{text}");
}

#[test]
fn readme_table_is_generated_and_current() {
    let out = tenken(&["rules", "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let readme = std::fs::read_to_string("policies/README.md").unwrap();
    assert!(
        stdout(&out) == readme,
        "policies/README.md is stale: run `tenken rules --format markdown > policies/README.md`"
    );
    assert!(readme.contains(
        "| TKN-NET-003 | high | default | Security group allows a database or cache port from the internet |"
    ));
}

#[test]
fn rules_filters_and_json() {
    let out = tenken(&["rules", "--pack", "account-baseline", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "TKN-BASE-001",
            "TKN-BASE-002",
            "TKN-BASE-003",
            "TKN-BASE-004"
        ]
    );
    assert_eq!(rules[0]["pack"], "account-baseline");
    assert_eq!(
        rules[0]["formats"],
        serde_json::json!(["cloudformation", "terraform"])
    );

    let out = tenken(&[
        "rules",
        "--only",
        "TKN-LOG-00*",
        "--skip",
        "TKN-LOG-007",
        "--min-severity",
        "medium",
    ]);
    let text = stdout(&out);
    let ids: Vec<&str> = text.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert!(
        ids.contains(&"TKN-LOG-003") && ids.contains(&"TKN-LOG-005"),
        "{text}"
    );
    assert!(
        !ids.contains(&"TKN-LOG-004"),
        "low severity listed:\n{text}"
    );
    assert!(
        !ids.contains(&"TKN-LOG-007"),
        "skipped policy listed:\n{text}"
    );
}

#[test]
fn explain_prints_rationale_fixes_and_examples() {
    let out = tenken(&["explain", "tkn-net-014"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.starts_with("TKN-NET-014 [medium] Load balancer listener serves plain HTTP"));
    assert!(
        text.contains("Same check elsewhere: checkov: CKV_AWS_2, CKV2_AWS_20; trivy: AVD-AWS-0054")
    );
    assert!(text.contains(
        "Example (Terraform, fails on aws_lb_listener.http (line 4)): HTTP listener forwarding to a target group in Terraform\n    resource \"aws_lb_listener\" \"http\" {"
    ), "{text}");
    assert!(text.contains("Example (CloudFormation, passes): HTTP listener redirecting to HTTPS passes in CloudFormation"));
}

#[test]
fn account_baseline_runs_only_when_selected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_iam_role\" \"admin\" {\n  name = \"admin\"\n}\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let ids = |args: &[&str]| {
        let out = tenken(&[&["check", "--format", "json", path], args].concat());
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut ids: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert!(ids(&[]).iter().all(|id| !id.starts_with("TKN-BASE")));
    assert_eq!(
        ids(&["--pack", "account-baseline", "--only", "TKN-BASE-*"]),
        [
            "TKN-BASE-001",
            "TKN-BASE-002",
            "TKN-BASE-003",
            "TKN-BASE-004"
        ]
    );
}

/// Every policy documents itself fully and proves itself both ways in each format it tests
/// (a policy scoped to one format with `meta.format` only has to pass in the other).
#[test]
fn every_policy_is_documented_and_tested_both_ways() {
    for p in builtin() {
        let s = &p.spec;
        let id = &s.id;
        assert!(!s.checklist.trim().is_empty(), "{id}: checklist");
        assert!(!s.rationale.trim().is_empty(), "{id}: rationale");
        assert!(
            s.remediation_terraform.is_some() || s.remediation_cloudformation.is_some(),
            "{id}: snippets"
        );
        assert!(
            s.references
                .iter()
                .any(|r| r.starts_with("https://docs.aws.amazon.com/")),
            "{id}: AWS reference"
        );
        for tool in s.peers.keys() {
            assert!(
                ["checkov", "trivy", "kics"].contains(&tool.as_str()),
                "{id}: peer {tool}"
            );
        }
        for (format, cases) in [
            (
                "terraform",
                s.tests
                    .iter()
                    .filter(|t| t.terraform.is_some())
                    .collect::<Vec<_>>(),
            ),
            (
                "cloudformation",
                s.tests
                    .iter()
                    .filter(|t| t.cloudformation.is_some())
                    .collect(),
            ),
        ] {
            if cases.is_empty() {
                continue;
            }
            // A policy scoped to one format by design only passes in the other.
            let scoped = s.assert.value.contains("meta.format");
            assert!(
                scoped || cases.iter().any(|t| !t.expect.is_empty()),
                "{id}: no failing {format} case"
            );
            assert!(
                cases.iter().any(|t| t.expect.is_empty()),
                "{id}: no passing {format} case"
            );
            assert!(
                cases
                    .iter()
                    .flat_map(|t| &t.expect)
                    .all(|e| e.line.is_some()),
                "{id}: {format} expectations must name the line"
            );
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let file = walk(&dir)
            .into_iter()
            .find(|f| f.ends_with(format!("{id}.yaml")));
        assert!(file.is_some(), "{id}: file is not named after the id");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn policy_error_in_a_case_is_a_failure_not_a_crash() {
    let (out, text) = test_altered_subnet_policy(
        "USER-002",
        "assert: resource.?map_public_ip_on_launch.orValue(false) != true",
        "assert: resource.?map_public_ip_on_launch.orValue(false).noSuchFunction()",
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL USER-002 (0/4 cases)\n"), "{text}");
    assert!(
        text.contains("    error at 1:1: policy USER-002 failed on aws_subnet.app (aws_subnet): "),
        "{text}"
    );
    // A failure points at the resource that made the policy fail.
    assert!(
        text.contains("    error at 2:3: policy USER-002 failed on App (AWS::EC2::Subnet): "),
        "{text}"
    );
}
