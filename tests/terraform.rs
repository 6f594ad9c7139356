//! Terraform evaluated like Terraform: the real binary over fixtures in
//! tests/fixtures/terraform, with exact findings and positions.

mod common;

use common::findings;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FIXTURES: &str = "tests/fixtures/terraform";

/// Runs `tenken check --format json` with extra arguments and environment,
/// with the SSH/RDP policy and the fixtures' own policies only.
fn check(args: &[&str], env: &[(&str, &str)]) -> (Value, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(["--only", "TKN-NET-001", "--only", "TEST-*"])
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("tenken runs");
    let doc = serde_json::from_slice(&out.stdout).expect("JSON output");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (doc, stderr, out.status.code().unwrap_or(-1))
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

#[test]
fn cidr_from_tfvars_points_at_the_attribute_and_the_tfvars_line() {
    let (doc, _, code) = check(&[&fixture("tfvars")], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.admin tests/fixtures/terraform/tfvars/main.tf:13:5 \
          <- tests/fixtures/terraform/tfvars/terraform.tfvars:2:15"
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn a_variables_file_alone_lints_its_module() {
    // What pre-commit does when only terraform.tfvars changed.
    let (doc, _, code) = check(&[&fixture("tfvars/terraform.tfvars")], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.admin tests/fixtures/terraform/tfvars/main.tf:13:5 \
          <- tests/fixtures/terraform/tfvars/terraform.tfvars:2:15"
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn var_flags_override_tfvars_and_the_environment_does_not() {
    let (doc, _, _) = check(
        &[&fixture("tfvars"), "--var", "admin_cidrs=[\"10.1.0.0/16\"]"],
        &[],
    );
    assert_eq!(findings(&doc), Vec::<String>::new());
    let closed = fixture("tfvars/closed.tfvars");
    let (doc, _, _) = check(&[&fixture("tfvars"), "--var-file", &closed], &[]);
    assert_eq!(findings(&doc), Vec::<String>::new());
    // terraform.tfvars takes precedence over TF_VAR_ variables.
    let env = [("TF_VAR_admin_cidrs", "[\"10.2.0.0/16\"]")];
    let (doc, _, _) = check(&[&fixture("tfvars")], &env);
    assert_eq!(findings(&doc).len(), 1);
}

#[test]
fn json_var_file_points_into_the_json() {
    let open = fixture("tfvars/open.tfvars.json");
    let (doc, _, _) = check(&[&fixture("tfvars"), "--var-file", &open], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.admin tests/fixtures/terraform/tfvars/main.tf:13:5 \
          <- tests/fixtures/terraform/tfvars/open.tfvars.json:2:18"
        ]
    );
}

#[test]
fn module_input_points_at_the_caller_and_the_module() {
    let (doc, _, _) = check(&[&fixture("module")], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 module.bastion.aws_security_group.this \
             tests/fixtures/terraform/module/main.tf:5:19 \
             <- tests/fixtures/terraform/module/modules/sg/main.tf:11:19",
            // A rule attached through a module output folds into the module's group.
            "TKN-NET-001 module.internal.aws_security_group.this \
             tests/fixtures/terraform/module/main.tf:25:3",
        ]
    );
    // The module folder is linted through its callers only: two instances
    // (the rule is folded into its group).
    assert_eq!(doc["summary"]["resources"], 2);
    assert_eq!(
        doc["notes"][0]["file"],
        "tests/fixtures/terraform/module/main.tf"
    );
    assert_eq!(doc["notes"][0]["line"], 14);
    assert!(doc["notes"][0]["message"].as_str().unwrap().starts_with(
        "module \"remote\": source \"terraform-aws-modules/security-group/aws\" is not local"
    ));
    assert!(doc["errors"].as_array().unwrap().is_empty());
}

#[test]
fn count_expands_instances_and_names_the_public_one() {
    let policies = fixture("policies");
    let (doc, _, _) = check(&[&fixture("count"), "--policies", &policies], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TEST-SUBNET-001 aws_subnet.private[1] tests/fixtures/terraform/count/main.tf:16:3 \
          <- tests/fixtures/terraform/count/main.tf:3:33"
        ]
    );
    // One VPC and three subnets.
    assert_eq!(doc["summary"]["resources"], 4);
    assert_eq!(
        doc["findings"][0]["message"],
        "aws_subnet.private[1] maps public IP addresses on launch"
    );
}

#[test]
fn unknown_values_give_no_finding_unless_strict() {
    let (doc, _, code) = check(&[&fixture("unknown")], &[]);
    assert_eq!(findings(&doc), Vec::<String>::new());
    assert_eq!(code, 0);
    let (doc, _, _) = check(&[&fixture("unknown"), "--strict"], &[]);
    let undecided: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        undecided,
        [
            "aws_security_group.from_variable",
            "aws_security_group.from_data"
        ]
    );
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "info"));
}

#[test]
fn a_module_calling_itself_stops_with_an_error() {
    let (doc, _, code) = check(&[&fixture("recursive")], &[]);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("module cycle"));
    assert_eq!(code, 2);
}

/// The published VPC module and its examples: no crash, no parse error.
#[test]
fn real_world_vpc_module_is_read_without_errors() {
    let corpus = "../shared/corpus/terraform-aws-vpc";
    if !Path::new(env!("CARGO_MANIFEST_DIR")).join(corpus).is_dir() {
        eprintln!("note: {corpus} is absent; skipped");
        return;
    }
    let (doc, _, code) = check(&[corpus], &[]);
    assert_eq!(doc["errors"], serde_json::json!([]));
    assert!(doc["summary"]["resources"].as_u64().unwrap() > 300);
    for f in findings(&doc) {
        eprintln!("{f}");
    }
    assert!(code == 0 || code == 1);
}

#[test]
fn plan_json_findings_name_addresses_and_point_at_resource_objects() {
    let plan = fixture("plan/plan.json");
    let (doc, _, _) = check(&[&plan], &[]);
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.admin tests/fixtures/terraform/plan/plan.json:8:11",
            "TKN-NET-001 module.bastion.aws_security_group.this[0] \
             tests/fixtures/terraform/plan/plan.json:32:15",
        ]
    );
    assert!(doc["notes"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("a plan carries no source positions"));
    // A CIDR known only after apply is undecided, not a finding.
    let (doc, _, _) = check(&[&plan, "--strict"], &[]);
    assert_eq!(
        doc["findings"][2]["resource"],
        "module.bastion.aws_security_group.later[0]"
    );
    assert_eq!(doc["findings"][2]["severity"], "info");
}

#[test]
fn tf_json_files_evaluate_like_hcl() {
    let (doc, _, _) = check(&[&fixture("json")], &[]);
    assert_eq!(
        findings(&doc),
        [
            // A module called from JSON, its input coming from a variable default.
            "TKN-NET-001 module.ssh.aws_security_group.this \
             tests/fixtures/terraform/json/main.tf.json:12:7 \
             <- tests/fixtures/terraform/json/main.tf.json:5:18",
            // Only the count instance for port 22.
            "TKN-NET-001 aws_security_group.admin[0] \
             tests/fixtures/terraform/json/main.tf.json:28:13 \
             <- tests/fixtures/terraform/json/main.tf.json:5:18",
        ]
    );
    assert_eq!(doc["summary"]["resources"], 3);
    assert_eq!(
        doc["findings"][1]["message"],
        "port 22-22 is open to the internet"
    );
}

#[test]
fn modules_installed_by_terraform_init_are_followed() {
    let (doc, _, _) = check(&[&fixture("installed")], &[]);
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 module.sg.aws_security_group.this \
          tests/fixtures/terraform/installed/main.tf:5:11 \
          <- tests/fixtures/terraform/installed/.terraform/modules/sg/main.tf:10:19"]
    );
    assert_eq!(doc["notes"], serde_json::json!([]));
}

#[test]
fn a_broken_tfvars_file_is_an_error_and_the_module_is_still_linted() {
    let (doc, _, code) = check(&[&fixture("bad-tfvars")], &[]);
    assert_eq!(
        doc["errors"],
        serde_json::json!([{
            "file": "tests/fixtures/terraform/bad-tfvars/terraform.tfvars",
            "message": "expected `]`",
            "line": 2,
            "column": 1,
            "end_line": 2,
            "end_column": 1
        }])
    );
    // The default applies, as the file could not be read.
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.open tests/fixtures/terraform/bad-tfvars/main.tf:11:5 \
          <- tests/fixtures/terraform/bad-tfvars/main.tf:3:13"
        ]
    );
    assert_eq!(code, 2);
}

#[test]
fn plan_json_links_resources_through_configuration_references_and_known_ids() {
    let plan = fixture("plan/links.json");
    let (doc, stderr, code) = check(&[&plan, "--only", "TKN-NET-002"], &[]);
    assert_eq!(code, 1, "{stderr}");
    // `each.value.id` over `for_each = aws_vpc.env` names the "blue" VPC;
    // a plain reference names `single`; the known id names `legacy`.
    assert_eq!(
        findings(&doc),
        ["TKN-NET-002 aws_vpc.env[\"green\"] tests/fixtures/terraform/plan/links.json:21:11"]
    );
}

#[test]
fn references_reach_module_instances_and_the_resources_behind_their_outputs() {
    let vpcs = fixture("module-instances");
    for strict in [&[][..], &["--strict"]] {
        let (doc, _, code) = check(
            &[&[&vpcs[..], "--only", "TKN-NET-002"], strict].concat(),
            &[],
        );
        // `module.vpc["a"].vpc_id`, `each.value.vpc_id` over `module.logged`
        // and a filtered map of ids from a module output each decide their
        // VPC: nothing is left undecided, even in strict mode.
        assert_eq!(
            findings(&doc),
            [
                "TKN-NET-002 module.network.aws_vpc.env[\"legacy\"] \
                 tests/fixtures/terraform/module-instances/modules/network/main.tf:5:1",
                "TKN-NET-002 module.vpc[\"b\"].aws_vpc.this \
                 tests/fixtures/terraform/module-instances/modules/vpc/main.tf:5:1",
            ]
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn conditions_decide_when_both_alternatives_agree_name_the_failing_one_and_unknown_elements_are_undecided(
) {
    let dir = fixture("choices");
    let (doc, stderr, code) = check(&[&dir, "--strict", "--only", "TKN-IAM-001"], &[]);
    assert_eq!(code, 1, "{stderr}");
    let severities: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("resource"), s("severity"))
        })
        .collect();
    let expected = [
        ("aws_security_group.both_open", "high"),
        ("aws_security_group.disagree", "high"),
        ("aws_security_group.unknown_element", "info"),
        ("aws_iam_policy.unknown_document", "info"),
        ("aws_security_group.nested_unknown", "info"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect();
    assert_eq!(severities, expected);
    // Alternatives that disagree: the finding names the one that fails.
    let disagree = &doc["findings"][1];
    assert_eq!(
        disagree["when"],
        serde_json::json!([{"name": "var.internal", "value": "false"}])
    );
    assert!(disagree["message"]
        .as_str()
        .unwrap()
        .ends_with("(when var.internal = false)"));
    let notes: Vec<(&str, u64)> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["message"].as_str().unwrap(), n["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "aws_security_group.not_created: not created, its count or for_each is empty \
                 under the values given; not checked",
                46
            ),
            (
                "dynamic \"ingress\": its for_each is not known before apply; linted as one \
                 block whose key and value are unknown",
                68
            )
        ]
    );
}

#[test]
fn opentofu_files_are_read_and_replace_terraform_files_of_the_same_name() {
    let (doc, stderr, code) = check(&[&fixture("tofu")], &[]);
    assert_eq!(code, 1, "{stderr}");
    // main.tf and db.tf.json are replaced by main.tofu and db.tofu.json,
    // which close SSH; legacy.tf has no replacement.
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.admin tests/fixtures/terraform/tofu/admin.tofu:6:5",
            "TKN-NET-001 aws_security_group.jump tests/fixtures/terraform/tofu/jump.tofu.json:1:111",
            "TKN-NET-001 aws_security_group.legacy tests/fixtures/terraform/tofu/legacy.tf:7:5",
        ]
    );
    assert_eq!(doc["errors"], serde_json::json!([]));
}

#[test]
fn an_override_file_that_closes_access_leaves_no_finding() {
    let (doc, stderr, code) = check(&[&fixture("overrides-close")], &[]);
    assert_eq!(code, 1, "{stderr}");
    // web's ingress blocks, admin's local and db's variable are overridden;
    // other's override sets only its description, so its ingress remains.
    assert_eq!(
        findings(&doc),
        ["TKN-NET-001 aws_security_group.other tests/fixtures/terraform/overrides-close/main.tf:41:5"]
    );
    assert_eq!(doc["errors"], serde_json::json!([]));
}

#[test]
fn an_override_file_that_opens_access_is_where_the_finding_points() {
    let dir = fixture("overrides-open");
    let (doc, stderr, code) = check(&[&dir, "--only", "TKN-IAM-001"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        findings(&doc),
        [
            "TKN-NET-001 aws_security_group.off[0] tests/fixtures/terraform/overrides-open/main.tf:16:5",
            "TKN-NET-001 module.sg.aws_security_group.this \
             tests/fixtures/terraform/overrides-open/module_override.tf:2:11 \
             <- tests/fixtures/terraform/overrides-open/sg/main.tf:8:19",
            "TKN-NET-001 aws_security_group.web tests/fixtures/terraform/overrides-open/web_override.tf:8:7",
            "TKN-IAM-001 aws_iam_policy.app tests/fixtures/terraform/overrides-open/web_override.tf:19:5 \
             <- tests/fixtures/terraform/overrides-open/main.tf:28:12",
        ]
    );
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], format!("{dir}/web_override.tf"));
    assert_eq!(errors[0]["line"], 25);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("resource.aws_security_group.ghost"));
}

#[test]
fn a_policy_reading_native_sees_what_is_written() {
    let main = r#"resource "aws_s3_bucket" "counted" {
  count  = 1
  bucket = "a"
}

resource "aws_s3_bucket" "plain" {
  bucket = "b"
}
"#;
    // `count` is a meta-argument: it is in what is written (`native`), not
    // in the canonical properties.
    let (_dir, code, policies) = common::code_and_policy(
        ("main.tf", main),
        "TEST-NATIVE-001",
        "resource_types: [aws_s3_bucket]
\
         assert: \"!has(native.count) && !has(resource.count)\"\nmessage: counted\n",
    );
    let (doc, stderr, _) = check(&[&code, "--policies", &policies], &[]);
    let mut ids: Vec<String> = (doc["findings"].as_array().unwrap().iter())
        .map(|f| format!("{} {}", f["rule_id"], f["resource"]))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [r#""TEST-NATIVE-001" "aws_s3_bucket.counted[0]""#],
        "{stderr}"
    );
    assert_eq!(doc["errors"], serde_json::json!([]));
}
