//! Terraform's file functions and value semantics on the real binary:
//! policies and rules read from files of the module (findings point into
//! them), files outside the repository refused in every output format,
//! `terraform.workspace`, `nullable = false`, repeated object keys and
//! numbers out of range.

mod common;

use common::findings;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FIXTURES: &str = "tests/fixtures/terraform";

/// Runs `tenken check <args>` in `dir`: exit code, standard output.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .arg("check")
        .args(args)
        .env_remove("TF_WORKSPACE")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("tenken runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), stdout)
}

/// Runs `tenken check --format json <args>` over the fixtures.
fn check(args: &[&str], env: &[(&str, &str)]) -> (Value, i32) {
    let args: Vec<&str> = ["--format", "json"].iter().chain(args).copied().collect();
    let (code, out) = run(Path::new(env!("CARGO_MANIFEST_DIR")), &args, env);
    (serde_json::from_str(&out).expect("JSON output"), code)
}

/// `file:line:col message` of each entry of `errors` or `notes`.
fn problems(doc: &Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap();
            let message = e["message"].as_str().unwrap();
            format!("{file}:{}:{} {message}", e["line"], e["column"])
        })
        .collect()
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

#[test]
fn policies_read_from_files_point_into_them() {
    let (doc, code) = check(
        &[
            &fixture("files"),
            "--only",
            "TKN-IAM-001",
            "--only",
            "TKN-NET-001",
        ],
        &[],
    );
    let dir = "tests/fixtures/terraform/files";
    assert_eq!(
        findings(&doc),
        [
            format!("TKN-NET-001 aws_security_group.from_yaml {dir}/main.tf:40:7 <- {dir}/rules.yaml:6:7"),
            format!("TKN-IAM-001 aws_iam_policy.admin {dir}/policies/admin.json:6:7"),
            format!("TKN-IAM-001 aws_iam_policy.each[\"policies/admin.json\"] {dir}/policies/admin.json:6:7"),
        ]
    );
    assert!(problems(&doc, "errors").is_empty());
    assert!(problems(&doc, "notes").is_empty());
    assert_eq!(code, 1);
}

#[test]
fn a_template_renders_with_its_variables() {
    let args = [
        &fixture("files"),
        "--only",
        "TKN-IAM-001",
        "--var",
        "admin=true",
    ];
    let (doc, _) = check(&args, &[]);
    let rendered =
        "TKN-IAM-001 aws_iam_policy.rendered tests/fixtures/terraform/files/main.tf:21:12";
    assert!(findings(&doc).contains(&rendered.to_string()), "{doc:#}");
}

#[test]
fn values_of_file_functions_and_the_workspace() {
    let policies = fixture("files-policies");
    let args = [
        &fixture("files"),
        "--policies",
        &policies,
        "--only",
        "TEST-*",
    ];
    let message = |env: &[(&str, &str)]| {
        let (doc, _) = check(&args, env);
        doc["findings"][0]["message"].as_str().unwrap().to_string()
    };
    assert_eq!(
        message(&[]),
        "flags-default rules=true missing=false encoded=b2s= pairs=6"
    );
    assert!(message(&[("TF_WORKSPACE", "prod")]).starts_with("flags-prod "));
}

#[test]
fn the_selected_workspace_is_read_from_the_root_module() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join(".terraform")).unwrap();
    std::fs::write(root.join(".terraform/environment"), "staging\n").unwrap();
    std::fs::write(
        root.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" { bucket = \"b-${terraform.workspace}\" }\n",
    )
    .unwrap();
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture("files-policies"));
    let policies = policies.to_str().unwrap();
    let args = [
        ".",
        "--format",
        "json",
        "--policies",
        policies,
        "--only",
        "TEST-*",
    ];
    let message = |env: &[(&str, &str)]| {
        let (_, out) = run(root, &args, env);
        let doc: Value = serde_json::from_str(&out).unwrap();
        let message = doc["findings"][0]["message"].as_str().unwrap();
        message.split(' ').next().unwrap().to_string()
    };
    assert_eq!(message(&[]), "b-staging");
    assert_eq!(message(&[("TF_WORKSPACE", "prod")]), "b-prod");
}

#[test]
fn variables_files_of_the_current_folder_are_read_when_run_inside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("net");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("main.tf"),
        "variable \"cidr\" { type = string }\n\
         resource \"aws_security_group\" \"sg\" {\n\
           ingress {\n\
             from_port   = 22\n\
             to_port     = 22\n\
             protocol    = \"tcp\"\n\
             cidr_blocks = [var.cidr]\n\
           }\n\
         }\n",
    )
    .unwrap();
    std::fs::write(root.join("open.auto.tfvars"), "cidr = \"0.0.0.0/0\"\n").unwrap();
    // Naming the folder from above, and as pre-commit runs it: inside the
    // folder, naming `.` or a file.
    for (dir, path) in [(tmp.path(), "net"), (&*root, "."), (&*root, "main.tf")] {
        let args = ["--format", "json", "--only", "TKN-NET-001", path];
        let (code, out) = run(dir, &args, &[]);
        let doc: Value = serde_json::from_str(&out).expect("JSON output");
        assert_eq!(findings(&doc).len(), 1, "{path}: {doc:#}");
        assert_eq!(code, 1, "{path}");
    }
}

/// The fake secret of a file outside the repository: any occurrence in a
/// report is a leak.
const SECRET: &str = "Tk9-outside-SECRET";

#[test]
fn files_outside_the_repository_stay_unknown_and_never_appear() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = format!(
        "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", \"Sid\": \"{SECRET}\"}}]}}"
    );
    std::fs::write(tmp.path().join("outside"), &outside).unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("infra")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside"), repo.join("infra/link.txt")).unwrap();
    std::fs::write(
        repo.join("infra/main.tf"),
        r#"resource "aws_iam_policy" "parent" {
  policy = file("../../outside")
}

resource "aws_iam_policy" "passwd" {
  policy = file("/etc/passwd")
}

resource "aws_iam_policy" "link" {
  policy = jsondecode(file("link.txt"))
}

resource "aws_iam_policy" "rendered" {
  policy = templatefile("../../outside", {})
}

resource "aws_s3_bucket" "b" {
  bucket = filebase64("/etc/passwd")
  tags   = { listed = join(",", fileset("../..", "*")), exists = fileexists("../../outside") }
}

resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
    )
    .unwrap();
    let only = ["--only", "TKN-NET-001", "--only", "TKN-IAM-*"];
    let args = |format| [&["infra", "--format", format][..], &only].concat();
    let (code, out) = run(&repo, &args("json"), &[]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 aws_security_group.web infra/main.tf:27:5"]
    );
    assert_eq!(code, 1);
    let outside = "refused: it is outside the repository; the value is unknown";
    assert_eq!(
        problems(&doc, "notes"),
        [
            format!("infra/main.tf:2:12 file(\"../../outside\"): {outside}"),
            format!("infra/main.tf:6:12 file(\"/etc/passwd\"): {outside}"),
            format!("infra/main.tf:10:23 file(\"link.txt\"): {outside}"),
            format!("infra/main.tf:14:12 templatefile(\"../../outside\"): {outside}"),
            format!("infra/main.tf:18:12 filebase64(\"/etc/passwd\"): {outside}"),
            format!("infra/main.tf:19:33 fileset(\"../..\"): {outside}"),
            format!("infra/main.tf:19:66 fileexists(\"../../outside\"): {outside}"),
        ]
    );
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (_, out) = run(&repo, &args(format), &[]);
        assert!(out.contains("outside the repository"), "{format}: {out}");
        assert!(!out.contains(SECRET), "{format} shows the file outside");
        assert!(!out.contains("root:x:0"), "{format} shows /etc/passwd");
    }
}

#[test]
fn a_number_out_of_range_is_an_error_at_it_and_the_rest_is_linted() {
    let (doc, code) = check(&[&fixture("numbers"), "--only", "TKN-NET-001"], &[]);
    let file = "tests/fixtures/terraform/numbers/main.tf";
    assert_eq!(
        problems(&doc, "errors"),
        [format!(
            "{file}:6:19 number 1e400 is out of range (beyond a 64-bit float); the value is unknown"
        )]
    );
    assert_eq!(
        findings(&doc),
        [format!("TKN-NET-001 aws_security_group.open {file}:17:5")]
    );
    assert_eq!(code, 2);
}

#[test]
fn a_null_input_takes_the_default_of_a_variable_that_is_not_nullable() {
    let (doc, code) = check(&[&fixture("nullable"), "--only", "TKN-NET-001"], &[]);
    let dir = "tests/fixtures/terraform/nullable";
    assert_eq!(
        findings(&doc),
        [
            // `ssh_cidrs = null` in terraform.tfvars: the default.
            format!("TKN-NET-001 aws_security_group.ssh {dir}/main.tf:20:5 <- {dir}/main.tf:6:14"),
            // `cidrs = null` from the module call: the default.
            format!("TKN-NET-001 module.sg.aws_security_group.this {dir}/sg/main.tf:18:5 <- {dir}/sg/main.tf:3:14"),
            // `{ ssh = 2222, ssh = 22 }`: the last key wins.
            format!("TKN-NET-001 module.sg.aws_security_group.defaults {dir}/sg/main.tf:27:5"),
        ]
    );
    // `rdp_cidrs = null` stays null: no finding for aws_security_group.rdp.
    assert_eq!(code, 1);
}

#[test]
fn fileset_lists_the_module_folder_when_run_inside_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture("files"));
    // As pre-commit runs it: in the module's folder, naming `.` or a file.
    for path in [".", "main.tf"] {
        let args = ["--format", "json", "--only", "TKN-IAM-001", path];
        let (code, out) = run(&dir, &args, &[]);
        let doc: Value = serde_json::from_str(&out).expect("JSON output");
        let each =
            "TKN-IAM-001 aws_iam_policy.each[\"policies/admin.json\"] policies/admin.json:6:7";
        assert!(
            findings(&doc).contains(&each.to_string()),
            "{path}: {doc:#}"
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn fileset_without_double_star_looks_only_as_deep_as_its_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let deps = root.join("node_modules/pkg");
    std::fs::create_dir_all(&deps).unwrap();
    for i in 0..=10_000 {
        std::fs::write(deps.join(format!("f{i}.js")), "").unwrap();
    }
    let admin = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    std::fs::write(root.join("admin.json"), admin).unwrap();
    let each = |pattern: &str| {
        format!(
            "resource \"aws_iam_policy\" \"each\" {{\n  for_each = fileset(path.module, \"{pattern}\")\n  \
             name     = each.value\n  policy   = file(\"${{path.module}}/${{each.value}}\")\n}}\n"
        )
    };
    let lint = |pattern: &str| {
        std::fs::write(root.join("main.tf"), each(pattern)).unwrap();
        let (_, out) = run(
            root,
            &[".", "--format", "json", "--only", "TKN-IAM-001"],
            &[],
        );
        let doc: Value = serde_json::from_str(&out).unwrap();
        (findings(&doc), problems(&doc, "notes"))
    };
    let (found, notes) = lint("*.json");
    assert_eq!(
        found,
        ["TKN-IAM-001 aws_iam_policy.each[\"admin.json\"] admin.json:1:61"]
    );
    assert!(notes.is_empty(), "{notes:?}");
    // `**` walks the whole tree, within its limit.
    let (found, notes) = lint("**/*.json");
    assert!(found.is_empty(), "{found:?}");
    assert!(
        notes.iter().any(|n| n.contains("more than 10000 entries")),
        "{notes:?}"
    );
}
