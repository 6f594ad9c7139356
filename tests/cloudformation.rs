//! CloudFormation resolved as the service would at deploy time: the real
//! binary on fixtures, with exact findings, spans and related locations.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const DIR: &str = "tests/fixtures/cloudformation";

/// Runs `tenken check --format json` with `args`: the JSON document and the
/// exit code. Only the policies named with `--only` run; TKN-NET-001 (SSH or
/// RDP open to the internet) when none is named.
fn check(args: &[&str]) -> (Value, i32) {
    let only: &[&str] = if args.contains(&"--only") {
        &[]
    } else {
        &["--only", "TKN-NET-001"]
    };
    let out = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .args(args)
        .args(only)
        .args(["--format", "json"])
        .output()
        .expect("tenken runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let doc = serde_json::from_slice(&out.stdout).expect("JSON output");
    (doc, out.status.code().expect("exit code"))
}

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn policies() -> [String; 2] {
    ["--policies".into(), fixture("policies")]
}

/// `rule resource file:line:column` for every finding, file relative to the fixtures.
fn findings(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{}",
                f["rule_id"].as_str().unwrap(),
                f["resource"].as_str().unwrap(),
                short(&f["file"]),
                f["line"],
                f["column"]
            )
        })
        .collect()
}

/// `file:line:column message` of the related locations of finding `i`.
fn related(doc: &Value, i: usize) -> Vec<String> {
    locations(&doc["findings"][i]["related"])
}

/// `file:line:column message` of every error.
fn errors(doc: &Value) -> Vec<String> {
    locations(&doc["errors"])
}

fn locations(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{} {}",
                short(&r["file"]),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn short(file: &Value) -> String {
    let f = file.as_str().unwrap();
    f.strip_prefix(&format!("{DIR}/")).unwrap_or(f).to_string()
}

#[test]
fn parameter_default_is_used_and_shown_as_the_origin() {
    let (doc, code) = check(&[&fixture("parameters.yaml")]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Admin parameters.yaml:23:11"]);
    assert_eq!(
        doc["findings"][0]["message"],
        "port 22-22 is open to the internet"
    );
    assert_eq!(
        related(&doc, 0),
        ["parameters.yaml:6:14 default of parameter SshCidr"]
    );
    assert_eq!(code, 1);
}

#[test]
fn parameter_argument_replaces_the_default() {
    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameter",
        "SshCidr=10.0.0.0/8",
    ]);
    assert_eq!(findings(&doc), Vec::<String>::new());
    assert_eq!(code, 0);
    // A value given on the command line points at the parameter it set.
    let (doc, _) = check(&[
        &fixture("parameters.yaml"),
        "--parameter",
        "SshPort=3389",
        "--parameter",
        "SshCidr=0.0.0.0/0",
    ]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Admin parameters.yaml:23:11"]);
    assert_eq!(
        doc["findings"][0]["message"],
        "port 3389-3389 is open to the internet"
    );
    assert_eq!(
        related(&doc, 0),
        ["parameters.yaml:4:3 value from --parameter SshCidr"]
    );
}

#[test]
fn parameter_files_in_the_aws_cli_forms() {
    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameters",
        &fixture("params-list.json"),
    ]);
    assert_eq!((findings(&doc).len(), code), (0, 0));

    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameters",
        &fixture("params-strings.json"),
    ]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Admin parameters.yaml:23:11"]);
    assert_eq!(
        doc["findings"][0]["message"],
        "port 3389-3389 is open to the internet"
    );
    assert_eq!(errors(&doc), Vec::<String>::new());
    assert_eq!(code, 1);

    // An argument wins over a file.
    let (doc, _) = check(&[
        &fixture("parameters.yaml"),
        "--parameters",
        &fixture("params-list.json"),
        "--parameter",
        "SshCidr=0.0.0.0/0",
    ]);
    assert_eq!(findings(&doc).len(), 1);
}

#[test]
fn values_outside_allowed_values_are_errors_with_a_position() {
    let (doc, code) = check(&[&fixture("parameters.yaml"), "--parameter", "Env=staging"]);
    assert_eq!(
        errors(&doc),
        ["parameters.yaml:7:3 'staging' (value from --parameter Env) is not one of the AllowedValues of parameter Env: dev, prod"]
    );
    assert_eq!(code, 2);
    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameters",
        &fixture("params-map.json"),
    ]);
    assert_eq!(
        errors(&doc),
        [format!(
            "params-map.json:3:12 'qa' (parameter Env from {DIR}/params-map.json) is not one of the AllowedValues of parameter Env: dev, prod"
        )]
    );
    assert_eq!(code, 2);
}

/// Found by the pipeline fuzz target: text in a `Number` parameter reached
/// the policies, which failed comparing it with port numbers.
#[test]
fn text_for_a_number_parameter_is_an_error_at_the_value_not_a_policy_failure() {
    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameter",
        "SshPort=double22",
    ]);
    assert_eq!(
        errors(&doc),
        ["parameters.yaml:11:3 'double22' (value from --parameter SshPort) is not a number, which parameter SshPort of Type Number needs"]
    );
    assert_eq!(code, 2);
    let (doc, _) = check(&[
        &fixture("parameters.yaml"),
        "--parameter",
        "SshPort= 2.5e1 ",
    ]);
    assert_eq!(errors(&doc), Vec::<String>::new());
}

#[test]
fn malformed_parameter_arguments_and_files_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            &fixture("parameters.yaml"),
            "--parameter",
            "NoEquals",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME=VALUE, got 'NoEquals'"));
    let (doc, code) = check(&[
        &fixture("parameters.yaml"),
        "--parameters",
        &fixture("parameters.yaml"),
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&doc),
        ["parameters.yaml:8:5 the value of parameter Env must be a string, number or list"]
    );
}

#[test]
fn intrinsic_functions_resolve_to_deployed_values() {
    let (doc, _) = check(&[&fixture("intrinsics.yaml")]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 Joined intrinsics.yaml:21:56",
            "TKN-NET-001 Selected intrinsics.yaml:27:56",
            "TKN-NET-001 Selected intrinsics.yaml:28:56",
            "TKN-NET-001 Mapped intrinsics.yaml:37:11",
            "TKN-NET-001 Substituted intrinsics.yaml:46:11",
            "TKN-NET-001 Branched intrinsics.yaml:66:56",
            "TKN-NET-001 Computed intrinsics.yaml:72:56",
        ]
    );
    assert_eq!(
        related(&doc, 3),
        ["intrinsics.yaml:10:7 mapping Networks.dev.Admin"]
    );
    assert_eq!(
        doc["findings"][4]["message"],
        "port 3389-3389 is open to the internet"
    );
}

#[test]
fn conditions_follow_the_parameters() {
    let (doc, _) = check(&[&fixture("intrinsics.yaml"), "--parameter", "Env=prod"]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 Joined intrinsics.yaml:21:56",
            "TKN-NET-001 Selected intrinsics.yaml:27:56",
            "TKN-NET-001 Selected intrinsics.yaml:28:56",
            "TKN-NET-001 Substituted intrinsics.yaml:46:11",
            "TKN-NET-001 Conditional intrinsics.yaml:59:58",
            "TKN-NET-001 Computed intrinsics.yaml:72:56",
        ]
    );
}

#[test]
fn resources_whose_condition_is_false_are_not_linted() {
    let (doc, _) = check(&[&fixture("conditions.yaml")]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 DevOnly conditions.yaml:26:56",
            "TKN-NET-001 Undecided conditions.yaml:33:56",
        ]
    );
    let (doc, _) = check(&[&fixture("conditions.yaml"), "--parameter", "Env=prod"]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 ProdOnly conditions.yaml:19:56",
            "TKN-NET-001 Undecided conditions.yaml:33:56",
        ]
    );
    let (doc, _) = check(&[
        &fixture("conditions.yaml"),
        "--parameter",
        "AWS::Region=eu-west-1",
    ]);
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 DevOnly conditions.yaml:26:56"]
    );
}

#[test]
fn dynamic_references_are_not_literal_secrets() {
    let [p, dir] = policies();
    let (doc, _) = check(&[
        &fixture("dynamic-references.yaml"),
        &p,
        &dir,
        "--only",
        "TEST-SECRET-001",
    ]);
    assert_eq!(
        findings(&doc),
        [
            "TEST-SECRET-001 Literal dynamic-references.yaml:14:7",
            "TEST-SECRET-001 FromDefault dynamic-references.yaml:34:7",
        ]
    );
    assert_eq!(
        related(&doc, 1),
        ["dynamic-references.yaml:8:14 default of parameter DefaultPassword"]
    );
}

#[test]
fn sam_resources_become_the_resources_they_deploy() {
    let [p, dir] = policies();
    let (doc, _) = check(&[&fixture("sam.yaml"), &p, &dir, "--only", "TEST-*"]);
    assert_eq!(
        findings(&doc),
        [
            // Handler has no Environment: the Globals one applies.
            "TEST-SECRET-002 Handler sam.yaml:7:7",
            "TEST-SECRET-002 Inherits sam.yaml:20:9",
            "TEST-API-001 RestApiProdStage sam.yaml:31:3",
            "TEST-API-002 RestApiDomainName sam.yaml:38:9",
            "TEST-API-001 SilentHttpApiApiGatewayDefaultStage sam.yaml:45:3",
            "TEST-DDB-001 PlainTable sam.yaml:55:9",
            // The implicit API of Handler's Api event, and its generated role.
            "TEST-API-001 ServerlessRestApiProdStage sam.yaml:56:3",
            "TEST-IAM-001 HandlerRole sam.yaml:61:7",
        ]
    );
    let types: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "AWS::Lambda::Function",
            "AWS::Lambda::Function",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGateway::DomainName",
            "AWS::ApiGatewayV2::Stage",
            "AWS::DynamoDB::Table",
            "AWS::ApiGateway::Stage",
            "AWS::IAM::Role",
        ]
    );
    // Functions, roles, APIs with stages (and a domain), tables.
    assert_eq!(doc["summary"]["resources"], 17);
}

#[test]
fn nested_stacks_are_followed_with_their_parameters() {
    let (doc, code) = check(&[&fixture("nested")]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 Literal/Admin nested/child.yaml:14:11",
            "TKN-NET-001 Open/Admin nested/child.yaml:14:11",
            "TKN-NET-001 Mirror nested/parent.yaml:37:11",
        ]
    );
    // An output of a nested stack carries the origin of its value.
    assert_eq!(
        related(&doc, 2),
        ["nested/parent.yaml:5:14 default of parameter ParentCidr"]
    );
    assert_eq!(
        related(&doc, 0),
        ["nested/parent.yaml:24:9 parameter AdminCidr passed by nested stack Literal"]
    );
    assert_eq!(
        related(&doc, 1),
        ["nested/parent.yaml:5:14 default of parameter ParentCidr"]
    );
    assert_eq!(errors(&doc), Vec::<String>::new());
    assert_eq!(code, 1);
    // The parent alone reaches the child too.
    let (alone, _) = check(&[&fixture("nested/parent.yaml")]);
    assert_eq!(findings(&alone), findings(&doc));
}

#[test]
fn nested_stack_cycles_are_errors() {
    let (doc, code) = check(&[&fixture("cycle/a.yaml")]);
    assert_eq!(
        errors(&doc),
        [format!(
            "cycle/b.yaml:6:20 nested stack cycle: {DIR}/cycle/a.yaml → {DIR}/cycle/b.yaml → {DIR}/cycle/a.yaml"
        )]
    );
    assert_eq!(code, 2);
}

/// The AWS sample template collection: every template parses and normalizes
/// (the only errors are for Rain modules, which are not CloudFormation until
/// packaged), and a template published as both JSON and YAML gets the same findings.
#[test]
fn aws_sample_templates_parse() {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/aws-cloudformation-templates");
    if !corpus.is_dir() {
        println!("note: {} is absent; skipped", corpus.display());
        return;
    }
    let [p, dir] = policies();
    let (doc, code) = check(&[
        corpus.to_str().unwrap(),
        &p,
        &dir,
        "--strict",
        "--only",
        "*",
    ]);
    let unexpected: Vec<String> = errors(&doc)
        .into_iter()
        .filter(|e| !e.contains("is not a string"))
        .collect();
    assert_eq!(unexpected, Vec::<String>::new());
    for e in errors(&doc) {
        println!("not a template until packaged: {e}");
    }
    assert!(
        // Files that hold something linted (Rain modules and non-templates aside).
        doc["summary"]["files"].as_u64().unwrap() >= 290,
        "{}",
        doc["summary"]
    );
    assert!(
        doc["summary"]["resources"].as_u64().unwrap() >= 2000,
        "{}",
        doc["summary"]
    );
    assert!(code == 1 || code == 2);

    let mut by_format: BTreeMap<(String, &str), Vec<String>> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let file = Path::new(f["file"].as_str().unwrap());
        let (Some(ext), Some(stem)) = (
            file.extension(),
            file.with_extension("").to_str().map(String::from),
        ) else {
            continue;
        };
        let format = if ext == "json" { "json" } else { "yaml" };
        // Rule and severity only: two samples name a resource differently in their two editions.
        by_format.entry((stem, format)).or_default().push(format!(
            "{} {}",
            f["rule_id"].as_str().unwrap(),
            f["severity"].as_str().unwrap()
        ));
    }
    let mut pairs = 0;
    for found in by_format.values_mut() {
        found.sort();
    }
    for ((stem, format), found) in &by_format {
        let both = Path::new(&format!("{stem}.json")).is_file()
            && Path::new(&format!("{stem}.yaml")).is_file();
        if *format == "json" && both {
            pairs += 1;
            let yaml = by_format.get(&(stem.clone(), "yaml"));
            assert_eq!(Some(found), yaml, "{stem}: JSON and YAML differ");
        }
    }
    assert!(pairs >= 100, "{pairs} templates compared");
}

#[test]
fn for_each_loops_expand_into_resources() {
    let (doc, _) = check(&[&fixture("foreach.yaml")]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Group22 foreach.yaml:19:15"]);
    assert_eq!(doc["summary"]["resources"], 2);
    let (doc, _) = check(&[&fixture("foreach.yaml"), "--parameter", "Ports=80,3389"]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Group3389 foreach.yaml:19:15"]);
}

#[test]
fn cfn_lint_metadata_and_sub_heavy_templates_parse() {
    let (doc, code) = check(&[&fixture("metadata.yaml")]);
    assert_eq!(errors(&doc), Vec::<String>::new());
    assert_eq!(findings(&doc), Vec::<String>::new());
    assert_eq!(doc["summary"]["resources"], 4);
    assert_eq!(code, 0);
    // The same template with SSH opened through the parameter is found.
    let (doc, _) = check(&[
        &fixture("metadata.yaml"),
        "--parameter",
        "VpcCidr=0.0.0.0/0",
    ]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Web metadata.yaml:62:11"]);
}

#[test]
fn sam_applications_with_a_local_location_are_nested_stacks() {
    let (doc, _) = check(&[&fixture("sam-app")]);
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 Shared/Admin nested/child.yaml:14:11"]
    );
    assert_eq!(
        related(&doc, 0),
        ["sam-app/app.yaml:8:9 parameter AdminCidr passed by nested stack Shared"]
    );
    assert_eq!(doc["summary"]["resources"], 3);
    assert_eq!(
        locations(&doc["notes"]),
        ["sam-app/app.yaml:12:7 nested stack FromRepository has no local template; its resources are not checked"]
    );
}

/// The built-in hard-coded-secret policies see through parameters, dynamic
/// references and SAM `Globals`.
#[test]
fn builtin_secret_policies_on_resolved_templates() {
    let (doc, _) = check(&[
        &fixture("dynamic-references.yaml"),
        &fixture("sam.yaml"),
        "--only",
        "TKN-SEC-00[12]",
    ]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-SEC-001 Literal dynamic-references.yaml:14:7",
            "TKN-SEC-001 FromDefault dynamic-references.yaml:34:7",
            "TKN-SEC-002 Handler sam.yaml:7:7",
            "TKN-SEC-002 Inherits sam.yaml:20:9",
        ]
    );
}

#[test]
fn conditions_decide_when_both_alternatives_agree_name_the_failing_one_and_unknown_values_are_undecided(
) {
    let only = ["--only", "TKN-NET-001", "--only", "TKN-IAM-001"];
    let (doc, code) = check(&[
        &fixture("choices.yaml"),
        "--strict",
        only[0],
        only[1],
        only[2],
        only[3],
    ]);
    assert_eq!(code, 1);
    let severities: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["resource"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        severities,
        [
            "BothOpen high",
            "Disagree high",
            "UnknownParameter info",
            "Imported info",
            "UnknownDocument info"
        ]
    );
    // Alternatives that disagree: the finding names the one that fails.
    let disagree = &doc["findings"][1];
    assert_eq!(
        disagree["when"],
        serde_json::json!([{"name": "IsInternal", "value": "false"}])
    );
    assert!(disagree["message"]
        .as_str()
        .unwrap()
        .ends_with("(when IsInternal = false)"));
    assert_eq!(doc["findings"][0].get("when"), None);
    let notes: Vec<(&str, u64)> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["message"].as_str().unwrap(), n["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        notes,
        [(
            "NotCreated: not created, its condition IsLegacy is false under the values given; \
             not checked",
            56
        )]
    );
}

/// An SSH-only rule merged with `<<` keeps its ports: SSH from the internet
/// is found, not "all ports"; from a private range it passes.
#[test]
fn yaml_merge_keys_are_applied() {
    let (doc, code) = check(&[
        &fixture("merge-keys.yaml"),
        "--only",
        "TKN-NET-001",
        "--only",
        "TKN-NET-004",
    ]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Open merge-keys.yaml:12:11"]);
    assert_eq!(
        doc["findings"][0]["message"],
        "port 22-22 is open to the internet"
    );
    assert_eq!(code, 1);
}

/// The Default of an SSM parameter type is the SSM parameter's name, not the
/// value: a password read from SSM is not a literal, whether its name is the
/// Default or given with --parameter.
#[test]
fn ssm_parameter_types_are_unknown() {
    let template = fixture("ssm-parameters.yaml");
    let only = ["--only", "TKN-SEC-001"];
    let (doc, code) = check(&[&template, only[0], only[1]]);
    assert_eq!(
        findings(&doc),
        ["TKN-SEC-001 LiteralDb ssm-parameters.yaml:25:7"]
    );
    assert_eq!(code, 1);
    let (doc, code) = check(&[
        &template,
        "--parameter",
        "FromSsm=/other/name",
        "--parameter",
        "Literal=/not/ssm",
        only[0],
        only[1],
    ]);
    assert_eq!(
        findings(&doc),
        ["TKN-SEC-001 LiteralDb ssm-parameters.yaml:25:7"]
    );
    assert_eq!((errors(&doc).len(), code), (0, 1));
}

/// `AllowedPattern`, `MinLength`/`MaxLength` and `MinValue`/`MaxValue` are
/// checked like `AllowedValues`: an error at the value, exit code 2; list
/// members are trimmed and checked one by one.
#[test]
fn parameter_constraints_are_checked() {
    let template = fixture("constraints.yaml");
    let (doc, code) = check(&[&template]);
    assert_eq!((findings(&doc).len(), errors(&doc).len(), code), (0, 0, 0));
    let (doc, code) = check(&[&template, "--parameter", "Cidr=0.0.0.0/0"]);
    assert_eq!(findings(&doc), ["TKN-NET-001 Admin constraints.yaml:31:11"]);
    assert_eq!(code, 1);
    let cases = [
        ("Cidr=anywhere", "constraints.yaml:3:3 'anywhere' (value from --parameter Cidr) does not match the AllowedPattern (\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2}) of parameter Cidr (an IPv4 CIDR block)"),
        ("Name=ab", "constraints.yaml:8:3 'ab' (value from --parameter Name) is shorter than the MinLength 3 of parameter Name"),
        ("Name=much-too-long", "constraints.yaml:8:3 'much-too-long' (value from --parameter Name) is longer than the MaxLength 8 of parameter Name"),
        ("Port=70000", "constraints.yaml:13:3 '70000' (value from --parameter Port) is greater than the MaxValue 65535 of parameter Port"),
        ("Zones=eu-west-1a, eu west", "constraints.yaml:18:3 'eu west' (value from --parameter Zones) does not match the AllowedPattern [a-z]+-[a-z]+-\\d[a-z] of parameter Zones"),
    ];
    for (arg, error) in cases {
        let (doc, code) = check(&[&template, "--parameter", arg]);
        assert_eq!(errors(&doc), [error], "{arg}");
        assert_eq!(code, 2, "{arg}");
    }
    let (doc, code) = check(&[
        &template,
        "--parameters",
        &fixture("params-constraints.json"),
    ]);
    assert_eq!(
        errors(&doc),
        [format!("params-constraints.json:2:46 '0' (parameter Port from {DIR}/params-constraints.json) is less than the MinValue 1 of parameter Port")]
    );
    assert_eq!(code, 2);
}

/// A JSON template with a missing comma is an error where the comma is
/// missing (CloudFormation refuses it too); the valid template beside it is
/// still linted.
#[test]
fn json_syntax_errors_are_errors() {
    let (doc, code) = check(&[&fixture("json-syntax")]);
    assert_eq!(
        errors(&doc),
        ["json-syntax/missing-comma.json:7:36 Expected comma"]
    );
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 Admin json-syntax/valid.json:9:63"]
    );
    assert_eq!(code, 2);
}

/// A nested stack whose template is not a local file is not followed, with a
/// note at its location; the rest of the template is linted, without errors.
#[test]
fn nested_stacks_without_a_local_template_are_notes() {
    let (doc, code) = check(&[&fixture("remote-stacks.yaml")]);
    assert_eq!(errors(&doc), Vec::<String>::new());
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 Admin remote-stacks.yaml:33:55"]
    );
    assert_eq!(code, 1);
    let end = "its resources are not checked";
    assert_eq!(
        locations(&doc["notes"]),
        [
            format!("remote-stacks.yaml:11:7 nested stack Https has its template at https://s3.amazonaws.com/templates/child.yaml, not in a local file; {end}"),
            format!("remote-stacks.yaml:15:7 nested stack S3 has its template at s3://templates/child.yaml, not in a local file; {end}"),
            format!("remote-stacks.yaml:19:7 nested stack Resolved has its template at {{{{resolve:ssm:/stacks/child-url}}}}, not in a local file; {end}"),
            format!("remote-stacks.yaml:23:7 nested stack Computed has a template location known only at deployment; {end}"),
            format!("remote-stacks.yaml:27:7 nested stack FromParameter has a template location known only at deployment; {end}"),
        ]
    );
}

/// Policy documents written as JSON strings and with `Fn::ToJsonString` are
/// checked like inline ones, pointing into the string when it is written
/// verbatim, at the whole `!Sub` otherwise, at the document with `Fn::ToJsonString`.
#[test]
fn policy_documents_in_strings_are_decoded() {
    let (doc, code) = check(&[&fixture("policy-strings.yaml"), "--only", "TKN-IAM-001"]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-IAM-001 Literal policy-strings.yaml:5:59",
            "TKN-IAM-001 Substituted policy-strings.yaml:9:23",
            "TKN-IAM-001 ToJson policy-strings.yaml:16:31",
            "TKN-IAM-001 AccountSid policy-strings.yaml:20:23",
        ]
    );
    assert_eq!(code, 1);
}

/// A SAM state machine becomes a Step Functions state machine and, when it
/// names no role, the role SAM generates with its `Policies`: an inline
/// statement allowing everything is found on that role.
#[test]
fn sam_state_machines_and_their_roles() {
    let (doc, code) = check(&[&fixture("sam-state-machine.yaml"), "--only", "TKN-IAM-*"]);
    assert_eq!(
        findings(&doc),
        ["TKN-IAM-001 OrdersRole sam-state-machine.yaml:17:15"]
    );
    assert_eq!(doc["findings"][0]["resource_type"], "AWS::IAM::Role");
    assert_eq!(code, 1);
    // Three state machines and two generated roles.
    assert_eq!(doc["summary"]["resources"], 5);
}

#[test]
fn empty_properties_set_nothing_and_properties_that_are_no_mapping_are_an_error() {
    let (doc, code) = check(&[&fixture("empty-properties.yaml"), "--only", "TKN-*"]);
    assert_eq!(
        errors(&doc),
        ["empty-properties.yaml:11:17 Listed: `Properties` must be a mapping"]
    );
    assert_eq!(code, 2);
    let found = findings(&doc);
    for expected in [
        "TKN-DATA-019 Key empty-properties.yaml:3:3",
        "TKN-LOG-001 Trail empty-properties.yaml:6:3",
        "TKN-DATA-019 Listed empty-properties.yaml:9:3",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} in {found:?}"
        );
    }
}

#[test]
fn a_policy_pointing_at_a_native_property_points_there() {
    let template = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      \
                    BucketName: b\n      AccessControl: PublicRead\n";
    // The assertion reads only the canonical properties; `at` points at
    // what is written.
    let (_dir, code, policies) = common::code_and_policy(
        ("t.yaml", template),
        "TEST-AT-001",
        "resource_types: [aws_s3_bucket]\nassert: \"!has(resource.acl)\"\n\
         at: native.AccessControl\nmessage: acl\n",
    );
    let (doc, _) = check(&[&code, "--policies", &policies, "--only", "TEST-AT-001"]);
    assert_eq!(doc["errors"], serde_json::json!([]));
    let found: Vec<(Value, Value)> = (doc["findings"].as_array().unwrap().iter())
        .map(|f| (f["line"].clone(), f["column"].clone()))
        .collect();
    assert_eq!(found, [(6.into(), 7.into())], "{doc}");
}
