//! The pre-commit hook, for real: `pre-commit` from PyPI in a virtual
//! environment, this repository (at its committed HEAD) as the hook source,
//! and commits in a throw-away git repository.
//!
//! SLOW on the first run (minutes): pre-commit builds tenken with
//! `cargo install`. The build's target folder and pre-commit's cache live under
//! the target folder, so later runs reuse them. Needs git, Python 3 with
//! pip and venv, and access to PyPI.

mod common;

use common::{python_with, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// A command with pre-commit's cache and the hook's build kept under the
/// target folder. The hook is built without optimisation (the test checks
/// behaviour, not speed): that halves the build.
fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "tenken test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "tenken test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("PRE_COMMIT_HOME", tmp("pre-commit-home"))
        .env("CARGO_TARGET_DIR", tmp("pre-commit-target"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("NO_COLOR", "1");
    cmd
}

fn git(dir: &Path, args: &[&str]) -> Output {
    command("git", dir).args(args).output().expect("git runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(out.status.success(), "git {args:?}:\n{}", text(&out));
    text(&out)
}

const VULNERABLE_CFN: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
";

const VARIABLES_TF: &str = "variable \"admin_cidrs\" {\n  default = [\"0.0.0.0/0\"]\n}\n";

const LEGACY_TF: &str = "resource \"aws_security_group\" \"legacy\" {
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = \"tcp\"
    cidr_blocks = [\"0.0.0.0/0\"]
  }
}
";

fn main_tf(cidrs: &str) -> String {
    format!(
        "resource \"aws_security_group\" \"ssh\" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = {cidrs}
  }}
}}
"
    )
}

#[test]
fn pre_commit_hook_blocks_a_vulnerable_commit_and_passes_a_fixed_one() {
    let rev = ok(&root(), &["rev-parse", "HEAD"]).trim().to_string();
    let python = python_with("pre-commit", &["pre-commit>=3,<5"]);
    let bin = python.parent().unwrap();

    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    ok(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            // The snippets below are about SSH open to the internet; the
            // hook's `args` narrow the run the way a user's config would.
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: tenken\n        args: [--only, TKN-NET-001]\n",
            root().display()
        ),
    )
    .unwrap();
    // Existing code: a variable file and a legacy finding, committed without the hook.
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::write(dir.join("infra/variables.tf"), VARIABLES_TF).unwrap();
    std::fs::write(dir.join("infra/legacy.tf"), LEGACY_TF).unwrap();
    ok(dir, &["add", "."]);
    ok(dir, &["commit", "-q", "-m", "existing code"]);
    let install = command(bin.join("pre-commit"), dir)
        .args(["install", "--install-hooks"])
        .output()
        .expect("pre-commit runs");
    assert!(install.status.success(), "{}", text(&install));

    // A vulnerable template: the commit is refused and the finding shown.
    std::fs::write(dir.join("web.yaml"), VULNERABLE_CFN).unwrap();
    ok(dir, &["add", "web.yaml"]);
    let refused = git(dir, &["commit", "-m", "open SSH"]);
    let out = text(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("TKN-NET-001"), "{out}");
    assert!(out.contains("web.yaml:11:11"), "{out}");

    // Fixed: the commit goes through.
    std::fs::write(
        dir.join("web.yaml"),
        VULNERABLE_CFN.replace("0.0.0.0/0", "10.0.0.0/16"),
    )
    .unwrap();
    ok(dir, &["add", "web.yaml"]);
    ok(dir, &["commit", "-q", "-m", "SSH from the VPC only"]);

    // Only the changed Terraform file is passed: its folder gives the
    // variable's value, and the legacy file's finding is not reported.
    std::fs::write(dir.join("infra/main.tf"), main_tf("var.admin_cidrs")).unwrap();
    ok(dir, &["add", "infra/main.tf"]);
    let refused = git(dir, &["commit", "-m", "ssh from a variable"]);
    let out = text(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("infra/main.tf:6:5"), "{out}");
    assert!(out.contains("value set here (var.admin_cidrs)"), "{out}");
    assert!(!out.contains("legacy"), "{out}");

    // The variable made safe, the commit goes through.
    std::fs::write(
        dir.join("infra/variables.tf"),
        VARIABLES_TF.replace("0.0.0.0/0", "10.0.0.0/16"),
    )
    .unwrap();
    ok(dir, &["add", "infra"]);
    ok(dir, &["commit", "-q", "-m", "ssh from the VPC"]);

    // Only variables.tf changes, back to open: the finding in main.tf is
    // reported because its value comes from the changed file.
    std::fs::write(dir.join("infra/variables.tf"), VARIABLES_TF).unwrap();
    ok(dir, &["add", "infra/variables.tf"]);
    let refused = git(dir, &["commit", "-m", "open the default"]);
    let out = text(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("infra/main.tf:6:5"), "{out}");
    assert!(!out.contains("legacy"), "{out}");
    ok(dir, &["checkout", "HEAD", "--", "infra/variables.tf"]);

    // Only terraform.tfvars: the findings whose values it sets, not the
    // folder's old one.
    let tfvars = dir.join("infra/terraform.tfvars");
    std::fs::write(&tfvars, "admin_cidrs = [\"0.0.0.0/0\"]\n").unwrap();
    ok(dir, &["add", "infra/terraform.tfvars"]);
    let refused = git(dir, &["commit", "-m", "open from tfvars"]);
    let out = text(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains("infra/main.tf:6:5"), "{out}");
    assert!(out.contains("infra/terraform.tfvars:1:15"), "{out}");
    assert!(!out.contains("legacy"), "{out}");
    std::fs::write(&tfvars, "admin_cidrs = [\"10.0.0.0/16\"]\n").unwrap();
    ok(dir, &["add", "infra/terraform.tfvars"]);
    ok(dir, &["commit", "-q", "-m", "tfvars with the VPC"]);

    let log = ok(dir, &["log", "--format=%s"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "tfvars with the VPC",
            "ssh from the VPC",
            "SSH from the VPC only",
            "existing code"
        ]
    );
}

#[test]
fn the_hook_runs_on_terraform_opentofu_and_template_files() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let pattern = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("files: "))
        .expect("a files pattern");
    let files = regex::Regex::new(pattern).unwrap();
    for name in [
        "main.tf",
        "main.tofu",
        "x.tf.json",
        "x.tofu.json",
        "prod.tfvars",
        "t.yaml",
        "t.template",
    ] {
        assert!(files.is_match(name), "{name}");
    }
    for name in ["README.md", "main.tofu.bak", "notes.txt"] {
        assert!(!files.is_match(name), "{name}");
    }
}
