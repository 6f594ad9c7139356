//! A stranger's pull request on the real binary: files named by templates,
//! modules and the configuration must stay inside the repository (the git
//! top level), special files are never opened, and what was refused never
//! reaches the output. Each run keeps a valid module beside the attack and
//! checks that it is still linted.

mod common;

use common::guarded::{check, run, write, GOOD_TF};
use std::path::Path;

/// What would leak if a file outside the repository were read.
const SECRET: &str = "FAKE-SECRET-7f3a";

/// `t/repo` (a git checkout holding `good/main.tf`) and `t/outside`, which
/// holds a broken template, a module with a finding and a variables file,
/// each carrying the secret.
fn repository() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo, "good/main.tf", GOOD_TF.as_bytes());
    let outside = t.path().join("outside");
    let broken = format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: {SECRET}: [\n");
    write(&outside, "secret.yaml", broken.as_bytes());
    write(
        &outside,
        "mod/main.tf",
        GOOD_TF.replace("web", SECRET).as_bytes(),
    );
    write(
        &outside,
        "secret.tfvars",
        format!("x = \"{SECRET}\"\n").as_bytes(),
    );
    write(&outside, "policies/P.yaml", SECRET.as_bytes());
    t
}

fn repo(t: &tempfile::TempDir) -> std::path::PathBuf {
    t.path().join("repo")
}

fn link(target: &Path, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// The files with a TKN-NET-001 finding.
fn net_001_files(run: &common::guarded::Run) -> Vec<String> {
    let findings = run.findings().into_iter();
    findings
        .filter(|f| f.0 == "TKN-NET-001")
        .map(|f| f.1)
        .collect()
}

/// Runs every output format and asserts the secret is in none of them.
fn assert_never_echoed(dir: &Path, args: &[&str]) {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let mut all = vec!["check", "--format", format];
        all.extend(args);
        let (code, stdout, stderr) = run(dir, &all);
        assert_eq!(code, 2, "{format}: {stdout}{stderr}");
        assert!(!stdout.contains(SECRET), "{format}: {stdout}");
        assert!(!stderr.contains(SECRET), "{format}: {stderr}");
    }
}

#[test]
fn nested_stacks_cannot_read_outside_the_repository() {
    let t = repository();
    let repo = repo(&t);
    let secret = t.path().join("outside/secret.yaml");
    let abs = secret.display();
    let stack = |name: &str, url: &str| {
        format!("  {name}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n")
    };
    let body = [
        stack("Abs", &abs.to_string()),
        stack("Url", &format!("file://{abs}")),
        stack("Up", "../../outside/secret.yaml"),
        stack("Link", "link.yaml"),
        stack("Vcs", "../.git/x.yaml"),
        stack("Notes", "../notes.yaml"),
    ]
    .concat();
    let main = format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n{body}");
    write(&repo, "stacks/main.yaml", main.as_bytes());
    link(&secret, &repo.join("stacks/link.yaml"));
    std::fs::copy(&secret, repo.join(".git/x.yaml")).unwrap();
    write(
        &repo,
        "notes.yaml",
        format!("password: {SECRET}\n").as_bytes(),
    );

    let run = check(&repo, &["."]);
    let errors = run.errors();
    let at = |line: u64, message: &str| {
        errors.iter().any(|(f, m, l, c)| {
            f == "stacks/main.yaml" && *l == line && *c == 20 && m.contains(message)
        })
    };
    assert!(at(6, "outside the repository"), "{errors:#?}");
    assert!(at(10, "outside the repository"), "{errors:#?}");
    assert!(at(14, "outside the repository"), "{errors:#?}");
    assert!(at(18, "outside the repository"), "{errors:#?}");
    assert!(at(22, "version-control"), "{errors:#?}");
    assert!(at(26, "not a CloudFormation template"), "{errors:#?}");
    // The link found by the walk is refused where it is.
    assert!(errors
        .iter()
        .any(|(f, m, l, _)| f == "stacks/link.yaml" && *l == 1 && m.contains("outside")));
    assert_eq!(errors.len(), 7, "{errors:#?}");
    run.assert_good_linted();
    assert_never_echoed(&repo, &["."]);
}

#[test]
fn module_sources_installed_modules_and_variables_stay_inside() {
    let t = repository();
    let repo = repo(&t);
    let main = "module \"out\" {\n  source = \"../../outside/mod\"\n}\n\
                module \"linked\" {\n  source = \"./linked\"\n}\n\
                module \"remote\" {\n  source = \"example/remote/aws\"\n}\n";
    write(&repo, "tf/main.tf", main.as_bytes());
    link(&repo.join("good"), &repo.join("tf/linked"));
    let installed =
        r#"{"Modules": [{"Key": "remote", "Source": "x", "Dir": "../../outside/mod"}]}"#;
    write(
        &repo,
        "tf/.terraform/modules/modules.json",
        installed.as_bytes(),
    );
    link(
        &t.path().join("outside/secret.tfvars"),
        &repo.join("tf/terraform.tfvars"),
    );

    let run = check(&repo, &["."]);
    let errors = run.errors();
    let has = |file: &str, line: u64, column: u64, message: &str| {
        errors
            .iter()
            .any(|(f, m, l, c)| f == file && (*l, *c) == (line, column) && m.contains(message))
    };
    assert!(
        has("tf/main.tf", 2, 12, "outside the repository"),
        "{errors:#?}"
    );
    assert!(has("tf/main.tf", 5, 12, "linked folder"), "{errors:#?}");
    assert!(
        has(
            "tf/.terraform/modules/modules.json",
            1,
            54,
            "outside the repository"
        ),
        "{errors:#?}"
    );
    assert!(
        has("tf/terraform.tfvars", 1, 1, "outside the repository"),
        "{errors:#?}"
    );
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(net_001_files(&run), ["good/main.tf"]);
    assert_never_echoed(&repo, &["."]);
}

#[test]
fn configuration_policy_folders_stay_inside() {
    let t = repository();
    let repo = repo(&t);
    write(
        &repo,
        ".tenken.yaml",
        b"policies:\n  - ../outside/policies\n",
    );
    let (code, stdout, stderr) = run(&repo, &["check", "good"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("outside the repository"), "{all}");
    assert!(all.contains(".tenken.yaml:2:5"), "{all}");
    assert!(!all.contains(SECRET), "{all}");
    // Named on the command line, the same folder is read.
    let policies = t.path().join("outside/policies");
    let (code, stdout, stderr) = run(
        &repo,
        &[
            "check",
            "good",
            "--config",
            "/dev/null",
            "--policies",
            policies.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("P.yaml"),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_configuration_above_the_repository_is_not_read() {
    let t = repository();
    write(
        t.path(),
        ".tenken.yaml",
        b"rules:\n  disable: [TKN-NET-001]\n",
    );
    let run = check(&repo(&t), &["."]);
    assert_eq!(run.errors(), []);
    run.assert_good_linted();
}

#[test]
fn special_files_are_refused_without_opening_them() {
    let t = repository();
    let repo = repo(&t);
    let fifo = repo.join("good/pipe.tf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    link(Path::new("/dev/zero"), &repo.join("zero.yaml"));
    let run = check(&repo, &["."]);
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|(f, m, _, _)| f == "good/pipe.tf" && m.contains("not a regular file")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|(f, m, _, _)| f == "zero.yaml" && m.contains("outside the repository")),
        "{errors:#?}"
    );
    run.assert_good_linted();
}

#[test]
fn a_fifo_named_on_the_command_line_is_read() {
    let t = repository();
    let repo = repo(&t);
    let module = "variable \"cidr\" {}\nresource \"aws_security_group\" \"v\" {\n  ingress {\n    \
                  from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n    cidr_blocks = [var.cidr]\n  }\n}\n";
    write(&repo, "vars/main.tf", module.as_bytes());
    let fifo = t.path().join("values.tfvars");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, "cidr = \"0.0.0.0/0\"\n"))
    };
    let run = check(&repo, &["vars", "--var-file", fifo.to_str().unwrap()]);
    writer.join().unwrap().unwrap();
    assert_eq!(run.code, 1, "{:#?}", run.json);
    let findings = run.findings();
    assert!(
        findings
            .iter()
            .any(|(r, f, l, _)| r == "TKN-NET-001" && f == "vars/main.tf" && *l == 7),
        "{findings:#?}"
    );
}

#[test]
fn links_to_files_inside_are_followed() {
    let t = repository();
    let repo = repo(&t);
    write(
        &repo,
        "shared/extra.tf",
        GOOD_TF.replace("web", "extra").as_bytes(),
    );
    link(&repo.join("shared/extra.tf"), &repo.join("good/extra.tf"));
    let run = check(&repo, &["good"]);
    assert_eq!(run.errors(), []);
    let files = net_001_files(&run);
    assert_eq!(files, ["good/extra.tf", "good/main.tf"]);
}

#[test]
fn a_file_name_that_is_not_utf8_is_linted() {
    use std::os::unix::ffi::OsStrExt;
    let t = repository();
    let repo = repo(&t);
    let name = std::ffi::OsStr::from_bytes(b"odd\xff.tf");
    std::fs::write(repo.join("good").join(name), GOOD_TF.replace("web", "odd")).unwrap();
    let run = check(&repo, &["good"]);
    let files = net_001_files(&run);
    assert_eq!(
        files,
        ["good/main.tf", "good/odd\u{fffd}.tf"],
        "{:#?}",
        run.json
    );
}
