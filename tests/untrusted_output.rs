//! Reports of untrusted files on the real binary: long lines and control
//! characters do not break the human or GitHub output, secrets appear in no
//! format, and an invalid configuration is reported in every format. Each run
//! has a memory limit and, beside the hostile file, a valid module that must
//! still be linted.

mod common;

use common::guarded::{run, workspace, write};
use serde_json::Value;

const FORMATS: [&str; 5] = ["human", "json", "sarif", "junit", "github"];

/// The fake secret: in no policy text, so any occurrence in a report is a leak.
const SECRET: &str = "Tk9-fake-SECRET-value";

/// Exit code, and standard output followed by standard error (where the
/// human format shows errors) of `tenken check <args>`.
fn check(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let args: Vec<&str> = ["check"].iter().chain(args).copied().collect();
    let (code, out, err) = run(dir, &args);
    (code, out + &err)
}

/// `(rule, file, line, column)` of every finding of a JSON report.
fn findings(json: &str) -> Vec<(String, String, u64, u64)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn assert_good_linted(json: &str) {
    let good = ("TKN-NET-001".to_string(), "good/main.tf".to_string(), 6, 5);
    assert!(findings(json).contains(&good), "{json}");
}

#[test]
fn a_finding_on_a_very_long_line_is_shown() {
    let dir = workspace();
    let template = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "x".repeat(100_000),
        "Resources": { "SG": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "web",
                "SecurityGroupIngress": [{
                    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0",
                    "Description": "ssh"
                }]
            }
        }}
    });
    write(dir.path(), "min.json", template.to_string().as_bytes());
    let (code, human) = check(dir.path(), &["."]);
    assert_eq!(code, 1, "{human}");
    assert!(human.contains("[min.json:1:"), "{human}");
    assert!(
        human.contains("port 22-22 is open to the internet"),
        "{human}"
    );
    assert!(human.contains("[good/main.tf:6:5]"), "{human}");
    let longest = human.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 400, "a line of {longest} characters");

    let (_, json) = check(dir.path(), &["--format", "json", "."]);
    let column = findings(&json)
        .into_iter()
        .find(|f| f.0 == "TKN-NET-001" && f.1 == "min.json")
        .map(|f| f.3)
        .unwrap();
    assert!(column > 100_000, "{column}");
    assert_good_linted(&json);
}

#[test]
fn control_characters_are_escaped() {
    let dir = workspace();
    let hostile = "Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0, Description: \"\x1b]0;pwned\x07 \r x\"}\n";
    write(dir.path(), "sg\x1b[31m.yaml", hostile.as_bytes());
    write(dir.path(), "bad\x1b]0;x\x07.yaml", b"Resources: [\x00\r\n");
    for format in ["human", "github"] {
        let (code, out) = check(dir.path(), &["--format", format, "."]);
        assert_eq!(code, 2, "{out}");
        let control = out.chars().find(|&c| c.is_control() && c != '\n');
        assert_eq!(control, None, "{format}: {out:?}");
        assert!(out.contains("sg\\u{1b}[31m.yaml"), "{format}: {out}");
        assert!(out.contains("bad\\u{1b}]0;x\\u{7}.yaml"), "{format}: {out}");
        assert!(out.contains("good/main.tf"), "{format}: {out}");
    }
    let (_, human) = check(dir.path(), &["."]);
    assert!(human.contains("\\u{1b}]0;pwned\\u{7} \\r x"), "{human}");
}

#[test]
fn secrets_appear_in_no_format() {
    let dir = workspace();
    let tf = format!(
        r#"variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{SECRET}"
}}

resource "aws_db_instance" "literal" {{
  username = "admin"
  password = "{SECRET}"
}}

resource "aws_rds_cluster" "from_variable" {{
  master_username = "admin"
  master_password = var.db_password
}}

resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  environment {{
    variables = {{
      API_KEY = "{SECRET}"
    }}
  }}
}}

variable "shared_acl" {{
  sensitive = true
  default   = "public-read"
}}

resource "aws_s3_bucket" "shared" {{
  bucket = "shared"
  acl    = var.shared_acl
}}
"#
    );
    write(dir.path(), "db/main.tf", tf.as_bytes());
    let cfn = format!(
        "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n    Default: {SECRET}\n  \
         BucketAcl:\n    Type: String\n    NoEcho: true\n    Default: PublicReadWrite\n\
         Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      \
         MasterUsername: admin\n      MasterUserPassword: !Ref DbPassword\n  \
         Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: !Ref BucketAcl\n"
    );
    write(dir.path(), "stack.yaml", cfn.as_bytes());
    for format in FORMATS {
        let (code, out) = check(dir.path(), &["--format", format, "."]);
        assert_eq!(code, 1, "{out}");
        assert!(!out.contains(SECRET), "{format}: {out}");
        assert!(out.contains("TKN-SEC-001"), "{format}: {out}");
    }
    let (_, human) = check(dir.path(), &["."]);
    assert!(human.contains(&format!("password = \"{}\"", "*".repeat(SECRET.len()))));
    assert!(human.contains("Default: ***************"), "{human}");

    let (_, json) = check(dir.path(), &["--format", "json", "."]);
    let found = findings(&json);
    for expected in [
        ("TKN-SEC-001", "db/main.tf", 9, 3),
        ("TKN-SEC-001", "db/main.tf", 14, 3),
        ("TKN-SEC-002", "db/main.tf", 20, 5),
        ("TKN-SEC-001", "stack.yaml", 15, 7),
    ] {
        let expected = (
            expected.0.to_string(),
            expected.1.to_string(),
            expected.2,
            expected.3,
        );
        assert!(found.contains(&expected), "{expected:?} in {found:#?}");
    }
    // A policy not about secrets still masks a value from a NoEcho parameter.
    let v: Value = serde_json::from_str(&json).unwrap();
    let acl = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "TKN-DATA-016" && f["resource"] == "Bucket")
        .unwrap();
    assert_eq!(acl["message"], "the bucket ACL is *****************");
    // So does one of a value from a sensitive Terraform variable.
    let shared = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "TKN-DATA-016" && f["resource"] == "aws_s3_bucket.shared")
        .unwrap();
    assert_eq!(shared["message"], "the bucket ACL is ***********");
    assert_good_linted(&json);
}

#[test]
fn an_invalid_configuration_is_reported_in_every_format() {
    let dir = workspace();
    write(dir.path(), ".tenken.yaml", b"fail_on: [nope\n");
    let (code, json, _) = run(
        dir.path(),
        &[
            "check",
            "--format",
            "sarif=out.sarif",
            "--format",
            "junit=out.xml",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(code, 2, "{json}");
    let v: Value = serde_json::from_str(&json).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{json}");
    assert!(errors[0]["file"]
        .as_str()
        .unwrap()
        .ends_with(".tenken.yaml"));
    assert_eq!(errors[0]["line"], 1);

    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.sarif")).unwrap()).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let text = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("invalid configuration"), "{text}");

    let junit = std::fs::read_to_string(dir.path().join("out.xml")).unwrap();
    assert!(junit.contains("errors=\"1\""), "{junit}");
    assert!(
        junit.contains("<error message=\"invalid configuration"),
        "{junit}"
    );

    let (code, out) = check(dir.path(), &["--format", "github", "."]);
    assert_eq!(code, 2);
    assert!(out.starts_with("::error file="), "{out}");
    assert!(out.contains(".tenken.yaml,line=1,col=10,"), "{out}");
    // The human report of a run that could not start is on standard error.
    let (code, out, err) = run(dir.path(), &["check", "."]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("invalid configuration"), "{err}");
}
