//! Output formats on the real binary: SARIF validated against the official
//! SARIF 2.1.0 schema, JSON against our published schema, JUnit parsed as
//! XML, GitHub workflow commands, and several formats in one run.
//!
//! Schema validation uses Python's `jsonschema` (installed into a virtual
//! environment under the target folder on first use): it is the reference
//! validator for every draft, and a PyPI package keeps a heavy crate (with
//! its HTTP and regex stack) out of the build.

mod common;

use common::{root, schema_errors, stdout, tenken};
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/ci")
}

fn sarif() -> Value {
    let out = tenken(
        &fixtures(),
        &["check", "tf", "cfn/template.yaml", "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_str(&stdout(&out)).expect("SARIF is JSON")
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let out = tenken(
        &fixtures(),
        &["check", "tf", "cfn/template.yaml", "--format", "sarif"],
    );
    let errors = schema_errors(
        &root().join("tests/schemas/sarif-schema-2.1.0.json"),
        &stdout(&out),
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Code scanning resolves URIs against the checkout: an absolute path under
/// the working directory becomes relative, one outside it a `file:` URI.
#[test]
fn sarif_uris_of_absolute_paths() {
    let uri = |cwd: &std::path::Path, path: &std::path::Path| {
        let out = tenken(cwd, &["check", path.to_str().unwrap(), "--format", "sarif"]);
        let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let tf = fixtures().join("tf");
    assert_eq!(uri(&fixtures(), &tf), "tf/main.tf");
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(tf.join("main.tf"), outside.path().join("main.tf")).unwrap();
    let expected = format!("file://{}/main.tf", outside.path().display());
    assert_eq!(uri(&fixtures(), outside.path()), expected);
}

#[test]
fn sarif_has_rules_regions_fingerprints_and_suppressions() {
    let log = sarif();
    let run = &log["runs"][0];
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "TKN-NET-001");
    assert_eq!(
        rule["shortDescription"]["text"],
        "Security group allows SSH or RDP from the internet"
    );
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("```hcl"));
    assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    let results = run["results"].as_array().unwrap();
    let open = results
        .iter()
        .find(|r| r["properties"]["resource"] == "aws_security_group.open")
        .expect("a result for aws_security_group.open");
    assert_eq!(open["level"], "error");
    let loc = &open["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "tf/main.tf");
    assert_eq!(loc["region"]["startLine"], 11);
    assert_eq!(loc["region"]["startColumn"], 5);
    assert_eq!(loc["region"]["endColumn"], 33);
    // The value came from a variable default: a related location points at it.
    let related = &open["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(related["startLine"], 2);
    assert!(open["partialFingerprints"]["tenken/v1"]
        .as_str()
        .is_some_and(|f| f.len() == 32));
    assert!(open.get("suppressions").is_none());
    let suppressed: Vec<&str> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .map(|r| r["properties"]["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        suppressed,
        [
            "Bastion",
            "Jump",
            "aws_security_group.bastion",
            "aws_security_group.legacy"
        ]
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 4);
}

/// The fingerprint of each result, by resource.
fn fingerprints(dir: &std::path::Path) -> Vec<(String, String, u64)> {
    let out = tenken(dir, &["check", ".", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut v: Vec<(String, String, u64)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["resource"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["tenken/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn fingerprints_survive_unrelated_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let tf = std::fs::read_to_string(fixtures().join("tf/main.tf")).unwrap();
    std::fs::write(dir.path().join("main.tf"), &tf).unwrap();
    let before = fingerprints(dir.path());
    std::fs::write(
        dir.path().join("main.tf"),
        format!("# a comment\n\nlocals {{\n  x = 1\n}}\n{tf}"),
    )
    .unwrap();
    let after = fingerprints(dir.path());
    assert_eq!(before.len(), 5);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1));
        assert_eq!(b.2 + 5, a.2, "{} moved down 5 lines", b.0);
    }
    let distinct: std::collections::BTreeSet<&String> = before.iter().map(|b| &b.1).collect();
    assert_eq!(distinct.len(), before.len());
}

#[test]
fn json_is_valid_against_the_published_schema() {
    let out = tenken(
        &fixtures(),
        &["check", "tf", "cfn/template.yaml", "--format", "json"],
    );
    let text = stdout(&out);
    let errors = schema_errors(&root().join("docs/schemas/report.schema.json"), &text);
    assert!(errors.is_empty(), "{errors:#?}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["summary"]["findings"], 4);
    assert_eq!(doc["summary"]["suppressed"], 4);
    assert_eq!(doc["summary"]["warnings"], 4);
    assert_eq!(
        doc["suppressed"][0]["suppression"]["reason"],
        "bastion behind the VPN"
    );
    // The schema is strict: an unknown field fails validation.
    let mut bad = doc.clone();
    bad["findings"][0]["surprise"] = Value::Bool(true);
    let errors = schema_errors(
        &root().join("docs/schemas/report.schema.json"),
        &bad.to_string(),
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

#[test]
fn junit_has_a_case_per_policy_and_resource() {
    let out = tenken(
        &fixtures(),
        &["check", "tf", "cfn/template.yaml", "--format", "junit"],
    );
    let xml = stdout(&out);
    // Parsed by a real XML parser (Python's standard library).
    let python = common::python_with("jsonschema", &["jsonschema==4.*"]);
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
for case in root.iter("testcase"):
    state = "failure" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None else "pass"
    print(case.get("classname"), case.get("name"), state)
print("totals", root.get("tests"), root.get("failures"))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(parsed.status.success(), "not well-formed XML:\n{xml}");
    let lines = String::from_utf8(parsed.stdout).unwrap();
    let expected = "\
TKN-NET-001 Bastion (cfn/template.yaml) skipped
TKN-NET-001 Jump (cfn/template.yaml) skipped
TKN-NET-001 Open (cfn/template.yaml) failure
TKN-NET-001 aws_security_group.bastion (tf/main.tf) skipped
TKN-NET-001 aws_security_group.closed (tf/main.tf) pass
TKN-NET-001 aws_security_group.legacy (tf/main.tf) skipped
TKN-NET-001 aws_security_group.noreason (tf/main.tf) failure
TKN-NET-001 aws_security_group.open (tf/main.tf) failure
TKN-NET-001 aws_security_group.other (tf/main.tf) pass
TKN-NET-001 aws_security_group.rdp (tf/main.tf) failure
totals 10 4
";
    assert_eq!(lines, expected);
}

#[test]
fn github_annotations_point_at_the_finding() {
    let out = tenken(&fixtures(), &["check", "tf", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=tf/main.tf,line=11,col=5,endLine=11,endColumn=33,\
         title=TKN-NET-001 [high] Security group allows SSH or RDP from the internet\
         ::port 22-22 is open to the internet (aws_security_group.open)"
    );
    assert!(text.contains(
        "::warning file=tf/main.tf,line=44,col=1,endLine=44,endColumn=28,title=tenken warning\
         ::suppression of TKN-NET-001 has no reason; it is not applied\n"
    ));
    assert_eq!(text.lines().count(), 3 + 4);
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("results.sarif");
    let json = dir.path().join("report.json");
    let out = tenken(
        &fixtures(),
        &[
            "check",
            "cfn/template.yaml",
            "--format",
            "human",
            "--format",
            &format!("sarif={}", sarif.display()),
            "--format",
            &format!("json={}", json.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let human = stdout(&out);
    assert!(human.contains("TKN-NET-001"), "{human}");
    assert!(human.contains("1 file, 3 resources: 1 finding (1 high), 2 suppressed"));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 3);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(doc["findings"][0]["resource"], "Open");
    assert_eq!(doc["findings"][0]["line"], 11);
}

#[test]
fn output_takes_the_format_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = tenken(
        &fixtures(),
        &[
            "check",
            "cfn",
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<failure type=\"high\""));
    let out = tenken(
        &fixtures(),
        &[
            "check", "cfn", "--format", "junit", "--format", "json", "--output", "x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let out = tenken(
        &fixtures(),
        &["check", "tf", "cfn/template.yaml", "--format", "xml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("unknown format 'xml'"));
}

#[test]
fn fixes_are_in_json_and_sarif_and_both_are_valid() {
    let examples = root().join("examples");
    let args = |format: &'static str| {
        [
            "check",
            "terraform/vulnerable",
            "cloudformation/vulnerable.yaml",
            "--format",
            format,
            "--only",
            "TKN-NET-*",
            "--only",
            "TKN-DATA-*",
            "--only",
            "TKN-LOG-*",
        ]
    };
    let json = stdout(&tenken(&examples, &args("json")));
    let errors = schema_errors(&root().join("docs/schemas/report.schema.json"), &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let sarif = stdout(&tenken(&examples, &args("sarif")));
    let errors = schema_errors(
        &root().join("tests/schemas/sarif-schema-2.1.0.json"),
        &sarif,
    );
    assert!(errors.is_empty(), "{errors:#?}");

    let doc: Value = serde_json::from_str(&json).unwrap();
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(findings.len(), results.len());
    let with_edits: Vec<&Value> = (findings.iter())
        .filter(|f| f["fix"]["edits"].is_array())
        .collect();
    assert!(with_edits.len() >= 4, "{doc:#}");
    // A volume is replaced to encrypt it: marked unsafe in both.
    let volume = (findings.iter())
        .position(|f| {
            f["rule_id"] == "TKN-DATA-002" && f["file"] == "cloudformation/vulnerable.yaml"
        })
        .unwrap();
    assert_eq!(findings[volume]["fix"]["unsafe"], true);
    let fix = &results[volume]["fixes"][0];
    assert_eq!(fix["properties"]["unsafe"], true);
    assert!(fix["description"]["text"]
        .as_str()
        .unwrap()
        .starts_with("set encrypted = true"));
    // SARIF's replacements are the JSON report's edits, finding by finding.
    for (f, r) in findings.iter().zip(results) {
        assert_eq!(f["rule_id"], r["ruleId"]);
        let Some(edits) = f["fix"]["edits"].as_array() else {
            assert!(r.get("fixes").is_none(), "{r:#}");
            continue;
        };
        let change = &r["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], edits[0]["file"]);
        let replaced = &change["replacements"][0];
        assert_eq!(replaced["insertedContent"]["text"], edits[0]["text"]);
        assert_eq!(
            replaced["deletedRegion"]["startLine"],
            edits[0]["start"]["line"]
        );
        assert_eq!(
            replaced["deletedRegion"]["endColumn"],
            edits[0]["end"]["column"]
        );
    }
    // A fix that is not offered says why, and SARIF has no fix for it.
    let dir = tempfile::tempdir().unwrap();
    let rule = "resource \"aws_security_group\" \"db\" {}\nresource \"aws_vpc_security_group_ingress_rule\" \"ssh\" {\n  security_group_id = aws_security_group.db.id\n  ip_protocol       = \"tcp\"\n  from_port         = 22\n  to_port           = 22\n  cidr_ipv4         = \"0.0.0.0/0\"\n}\n";
    std::fs::write(dir.path().join("main.tf"), rule).unwrap();
    let check = |format| {
        stdout(&tenken(
            dir.path(),
            &["check", ".", "--only", "TKN-NET-001", "--format", format],
        ))
    };
    let json = check("json");
    let errors = schema_errors(&root().join("docs/schemas/report.schema.json"), &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["findings"][0]["fix"]["unavailable"],
        "the element is not written in the resource (a resource of its own?)"
    );
    assert!(doc["findings"][0]["fix"].get("edits").is_none());
    let log: Value = serde_json::from_str(&check("sarif")).unwrap();
    assert!(log["runs"][0]["results"][0].get("fixes").is_none());
}
