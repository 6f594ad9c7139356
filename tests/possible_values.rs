//! Inputs nobody chose a value for that can take only a few values
//! (CloudFormation `AllowedValues`, Terraform `bool` variables and
//! variables validated with `contains([...], var.x)`): the check is decided
//! over every combination, and a finding names the values it fails with.

mod common;

use common::{root, schema_errors, stdout, tenken};
use serde_json::{json, Value};

/// The JSON report of `tenken check` with TKN-NET-001 only.
fn check(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["check"];
    all.extend(args);
    all.extend(["--only", "TKN-NET-001", "--format", "json"]);
    let out = tenken(&root(), &all);
    let doc = serde_json::from_str(&stdout(&out)).expect("JSON output");
    (doc, out.status.code().unwrap_or(-1))
}

/// `resource line severity when` of each finding.
fn findings(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let when = f.get("when").map_or(String::new(), |w| format!(" {w}"));
            format!(
                "{} {} {}{when}",
                f["resource"].as_str().unwrap(),
                f["line"],
                f["severity"].as_str().unwrap()
            )
        })
        .collect()
}

const TEMPLATE: &str = "tests/fixtures/possible/allowed.yaml";
const MODULE: &str = "tests/fixtures/possible/tf";

#[test]
fn cloudformation_allowed_values_decide_the_check_and_name_the_failing_value() {
    let (doc, code) = check(&[TEMPLATE]);
    assert_eq!(
        findings(&doc),
        [
            r#"Admin 21 high [{"name":"Environment","value":"dev"}]"#,
            "Everywhere 33 high",
        ]
    );
    let admin = &doc["findings"][0];
    assert!(admin["message"]
        .as_str()
        .unwrap()
        .ends_with("(when Environment = dev)"));
    assert_eq!(
        admin["related"],
        json!([{"file": TEMPLATE, "message": "fails when Environment = dev",
                "line": 3, "column": 3, "end_line": 3, "end_column": 14}])
    );
    assert_eq!(code, 1);
}

#[test]
fn a_given_value_or_a_default_pins_the_input_unless_all_values_are_asked_for() {
    let (doc, _) = check(&[TEMPLATE, "--parameter", "Environment=prod"]);
    assert_eq!(findings(&doc), ["Everywhere 33 high"]);
    let (doc, _) = check(&[TEMPLATE, "--all-values"]);
    assert_eq!(
        findings(&doc),
        [
            r#"Admin 21 high [{"name":"Environment","value":"dev"}]"#,
            r#"Pinned 27 high [{"name":"Ingress","value":"0.0.0.0/0"}]"#,
            "Everywhere 33 high",
        ]
    );
}

#[test]
fn terraform_bool_and_contains_validated_variables_decide_the_check() {
    let (doc, code) = check(&[MODULE]);
    assert_eq!(
        findings(&doc),
        [
            r#"aws_security_group.admin 23 high [{"name":"var.public","value":"true"}]"#,
            r#"aws_security_group.by_environment 32 high [{"name":"var.environment","value":"dev"}]"#,
        ]
    );
    let admin = &doc["findings"][0];
    assert_eq!(
        admin["related"][0]["message"],
        "fails when var.public = true"
    );
    assert_eq!(admin["related"][0]["line"], 1);
    assert_eq!(code, 1);
    let (doc, _) = check(&[MODULE, "--var", "public=false"]);
    assert_eq!(
        findings(&doc),
        [r#"aws_security_group.by_environment 32 high [{"name":"var.environment","value":"dev"}]"#]
    );
    let (doc, _) = check(&[MODULE, "--all-values"]);
    assert_eq!(
        findings(&doc).last().unwrap(),
        r#"aws_security_group.pinned 41 high [{"name":"var.pinned","value":"true"}]"#
    );
}

#[test]
fn over_the_bound_the_inputs_stay_unknown_with_a_note() {
    let dir = "tests/fixtures/possible/bound";
    let (doc, _) = check(&[dir, "--strict"]);
    assert_eq!(
        findings(&doc),
        ["Open 30 info", "Six 36 info", "Six 37 info"]
    );
    let note = doc["notes"][0]["message"].as_str().unwrap();
    assert!(
        note.contains(
            "(P0, P1, P2, P3, P4, P5, P6) can take 128 combinations of values, more than 64"
        ),
        "{note}"
    );
    // One value given: 64 combinations, each tried.
    let (doc, _) = check(&[dir, "--strict", "--parameter", "P6=10.0.0.0/8"]);
    assert_eq!(
        findings(&doc),
        [
            r#"Open 30 high [{"name":"P0","value":"0.0.0.0/0"}]"#,
            r#"Six 36 high [{"name":"P1","value":"0.0.0.0/0"}]"#,
            r#"Six 37 high [{"name":"P2","value":"0.0.0.0/0"}]"#,
        ]
    );
    assert_eq!(doc["notes"], json!([]));
}

#[test]
fn sarif_carries_the_failing_values_in_the_result_properties() {
    let out = tenken(
        &root(),
        &[
            "check",
            TEMPLATE,
            "--only",
            "TKN-NET-001",
            "--format",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let admin = results
        .iter()
        .find(|r| r["properties"]["resource"] == "Admin")
        .unwrap();
    assert_eq!(
        admin["properties"]["when"],
        json!([{"name": "Environment", "value": "dev"}])
    );
    assert!(admin["message"]["text"]
        .as_str()
        .unwrap()
        .ends_with("(when Environment = dev)"));
}

#[test]
fn the_json_report_with_when_is_valid_against_the_published_schema() {
    let out = tenken(
        &root(),
        &[
            "check",
            TEMPLATE,
            "--only",
            "TKN-NET-001",
            "--format",
            "json",
        ],
    );
    let report = stdout(&out);
    assert!(report.contains("\"when\""));
    let errors = schema_errors(&root().join("docs/schemas/report.schema.json"), &report);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn over_the_bound_terraform_variables_stay_unknown_with_a_note() {
    let dir = "tests/fixtures/possible/bound-tf";
    let (doc, _) = check(&[dir, "--strict"]);
    assert_eq!(findings(&doc), ["aws_security_group.open 30 info"]);
    let note = doc["notes"][0]["message"].as_str().unwrap();
    assert!(
        note.contains("can take 128 combinations of values, more than 64"),
        "{note}"
    );
    let (doc, _) = check(&[dir, "--strict", "--var", "flag6=true"]);
    assert_eq!(
        findings(&doc),
        [r#"aws_security_group.open 34 high [{"name":"var.flag0","value":"true"}]"#]
    );
}

#[test]
fn allowed_values_that_are_no_scalars_leave_the_template_linted_once() {
    let (doc, code) = check(&["tests/fixtures/possible/no-scalar-values.yaml"]);
    assert_eq!(findings(&doc), ["Open 12 high"]);
    assert_eq!(code, 1);
}

#[test]
fn a_large_template_is_linted_once_when_trying_every_value_would_cost_too_much() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..64).map(|i| format!("v{i}")).collect();
    let mut template = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  P:\n    Type: String\n    AllowedValues: [{}]\nResources:\n",
        values.join(", ")
    );
    for i in 0..100 {
        template.push_str(&format!(
            "  Sg{i}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !Sub \"${{P}}\"\n      SecurityGroupIngress:\n        - {{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}}\n"
        ));
    }
    let path = dir.path().join("large.yaml");
    std::fs::write(&path, template).unwrap();
    let (doc, code) = check(&[path.to_str().unwrap()]);
    let found = doc["findings"].as_array().unwrap();
    assert_eq!(found.len(), 100);
    assert!(found.iter().all(|f| f.get("when").is_none()));
    let note = doc["notes"][0]["message"].as_str().unwrap();
    assert!(
        note.contains(
            "64 combinations of values, and 101 resources linted for each are more than 5000"
        ),
        "{note}"
    );
    assert_eq!(code, 1);
}
