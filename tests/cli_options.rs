//! Command-line options and output formats added for CI and pre-commit:
//! `--exit-zero`, standard input, `--color`, completions and the man page,
//! errors on standard error, findings that follow their values' provenance
//! to the files passed, GitLab Code Quality (validated against the schema in
//! `docs/schemas/`), and the SARIF, JUnit and GitHub details CI systems need.

mod common;

use common::{root, schema_errors, stderr, stdout};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `tenken ARGS` in `dir`, with `env` set (and none of the colour variables
/// unless given), standard input from `input`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenken"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("tenken runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn tenken(dir: &Path, args: &[&str]) -> Output {
    run(dir, args, &[("NO_COLOR", "1")], "")
}

const OPEN_SSH: &str = "resource \"aws_security_group\" \"ssh\" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = var.admin_cidrs
  }
}

resource \"aws_security_group\" \"legacy\" {
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = \"tcp\"
    cidr_blocks = [\"0.0.0.0/0\"]
  }
}
";

const TEMPLATE: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Parameters:
  Cidr:
    Type: String
    Default: 10.0.0.0/8
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}
  Old:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: old
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: 0.0.0.0/0}
        - {IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: 0.0.0.0/0}
";

/// A repository with Terraform folders (in `infra` the variable's default is
/// safe and the tfvars file opens it, in `net` the default is open) and a
/// template with a parameter file that opens it.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(".git/HEAD", "ref: refs/heads/main\n");
    write("infra/main.tf", OPEN_SSH);
    write(
        "infra/variables.tf",
        "variable \"admin_cidrs\" {\n  default = [\"10.0.0.0/8\"]\n}\n",
    );
    write("infra/terraform.tfvars", "admin_cidrs = [\"0.0.0.0/0\"]\n");
    write("net/main.tf", OPEN_SSH);
    write(
        "net/variables.tf",
        "variable \"admin_cidrs\" {\n  default = [\"0.0.0.0/0\"]\n}\n",
    );
    write("cfn/web.yaml", TEMPLATE);
    write(
        "params/prod.json",
        "[{\"ParameterKey\": \"Cidr\", \"ParameterValue\": \"0.0.0.0/0\"}]\n",
    );
    dir
}

/// `(resource, file:line)` of each finding of a JSON report, and the summary's file count.
fn findings(out: &Output) -> (Vec<String>, u64) {
    let doc: Value = serde_json::from_str(&stdout(out)).expect("JSON");
    let found = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}:{}", f["resource"], f["file"], f["line"]).replace('"', ""))
        .collect();
    (found, doc["summary"]["files"].as_u64().unwrap())
}

fn check_json(dir: &Path, args: &[&str]) -> (Vec<String>, u64) {
    let mut all = vec!["check", "--only", "TKN-NET-001", "--format", "json"];
    all.extend(args);
    findings(&tenken(dir, &all))
}

#[test]
fn a_finding_belongs_to_the_files_its_value_comes_from() {
    let repo = repository();
    let dir = repo.path();
    // The whole folder: both groups.
    let (all, files) = check_json(dir, &["infra"]);
    assert_eq!(
        all,
        [
            "aws_security_group.ssh infra/main.tf:6",
            "aws_security_group.legacy infra/main.tf:15"
        ]
    );
    assert_eq!(files, 2);
    // Only variables.tf changed: the group whose value its default gives.
    assert_eq!(
        check_json(dir, &["net/variables.tf"]),
        (vec!["aws_security_group.ssh net/main.tf:6".to_string()], 1)
    );
    // Where terraform.tfvars sets the value, the default gives none.
    assert_eq!(check_json(dir, &["infra/variables.tf"]), (vec![], 1));
    // Only terraform.tfvars changed: the finding whose value it sets, not
    // the folder's old one.
    assert_eq!(
        check_json(dir, &["infra/terraform.tfvars"]),
        (
            vec!["aws_security_group.ssh infra/main.tf:6".to_string()],
            1
        )
    );
    // Only the parameter file changed: the templates under the working
    // directory are linted, and only the finding from its value reported.
    let only_params = ["--parameters", "params/prod.json", "params/prod.json"];
    assert_eq!(
        check_json(dir, &only_params),
        (vec!["Web cfn/web.yaml:12".to_string()], 1)
    );
    // The template itself changed: all of its findings.
    let (template, _) = check_json(dir, &["--parameters", "params/prod.json", "cfn/web.yaml"]);
    assert_eq!(
        template,
        [
            "Web cfn/web.yaml:12",
            "Old cfn/web.yaml:18",
            "Old cfn/web.yaml:19"
        ]
    );
}

#[test]
fn a_value_taken_from_inside_a_variable_still_comes_from_its_file() {
    let repo = repository();
    let dir = repo.path();
    let inner = OPEN_SSH.replace("var.admin_cidrs", "[var.admin_cidrs[0]]");
    assert_ne!(inner, OPEN_SSH);
    std::fs::write(dir.join("infra/main.tf"), inner).unwrap();
    let (found, _) = check_json(dir, &["infra/terraform.tfvars"]);
    assert_eq!(found, ["aws_security_group.ssh infra/main.tf:6"]);
    let listed = OPEN_SSH.replace("var.admin_cidrs", "[for c in var.admin_cidrs : c]");
    std::fs::write(dir.join("infra/main.tf"), listed).unwrap();
    let (found, _) = check_json(dir, &["infra/terraform.tfvars"]);
    assert_eq!(found, ["aws_security_group.ssh infra/main.tf:6"]);
}

#[test]
fn exit_zero_reports_but_passes_unless_an_error() {
    let repo = repository();
    let out = tenken(repo.path(), &["check", "infra", "--exit-zero"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("TKN-NET-001"));
    let broken = tenken(repo.path(), &["check", "infra", "missing", "--exit-zero"]);
    assert_eq!(broken.status.code(), Some(2));
}

#[test]
fn standard_input_is_linted_under_its_name() {
    let repo = repository();
    let dir = repo.path();
    // A template without a name is `-`.
    let out = run(
        dir,
        &["check", "-", "--only", "TKN-NET-001", "--format", "json"],
        &[],
        TEMPLATE,
    );
    let (found, files) = findings(&out);
    assert_eq!(found, ["Old -:18", "Old -:19"]);
    assert_eq!(files, 1);
    // A `.tf` with its name is linted with its folder on disk, its text
    // replacing the file's.
    let fixed = OPEN_SSH.replace("[\"0.0.0.0/0\"]", "[\"10.0.0.0/8\"]");
    let args = [
        "check",
        "-",
        "--stdin-filename",
        "infra/main.tf",
        "--only",
        "TKN-NET-001",
        "--format",
        "json",
    ];
    let (found, files) = findings(&run(dir, &args, &[], &fixed));
    assert_eq!(found, ["aws_security_group.ssh infra/main.tf:6"]);
    assert_eq!(files, 1);
}

#[test]
fn standard_input_without_a_name_that_is_no_template_is_an_error() {
    let repo = repository();
    let out = run(
        repo.path(),
        &["check", "-", "--format", "json"],
        &[],
        OPEN_SSH,
    );
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = doc["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--stdin-filename"), "{doc:#}");
    assert_eq!(doc["errors"][0]["file"], "-");
}

#[test]
fn standard_input_named_with_a_leading_dot_slash_is_linted() {
    let repo = repository();
    let dir = repo.path();
    // Editors and hooks often pass `./path`: the same file as `path`.
    for (name, input, expected) in [
        (
            "./new/main.tf",
            OPEN_SSH,
            "aws_security_group.legacy new/main.tf:15",
        ),
        ("./cfn/other.yaml", TEMPLATE, "Old cfn/other.yaml:18"),
    ] {
        let args = [
            "check",
            "-",
            "--stdin-filename",
            name,
            "--only",
            "TKN-NET-001",
        ];
        let out = run(
            dir,
            &[&args[..], &["--format", "json"]].concat(),
            &[],
            input,
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["errors"], serde_json::json!([]), "{name}");
        let (found, files) = findings(&out);
        assert!(found.iter().any(|f| f == expected), "{name}: {found:?}");
        assert_eq!(files, 1, "{name}");
    }
}

#[test]
fn human_mode_writes_errors_to_standard_error_and_counts_linted_files() {
    let repo = repository();
    let dir = repo.path();
    std::fs::write(dir.join("infra/broken.tf"), "resource \"x\" {\n").unwrap();
    std::fs::write(dir.join("compose.yaml"), "services: {}\n").unwrap();
    let out = tenken(
        dir,
        &[
            "check",
            "infra/main.tf",
            "compose.yaml",
            "--only",
            "TKN-NET-001",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let (text, errors) = (stdout(&out), stderr(&out));
    assert!(errors.contains("infra/broken.tf"), "{errors}");
    assert!(!text.contains("broken.tf"), "{text}");
    // One file linted and reported: not the YAML that is no template, not
    // the folder's other files read for context.
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("1 file, 2 resources: 2 findings (2 high), 1 error in "),
        "{summary}"
    );
}

#[test]
fn color_follows_the_option_and_the_environment() {
    let repo = repository();
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["check", "infra", "--only", "TKN-NET-001"];
        all.extend(args);
        stdout(&run(repo.path(), &all, env, "")).contains('\u{1b}')
    };
    // Standard output is a pipe here: no colour unless asked for.
    assert!(!colored(&[], &[]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colored(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    let out = tenken(repo.path(), &["check", "--color", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_and_the_man_page_come_from_the_definitions() {
    let dir = root();
    let bash = stdout(&tenken(&dir, &["completions", "bash"]));
    // Loaded by a real bash, the script registers a completion for tenken.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &bash).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p tenken",
            script.path().display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("tenken"));
    for option in ["--exit-zero", "--stdin-filename", "--color", "manpage"] {
        assert!(bash.contains(option), "{option}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let text = stdout(&tenken(&dir, &["completions", shell]));
        assert!(
            text.contains("baseline") && text.contains("exit-zero"),
            "{shell}"
        );
    }
    let bad = tenken(&dir, &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));

    let page = stdout(&tenken(&dir, &["manpage"]));
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
    assert!(page.contains(".TH tenken 1"));
    for heading in ["TENKEN CHECK OPTIONS", "TENKEN LSP OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(heading), "{heading}");
    }
    // groff reads it without a warning.
    let mut groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff is installed");
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = groff.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn gitlab_code_quality_matches_the_documented_schema() {
    let repo = repository();
    let out = tenken(
        repo.path(),
        &[
            "check",
            "cfn",
            "infra",
            "--format",
            "gitlab",
            "--only",
            "TKN-NET-*",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let schema = root().join("docs/schemas/gitlab-code-quality.schema.json");
    let errors = schema_errors(&schema, &text);
    assert!(errors.is_empty(), "{errors:#?}");
    let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
    let old: Vec<&Value> = issues
        .iter()
        .filter(|i| i["check_name"] == "TKN-NET-001" && i["location"]["path"] == "cfn/web.yaml")
        .collect();
    assert_eq!(old.len(), 2);
    assert_eq!(old[0]["location"]["lines"]["begin"], 18);
    assert_eq!(old[1]["location"]["lines"]["begin"], 19);
    assert_eq!(old[0]["severity"], "critical");
    assert!(old[0]["description"]
        .as_str()
        .unwrap()
        .ends_with("port 3389-3389 is open to the internet (Old)"));
    // Two identical findings still have a fingerprint each.
    let prints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), issues.len());
    // The schema catches what GitLab would not read.
    let mut bad = issues.clone();
    bad[0]["severity"] = Value::from("high");
    bad[1]["location"]["path"] = Value::from("./cfn/web.yaml");
    let bad = serde_json::to_string(&bad).unwrap();
    assert_eq!(schema_errors(&schema, &bad).len(), 2);
}

#[test]
fn sarif_names_the_tool_and_the_working_directory_and_never_climbs() {
    let repo = repository();
    let infra = repo.path().join("infra");
    let out = tenken(
        &infra,
        &[
            "check",
            ".",
            "../cfn",
            "--format",
            "sarif",
            "--only",
            "TKN-NET-*",
        ],
    );
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["informationUri"],
        env!("CARGO_PKG_REPOSITORY")
    );
    assert!(env!("CARGO_PKG_REPOSITORY").starts_with("https://"));
    let cwd = format!("file://{}/", infra.canonicalize().unwrap().display());
    let working = run["invocations"][0]["workingDirectory"]["uri"]
        .as_str()
        .unwrap();
    // The temporary folder may be reached through a link: compare resolved.
    let resolved = |uri: &str| {
        Path::new(uri.strip_prefix("file://").unwrap())
            .canonicalize()
            .unwrap()
    };
    assert_eq!(resolved(working), resolved(&cwd));
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"main.tf"), "{uris:?}");
    let web = uris.iter().find(|u| u.ends_with("cfn/web.yaml")).unwrap();
    assert!(web.starts_with("file:///") && !web.contains(".."), "{web}");
    // Every rule has a security-severity, info ones too.
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["properties"]["security-severity"].is_string(),
            "{}",
            rule["id"]
        );
    }
}

#[test]
fn junit_has_a_failure_per_finding_and_github_no_columns_across_lines() {
    let repo = repository();
    let out = tenken(
        repo.path(),
        &["check", "cfn", "--format", "junit", "--only", "TKN-NET-001"],
    );
    let xml = stdout(&out);
    assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
    assert!(xml.contains("name=\"Old (cfn/web.yaml) #2\""), "{xml}");
    assert!(xml.contains("tests=\"3\" failures=\"2\""), "{xml}");

    let out = tenken(
        repo.path(),
        &[
            "check",
            "cfn",
            "infra",
            "--format",
            "github",
            "--only",
            "TKN-NET-006",
        ],
    );
    let text = stdout(&out);
    let starts = |prefix: &str| text.lines().any(|l| l.starts_with(prefix));
    // An ingress block over six lines: lines only.
    assert!(
        starts("::notice file=infra/main.tf,line=2,endLine=7,title="),
        "{text}"
    );
    // A rule on one line: with its columns.
    assert!(
        starts("::notice file=cfn/web.yaml,line=18,col=11,endLine=18,endColumn=76,title="),
        "{text}"
    );
}
