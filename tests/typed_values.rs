//! Values written in another type than a policy expects (`from_port =
//! "22"`, `RetentionInDays: '90'`, `Encrypted: 'False'`, numbers inside
//! `map(string)` variables) are converted as the provider or the service
//! converts them; a value that cannot be converted is an error at the value.

mod common;

use common::{root, stdout, tenken};
use serde_json::Value;

const POLICIES: &[&str] = &[
    "--only",
    "TKN-NET-001",
    "--only",
    "TKN-LOG-010",
    "--only",
    "TKN-DATA-002",
];

/// Findings as `rule resource line:column`, errors as `file line:column message`, and the exit code.
fn check(path: &str) -> (Vec<String>, Vec<String>, i32) {
    let mut args = vec!["check", path, "--format", "json"];
    args.extend(POLICIES);
    let out = tenken(&root(), &args);
    let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["rule_id"].as_str().unwrap(),
                f["resource"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    let errors = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}:{} {}",
                e["file"].as_str().unwrap(),
                e["line"],
                e["column"],
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    (findings, errors, out.status.code().unwrap_or(-1))
}

#[test]
fn terraform_strings_are_numbers_and_booleans_where_the_provider_expects_them() {
    let (findings, errors, code) = check("tests/fixtures/typed/strings-tf");
    assert_eq!(
        findings,
        [
            "TKN-NET-001 aws_security_group.ssh 6:5",
            "TKN-LOG-010 aws_cloudwatch_log_group.short 20:3",
            "TKN-DATA-002 aws_ebs_volume.data 28:3",
        ]
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(code, 1);
}

#[test]
fn numbers_inside_string_maps_reach_port_checks() {
    let (findings, errors, code) = check("tests/fixtures/typed/module-maps");
    assert_eq!(findings, ["TKN-NET-001 aws_security_group.this 18:3"]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(code, 1);
}

#[test]
fn cloudformation_strings_are_numbers_and_booleans_where_the_service_expects_them() {
    let (findings, errors, code) = check("tests/fixtures/typed/cfn/strings.yaml");
    assert_eq!(
        findings,
        [
            "TKN-NET-001 Ssh 11:11",
            "TKN-LOG-010 Short 24:7",
            "TKN-DATA-002 Data 33:7",
        ]
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(code, 1);
}

#[test]
fn a_value_that_cannot_be_converted_is_an_error_at_the_value_and_the_rest_is_linted() {
    for (path, error, finding) in [
        (
            "tests/fixtures/typed/bad-tf",
            "tests/fixtures/typed/bad-tf/main.tf 4:19",
            "TKN-NET-001 aws_security_group.open 15:5",
        ),
        (
            "tests/fixtures/typed/cfn/bad.json",
            "tests/fixtures/typed/cfn/bad.json 9:45",
            "TKN-NET-001 Open 18:67",
        ),
    ] {
        let (findings, errors, code) = check(path);
        assert_eq!(findings, [finding]);
        assert_eq!(
            errors,
            [format!(
                "{error} `ingress.from_port` must be a whole number; found \"ssh\""
            )]
        );
        assert!(!errors.iter().any(|e| e.contains("failed on")));
        assert_eq!(code, 2);
    }
}

#[test]
fn a_list_of_strings_where_blocks_are_expected_is_an_error_at_the_list() {
    for (path, error, finding) in [
        (
            "tests/fixtures/typed/blocks-tf",
            "tests/fixtures/typed/blocks-tf/main.tf 3:13",
            "TKN-NET-001 aws_security_group.open 12:5",
        ),
        (
            "tests/fixtures/typed/cfn/blocks.yaml",
            "tests/fixtures/typed/cfn/blocks.yaml 8:9",
            "TKN-NET-001 Open 14:55",
        ),
    ] {
        let (findings, errors, code) = check(path);
        assert_eq!(findings, [finding]);
        assert_eq!(
            errors,
            [format!(
                "{error} `ingress` must be a block or a list of blocks; found \"0.0.0.0/0\""
            )]
        );
        assert_eq!(code, 2);
    }
}
