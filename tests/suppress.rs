//! Suppressions and baselines on the real binary: every comment form and
//! CloudFormation `Metadata`, scopes, expiry, the warnings a suppression
//! can earn, `--show-suppressed`, and `baseline create` / `check --baseline`.

mod common;

use common::{root, stderr, stdout, tenken};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/ci")
}

fn json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let out = tenken(dir, &all);
    let doc = serde_json::from_str(&stdout(&out)).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    (out.status.code(), doc)
}

/// `resource:line` of each entry of a report list.
fn at(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["resource"].as_str().unwrap(), f["line"]))
        .collect()
}

fn warnings(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}:{}:{} {}",
                w["file"].as_str().unwrap(),
                w["line"],
                w["column"],
                w["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn terraform_comments_above_at_end_of_line_and_of_peer_tools() {
    let (code, doc) = json(&fixtures(), &["tf"]);
    assert_eq!(code, Some(1));
    // `open` has none; `rdp`'s expired; `noreason`'s lacks a reason.
    assert_eq!(
        at(&doc["findings"]),
        [
            "aws_security_group.open:11",
            "aws_security_group.rdp:30",
            "aws_security_group.noreason:50"
        ]
    );
    assert_eq!(
        at(&doc["suppressed"]),
        [
            "aws_security_group.bastion:21",
            "aws_security_group.legacy:40"
        ]
    );
    let legacy = &doc["suppressed"][1]["suppression"];
    assert_eq!(legacy["tool"], "checkov");
    assert_eq!(legacy["reason"], "migrated from checkov");
    assert_eq!(
        warnings(&doc),
        [
            "tf/main.tf:30:33 suppression of TKN-NET-001 expired on 2020-01-01",
            "tf/main.tf:44:1 suppression of TKN-NET-001 has no reason; it is not applied",
            "tf/main.tf:54:1 suppression of TKN-NET-001 matches no finding",
            "tf/main.tf:64:1 suppression names an unknown rule TKN-XYZ-999",
        ]
    );
}

#[test]
fn a_comment_on_a_block_covers_that_block_only() {
    let (_, doc) = json(&fixtures(), &["scopes"]);
    // The first ingress block (SSH) is suppressed, the second (RDP) is not.
    assert_eq!(at(&doc["findings"]), ["aws_security_group.two_rules:13"]);
    assert_eq!(
        at(&doc["suppressed"]),
        [
            "aws_security_group.two_rules:7",
            "aws_security_group.trivy:23",
            "aws_security_group.future:32"
        ]
    );
    let tools: Vec<&str> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["suppression"]["tool"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["tenken", "trivy", "tenken"]);
    assert!(warnings(&doc).is_empty());
}

#[test]
fn cloudformation_metadata_and_yaml_comments() {
    let (code, doc) = json(&fixtures(), &["cfn"]);
    assert_eq!(code, Some(1));
    assert_eq!(at(&doc["findings"]), ["Old:17", "Open:11"]);
    assert_eq!(at(&doc["suppressed"]), ["Bastion:26", "Jump:36"]);
    assert_eq!(doc["suppressed"][0]["suppression"]["line"], 17);
    assert_eq!(doc["suppressed"][1]["suppression"]["line"], 27);
    assert_eq!(
        warnings(&doc),
        ["cfn/expired.yaml:8:13 suppression of TKN-NET-001 expired on 2020-06-30"]
    );
}

#[test]
fn show_suppressed_lists_them_with_the_reason() {
    let out = tenken(&fixtures(), &["check", "cfn/template.yaml"]);
    let plain = stdout(&out);
    assert!(!plain.contains("(Bastion)"), "{plain}");
    assert!(plain.contains("1 file, 3 resources: 1 finding (1 high), 2 suppressed, 0 errors in "));
    let out = tenken(
        &fixtures(),
        &["check", "cfn/template.yaml", "--show-suppressed"],
    );
    let shown = stdout(&out);
    assert!(shown.contains("(Bastion)"), "{shown}");
    assert!(
        shown.contains("suppressed at cfn/template.yaml:17:13 (tenken): bastion behind the VPN"),
        "{shown}"
    );
    let quiet = stdout(&tenken(&fixtures(), &["check", "tf", "--quiet"]));
    assert!(
        !quiet.contains("warning") && !quiet.contains("resources:"),
        "{quiet}"
    );
    assert!(quiet.contains("aws_security_group.open"));
}

#[test]
fn baseline_reports_only_new_findings_even_after_lines_shift() {
    let dir = tempfile::tempdir().unwrap();
    let tf = std::fs::read_to_string(fixtures().join("tf/main.tf")).unwrap();
    std::fs::write(dir.path().join("main.tf"), &tf).unwrap();
    let out = tenken(dir.path(), &["baseline", "create", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote 3 findings to .tenken-baseline.json"));
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".tenken-baseline.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(baseline["version"], 1);
    assert_eq!(baseline["findings"].as_array().unwrap().len(), 3);

    // Unrelated lines above shift every finding; one new finding is added.
    let new = "resource \"aws_security_group\" \"new\" {\n  ingress {\n    from_port   = 3389\n    to_port     = 3389\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
    std::fs::write(
        dir.path().join("main.tf"),
        format!("locals {{\n  a = 1\n}}\n\n{tf}\n{new}"),
    )
    .unwrap();
    let (code, doc) = json(dir.path(), &[".", "--baseline", ".tenken-baseline.json"]);
    assert_eq!(code, Some(1));
    assert_eq!(at(&doc["findings"]), ["aws_security_group.new:77"]);
    assert_eq!(doc["summary"]["baselined"], 3);
    let human = stdout(&tenken(
        dir.path(),
        &["check", ".", "--baseline", ".tenken-baseline.json"],
    ));
    assert!(
        human.contains(": 1 finding (1 high), 2 suppressed, 3 baselined, 4 warnings, 0 errors"),
        "{human}"
    );

    // Fixing the new one leaves only baselined findings: exit 0.
    std::fs::write(
        dir.path().join("main.tf"),
        format!("locals {{\n  a = 1\n}}\n\n{tf}"),
    )
    .unwrap();
    let (code, doc) = json(dir.path(), &[".", "--baseline", ".tenken-baseline.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(doc["summary"]["findings"], 0);

    let out = tenken(dir.path(), &["check", ".", "--baseline", "nope.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.json: cannot read baseline"));
}

/// A security group opening SSH to the world as `name`, the rule's CIDR
/// taken from `cidr`, with `above` written just before it.
fn open_ssh(name: &str, cidr: &str, above: &str) -> String {
    format!(
        "{above}resource \"aws_security_group\" \"{name}\" {{\n  ingress {{\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [{cidr}]\n  }}\n}}\n"
    )
}

#[test]
fn a_suppression_covers_its_own_folder_and_counts_as_used_by_any_root_calling_it() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let ignore = "# tenken:ignore TKN-NET-001 bastion, reviewed\n";
    // Two roots with a resource of the same address: the suppression in
    // `a` is not one in `b`.
    write("a/main.tf", &open_ssh("web", "\"0.0.0.0/0\"", ignore));
    write("b/main.tf", &open_ssh("web", "\"0.0.0.0/0\"", ""));
    // A module suppressing its rule, called open by one root and closed by
    // another: the suppression is used.
    write("modules/sg/main.tf", &open_ssh("sg", "var.cidr", ignore));
    write("modules/sg/variables.tf", "variable \"cidr\" {}\n");
    for (root, cidr) in [("c", "0.0.0.0/0"), ("d", "10.0.0.0/8")] {
        write(
            &format!("{root}/main.tf"),
            &format!("module \"sg\" {{\n  source = \"../modules/sg\"\n  cidr   = \"{cidr}\"\n}}\n"),
        );
    }
    let (code, doc) = json(dir.path(), &["--only", "TKN-NET-001", "."]);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(at(&doc["findings"]), ["aws_security_group.web:6"]);
    assert_eq!(doc["findings"][0]["file"], "b/main.tf");
    assert_eq!(
        at(&doc["suppressed"]),
        [
            "aws_security_group.web:7",
            "module.sg.aws_security_group.sg:7"
        ]
    );
    assert_eq!(warnings(&doc), Vec::<String>::new());
}
