//! Drives the real `tenken lsp` binary over stdio the way an editor does.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use lsp_client::{range, uri, Client};
use serde_json::{json, Value};

const MAIN_TF: &str = r#"# Réseau « web »
resource "aws_security_group" "web" {
  description = "accès web"

  ingress {
    description = "SSH — 😀"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = /* 😀 é */ var.open
  }
}
"#;

const VARIABLES_TF: &str = "variable \"open\" {\n  default = [\"0.0.0.0/0\"]\n}\n";

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Description: Réseau « web »
Resources:
  WebSG:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: accès web
      SecurityGroupIngress:
        - {Description: "SSH — 😀", IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
      SecurityGroupEgress:
        - {Description: "HTTPS out", IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}
"#;

#[test]
fn lints_buffers_as_they_are_edited() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("main.tf"), MAIN_TF).unwrap();
    std::fs::write(root.join("variables.tf"), VARIABLES_TF).unwrap();
    let mut client = Client::start(&root, json!({}));

    // Terraform: the value comes from variables.tf, read from disk.
    let tf = uri(&root.join("main.tf"));
    client.open(&tf, "terraform", MAIN_TF);
    let diags = client.diagnostics(&tf, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "TKN-NET-001");
    assert_eq!(d["source"], "tenken");
    assert_eq!(
        d["message"],
        "Security group allows SSH or RDP from the internet: \
         port 22-22 is open to the internet (aws_security_group.web)"
    );
    assert_eq!(d["severity"], 1);
    // `cidr_blocks = /* 😀 é */ var.open`: 32 characters but 33 UTF-16 units.
    assert_eq!(d["range"], range(9, 4, 9, 37));
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .starts_with("https://docs.aws.amazon.com/"));
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri(&root.join("variables.tf")));
    assert_eq!(related["location"]["range"]["start"]["line"], 1);
    assert!(related["message"].as_str().unwrap().contains("var.open"));

    // CloudFormation: 78 characters, 79 UTF-16 units before `CidrIp`.
    let cfn = uri(&root.join("template.yaml"));
    client.open(&cfn, "yaml", TEMPLATE);
    let diags = client.diagnostics(&cfn, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "TKN-NET-001");
    assert_eq!(diags[0]["range"], range(8, 79, 8, 96));

    // Hover on the diagnostic explains the rule.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": cfn}, "position": {"line": 8, "character": 85}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["result"]["contents"]["kind"], "markdown");
    assert!(text.contains("TKN-NET-001"), "{text}");
    assert!(text.contains("first line of defence"), "{text}");
    assert!(text.contains("CidrIp: 10.0.0.0/16"), "{text}");
    let nothing = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": cfn}, "position": {"line": 0, "character": 1}}),
    );
    assert_eq!(nothing["result"], Value::Null);

    // Code actions insert the suppression above the resource, with an
    // empty reason for the user to write.
    for (doc, line, text) in [
        (&cfn, 3, "  # tenken:ignore TKN-NET-001 \n"),
        (&tf, 1, "# tenken:ignore TKN-NET-001 \n"),
    ] {
        let at = if doc == &cfn {
            range(8, 79, 8, 96)
        } else {
            range(9, 4, 9, 37)
        };
        let actions = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": doc}, "range": at, "context": {"diagnostics": []}}),
        );
        // The rule's fix (removing the rule, unsafe) may come first.
        let action = (actions["result"].as_array().unwrap().iter())
            .find(|a| a["title"].as_str().unwrap().starts_with("Suppress"))
            .unwrap();
        assert_eq!(action["title"], "Suppress TKN-NET-001 for this resource");
        assert_eq!(action["kind"], "quickfix");
        let edit = &action["edit"]["changes"][doc.as_str()][0];
        assert_eq!(edit["range"], range(line, 0, line, 0));
        assert_eq!(edit["newText"], text);
    }

    // Incremental edit to the fixed form (UTF-16 positions): cleared.
    client.change(
        &cfn,
        2,
        json!([{"range": range(8, 87, 8, 96), "text": "10.0.0.0/16"}]),
    );
    assert_eq!(client.diagnostics(&cfn, 2), Vec::<Value>::new());

    // An unsaved variables.tf overrides the file on disk for main.tf.
    let vars = uri(&root.join("variables.tf"));
    client.open(&vars, "terraform", VARIABLES_TF);
    assert_eq!(client.diagnostics(&vars, 1), Vec::<Value>::new());
    assert_eq!(client.diagnostics(&tf, 1).len(), 1);
    client.change(
        &vars,
        2,
        json!([{"text": VARIABLES_TF.replace("0.0.0.0/0", "10.0.0.0/8")}]),
    );
    assert_eq!(client.diagnostics(&tf, 1), Vec::<Value>::new());

    // Two quick edits: only the newest version is published.
    client.change(&cfn, 3, json!([{"text": TEMPLATE}]));
    client.change(&cfn, 4, json!([{"text": TEMPLATE.replace("22", "443")}]));
    assert_eq!(client.diagnostics(&cfn, 4), Vec::<Value>::new());
    let stale = client
        .seen
        .iter()
        .any(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 3);
    assert!(
        !stale,
        "a result for version 3 was published after version 4"
    );

    // A parse error is a diagnostic at its position.
    client.change(
        &cfn,
        5,
        json!([{"text": "AWSTemplateFormatVersion: \"2010-09-09\"\nResources: [\n"}]),
    );
    let diags = client.diagnostics(&cfn, 5);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(diags[0].get("code"), None);
    assert_eq!(diags[0]["range"]["start"]["line"], 2);

    // Closing a buffer clears its diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": cfn}}),
    );
    let closed = client.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == cfn
            && m["params"]["version"].is_null()
    });
    assert_eq!(closed["params"]["diagnostics"], json!([]));

    // YAML that is not a template: no diagnostics, no errors.
    let other = uri(&root.join("docker-compose.yml"));
    client.open(&other, "yaml", "services:\n  web: {image: nginx\n");
    assert_eq!(client.diagnostics(&other, 1), Vec::<Value>::new());

    client.shutdown();
}

#[test]
fn survives_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::start(&root, json!({}));
    client.send_raw(b"{not json");
    client.send(json!({"jsonrpc": "2.0", "id": "x", "method": "textDocument/hover", "params": 7}));
    let invalid = client.wait(|m| m["id"] == "x");
    assert_eq!(invalid["error"]["code"], -32602);
    let unknown = client.request("tenken/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    client.notify("textDocument/didOpen", json!({"nonsense": true}));
    let cfn = uri(&root.join("t.json"));
    client.open(
        &cfn,
        "json",
        "{\"Resources\": {\"B\": {\"Type\": \"AWS::S3::Bucket\"",
    );
    let diags = client.diagnostics(&cfn, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], 1);
    client.shutdown();
}

const USER_POLICY: &str = r#"id: ACME-001
title: Security groups need a description
severity: low
checklist: house rule
rationale: Reviewers need to know what a security group is for.
remediation: Describe the security group.
resource_types: [aws_security_group]
assert: resource.?description.orValue("") != "temporary"
at: resource.description
"#;

#[test]
fn user_policies_apply_and_reload_when_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("policies")).unwrap();
    let policy = root.join("policies/acme-001.yaml");
    std::fs::write(&policy, USER_POLICY).unwrap();
    let mut client = Client::start(&root, json!({"policies": ["policies"], "debounceMs": 20}));
    let registration = client.wait(|m| m["method"] == "client/registerCapability");
    let watchers = &registration["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert!(watchers.to_string().contains(".tenken.yaml"));

    let tf = uri(&root.join("main.tf"));
    let text = "resource \"aws_security_group\" \"x\" {\n  description = \"temporary\"\n}\n";
    client.open(&tf, "terraform", text);
    let diags = client.diagnostics(&tf, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "ACME-001");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(diags[0]["range"], range(1, 2, 1, 27));

    std::fs::write(
        &policy,
        USER_POLICY.replace("severity: low", "severity: critical"),
    )
    .unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&policy), "type": 2}]}),
    );
    let diags = client.diagnostics(&tf, 1);
    assert_eq!(diags[0]["code"], "ACME-001");
    assert_eq!(diags[0]["severity"], 1);

    // The project configuration applies too: a severity override, then the rule off.
    let config = root.join(".tenken.yaml");
    std::fs::write(&config, "severity:\n  ACME-001: info\n").unwrap();
    let changed = json!({"changes": [{"uri": uri(&config), "type": 1}]});
    client.notify("workspace/didChangeWatchedFiles", changed.clone());
    let diags = client.diagnostics(&tf, 1);
    assert_eq!(diags[0]["code"], "ACME-001");
    assert_eq!(diags[0]["severity"], 3);
    std::fs::write(&config, "rules:\n  disable: [ACME-001]\n").unwrap();
    client.notify("workspace/didChangeWatchedFiles", changed);
    assert_eq!(client.diagnostics(&tf, 1), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn terraform_buffers_follow_local_modules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("sg")).unwrap();
    std::fs::write(
        root.join("sg/main.tf"),
        "variable \"cidrs\" {}\n\nresource \"aws_security_group\" \"this\" {\n  ingress {\n    description = \"SSH\"\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = var.cidrs\n  }\n}\n",
    )
    .unwrap();
    let caller = "module \"bastion\" {\n  source = \"./sg\"\n  cidrs  = [\"0.0.0.0/0\"]\n}\n";
    std::fs::write(root.join("main.tf"), caller).unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": 20}));
    let tf = uri(&root.join("main.tf"));
    // The unsaved buffer is what counts: open it with the open range.
    client.open(&tf, "terraform", caller);
    let diags = client.diagnostics(&tf, 1);
    let ssh: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "TKN-NET-001")
        .collect();
    assert_eq!(ssh.len(), 1, "{diags:?}");
    assert_eq!(ssh[0]["range"]["start"]["line"], 2, "{diags:?}");
    assert!(ssh[0]["message"]
        .as_str()
        .unwrap()
        .contains("module.bastion.aws_security_group.this"));
    client.shutdown();
}

#[test]
fn a_wrong_content_length_costs_only_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(dir.path(), json!({}));
    let lost = json!({"jsonrpc": "2.0", "id": "lost", "method": "tenken/unknown"});
    client.write(format!("Content-Length: 10\r\n\r\n{lost}").as_bytes());
    let answer = client.request("tenken/unknown", json!({}));
    assert_eq!(answer["error"]["code"], -32601);
    assert!(!client.seen.iter().any(|m| m["id"] == "lost"));
    assert!(
        client.stderr().contains("not JSON-RPC"),
        "{}",
        client.stderr()
    );
    client.shutdown();
}

#[test]
fn an_endless_header_line_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = Client::start(dir.path(), json!({}));
    client.write(&vec![b'x'; 1 << 20]);
    let answer = client.request("tenken/unknown", json!({}));
    assert_eq!(answer["error"]["code"], -32601);
    let mut digits = b"Content-Length: ".to_vec();
    digits.resize(1 << 20, b'9');
    client.write(&digits);
    let answer = client.request("tenken/unknown", json!({}));
    assert_eq!(answer["error"]["code"], -32601);
    let stderr = client.stderr();
    assert!(stderr.contains("skipped 1048576 bytes"), "{stderr}");
    assert!(stderr.contains("header line longer than"), "{stderr}");
    client.shutdown();
}

/// `TEMPLATE` padded with a comment to `bytes`.
fn padded_template(text: &str, bytes: usize) -> String {
    let mut padded = format!("{text}#");
    padded.extend(std::iter::repeat_n(
        'x',
        bytes.saturating_sub(text.len() + 2),
    ));
    padded.push('\n');
    padded
}

#[test]
fn fast_edits_of_a_large_buffer_stay_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::start_limited(2 << 20, &root, json!({}));
    let cfn = uri(&root.join("big.yaml"));
    let closed = padded_template(&TEMPLATE.replace("0.0.0.0/0", "10.0.0.0/8"), 2 << 20);
    client.open(&cfn, "yaml", &closed);
    for version in 2..=500 {
        let text = if version == 500 {
            padded_template(TEMPLATE, 2 << 20)
        } else {
            closed.clone()
        };
        client.change(&cfn, version, json!([{ "text": text }]));
    }
    let diags = client.diagnostics(&cfn, 500);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "TKN-NET-001");
    client.shutdown();
}

#[test]
fn exit_does_not_wait_for_a_lint_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": 0}));
    // Thousands of resources: linting takes far longer than the client waits.
    let mut text = String::from("Resources:\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b{i}\n"
        ));
    }
    let cfn = uri(&root.join("big.yaml"));
    client.open(&cfn, "yaml", &text);
    // Answered once the buffer is queued; the lint starts right away (the
    // pause only lets it start: if it has not, exiting is trivially prompt).
    client.request("tenken/unknown", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(500));
    client.shutdown();
}

#[test]
fn deeply_nested_files_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("sg")).unwrap();
    std::fs::write(
        root.join("sg/main.tf"),
        "variable \"tags\" {}\n\nresource \"aws_security_group\" \"this\" {\n  tags = var.tags\n}\n",
    )
    .unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": 0}));
    // Nearly as deep as the JSON parser allows.
    let depth = 250;
    let tags = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(
        "{{\"Resources\": {{\"B\": {{\"Type\": \"AWS::S3::Bucket\", \"Properties\": {{\"Tags\": {tags}}}}}}}}}"
    );
    let cfn = uri(&root.join("deep.json"));
    client.open(&cfn, "json", &text);
    let diags = client.diagnostics(&cfn, 1);
    assert!(
        diags.iter().any(|d| d["code"] == "TKN-DATA-001"),
        "{diags:?}"
    );
    // A module input as deep as HCL allows, evaluated while loading the modules.
    let mut value = "1".to_string();
    for _ in 0..31 {
        value = format!("{{a = [{value}]}}");
    }
    let caller = format!("module \"m\" {{\n  source = \"./sg\"\n  tags = {value}\n}}\n");
    let tf = uri(&root.join("main.tf"));
    client.open(&tf, "terraform", &caller);
    assert_eq!(client.diagnostics(&tf, 1), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn the_editor_reads_nothing_outside_the_workspace_folder() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    let root = top.join("workspace");
    std::fs::create_dir_all(top.join("outside")).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        top.join("outside/main.tf"),
        "resource \"aws_security_group\" \"leak\" {\n  description = \"FAKE-SECRET-lsp\"\n}\n",
    )
    .unwrap();
    let caller = "module \"out\" {\n  source = \"../outside\"\n}\n";
    std::fs::write(root.join("main.tf"), caller).unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": 20}));
    let tf = uri(&root.join("main.tf"));
    client.open(&tf, "terraform", caller);
    let diags = client.diagnostics(&tf, 1);
    let refused: Vec<&Value> = diags
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("outside the repository")
        })
        .collect();
    assert_eq!(refused.len(), 1, "{diags:?}");
    assert_eq!(refused[0]["range"]["start"]["line"], 1, "{diags:?}");
    assert!(!format!("{diags:?}").contains("FAKE-SECRET"), "{diags:?}");
    client.shutdown();
}

#[test]
fn opentofu_buffers_are_linted_as_terraform_and_replace_tf_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("variables.tf"), VARIABLES_TF).unwrap();
    let legacy = MAIN_TF.replace("\"web\"", "\"legacy\"");
    let closed = legacy.replace("var.open", "[\"10.0.0.0/8\"]");
    std::fs::write(root.join("legacy.tofu"), &closed).unwrap();
    let mut client = Client::start(&root, json!({"debounceMs": 20}));
    let main = uri(&root.join("main.tofu"));
    client.open(&main, "opentofu", MAIN_TF);
    let diags = client.diagnostics(&main, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "TKN-NET-001");
    assert_eq!(diags[0]["range"], range(9, 4, 9, 37));
    // legacy.tofu replaces legacy.tf, even when legacy.tf is open.
    let tf = uri(&root.join("legacy.tf"));
    client.open(&tf, "terraform", &legacy);
    assert_eq!(client.diagnostics(&tf, 1), Vec::<Value>::new());
    client.shutdown();
}

const OPEN_SSH_TF: &str = "resource \"aws_security_group\" \"web\" {
  ingress {
    description = \"ssh\"
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = [\"0.0.0.0/0\"]
  }
}
";

/// `(severity, message)` of each diagnostic.
fn shown(diags: &[Value]) -> Vec<(i64, String)> {
    diags
        .iter()
        .map(|d| {
            let message = d["message"].as_str().unwrap();
            (d["severity"].as_i64().unwrap(), message.to_string())
        })
        .collect()
}

#[test]
fn suppression_warnings_are_diagnostics_and_the_quick_fix_leaves_the_reason_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("main.tf"), OPEN_SSH_TF).unwrap();
    let snippets = json!({"workspaceEdit": {"snippetEditSupport": true}});
    let mut client = Client::start_capable(&root, json!({}), snippets);
    let tf = uri(&root.join("main.tf"));
    client.open(&tf, "terraform", OPEN_SSH_TF);
    let diags = client.diagnostics(&tf, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");

    // The client takes snippets: the reason is a tab stop, not a placeholder text.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": tf}, "range": diags[0]["range"], "context": {"diagnostics": []}}),
    );
    let change = &actions["result"][1]["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"], json!({"uri": tf, "version": 1}));
    let edit = &change["edits"][0];
    assert_eq!(edit["range"], range(0, 0, 0, 0));
    assert_eq!(
        edit["snippet"],
        json!({"kind": "snippet", "value": "# tenken:ignore TKN-NET-001 $1\n"})
    );

    // Left empty, the suppression warns where it is written and suppresses nothing.
    let empty = format!("# tenken:ignore TKN-NET-001 \n{OPEN_SSH_TF}");
    client.change(&tf, 2, json!([{"text": empty}]));
    let diags = client.diagnostics(&tf, 2);
    assert_eq!(
        shown(&diags),
        [
            (
                2,
                "suppression of TKN-NET-001 has no reason; it is not applied".to_string()
            ),
            (
                1,
                "Security group allows SSH or RDP from the internet: \
                 port 22-22 is open to the internet (aws_security_group.web)"
                    .to_string()
            ),
        ]
    );
    assert_eq!(diags[0]["range"]["start"]["line"], 0);

    // With a reason the finding is suppressed; an unknown rule, an unused
    // or an expired suppression warn as on the command line.
    let written = format!(
        "# tenken:ignore TKN-NET-001 reached only through the VPN\n\
         # tenken:ignore TKN-NOPE-999 typo\n\
         # tenken:ignore TKN-DATA-001 nothing to suppress here\n\
         {OPEN_SSH_TF}\
         # tenken:ignore TKN-NET-001 exp:2020-06-30 old\n\
         {}",
        OPEN_SSH_TF.replace("\"web\"", "\"old\"")
    );
    client.change(&tf, 3, json!([{"text": written}]));
    let diags = client.diagnostics(&tf, 3);
    let mut expected = vec![
        (
            2,
            "suppression names an unknown rule TKN-NOPE-999".to_string(),
        ),
        (
            2,
            "suppression of TKN-DATA-001 matches no finding".to_string(),
        ),
        (
            2,
            "suppression of TKN-NET-001 expired on 2020-06-30".to_string(),
        ),
    ];
    let got: Vec<(i64, String)> = shown(&diags)
        .into_iter()
        .filter(|(severity, _)| *severity == 2)
        .collect();
    expected.sort();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{diags:?}");
    // The expired suppression no longer applies: the old group's finding is back.
    let findings: Vec<&Value> = diags.iter().filter(|d| d["severity"] == 1).collect();
    assert_eq!(findings.len(), 1, "{diags:?}");
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("aws_security_group.old"));
    client.shutdown();
}

/// The editor runs `tenken check`'s pipeline: a parameter file from the
/// settings gives the template's value, as `--parameters` does.
#[test]
fn parameter_files_from_the_settings_apply_to_templates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let template = "AWSTemplateFormatVersion: \"2010-09-09\"
Parameters:
  Cidr: {Type: String, Default: 10.0.0.0/8}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {Description: ssh, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}
";
    std::fs::write(root.join("web.yaml"), template).unwrap();
    std::fs::write(
        root.join("prod.json"),
        "[{\"ParameterKey\": \"Cidr\", \"ParameterValue\": \"0.0.0.0/0\"}]\n",
    )
    .unwrap();
    let mut client = Client::start(&root, json!({"parameters": ["prod.json"]}));
    let web = uri(&root.join("web.yaml"));
    client.open(&web, "yaml", template);
    let diags = client.diagnostics(&web, 1);
    let ssh: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "TKN-NET-001")
        .collect();
    assert_eq!(ssh.len(), 1, "{diags:?}");
    let related = &ssh[0]["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], uri(&root.join("prod.json")));
    client.shutdown();
}

#[test]
fn the_quick_fix_applies_the_policys_fix_and_is_preferred_unless_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: data # the data key\n  Volume:\n    Type: AWS::EC2::Volume\n    Properties:\n      AvailabilityZone: eu-west-1a\n      Encrypted: false\n";
    std::fs::write(root.join("t.yaml"), text).unwrap();
    let mut client = Client::start(&root, json!({}));
    let doc = uri(&root.join("t.yaml"));
    client.open(&doc, "yaml", text);
    let diags = client.diagnostics(&doc, 1);
    let codes: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&"TKN-DATA-019"), "{diags:?}");
    assert!(codes.contains(&"TKN-DATA-002"), "{diags:?}");
    let actions_at = |client: &mut Client, code: &str| {
        let d = diags.iter().find(|d| d["code"] == code).unwrap().clone();
        client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": doc}, "range": d["range"], "context": {"diagnostics": [d]}}),
        )["result"]
            .as_array()
            .unwrap()
            .clone()
    };
    // Replacing the volume to encrypt it is offered, not preferred.
    let volume = actions_at(&mut client, "TKN-DATA-002");
    assert_eq!(
        volume[0]["title"],
        "Fix TKN-DATA-002 (unsafe: AWS replaces the resource, or it changes what the resource does)"
    );
    assert_eq!(volume[0]["isPreferred"], false);
    assert_eq!(
        volume[1]["title"],
        "Suppress TKN-DATA-002 for this resource"
    );
    let actions = actions_at(&mut client, "TKN-DATA-019");
    let fix = &actions[0];
    assert_eq!(fix["title"], "Fix TKN-DATA-019");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    let edits = fix["edit"]["changes"][doc.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"], range(4, 38, 4, 38));
    assert_eq!(edits[0]["newText"], "\n      EnableKeyRotation: true");
    // The editor applies the edit: the finding is gone, the comment kept.
    client.change(
        &doc,
        2,
        json!([{"range": edits[0]["range"], "text": edits[0]["newText"]}]),
    );
    let after = client.diagnostics(&doc, 2);
    let codes: Vec<&str> = after.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(!codes.contains(&"TKN-DATA-019"), "{after:?}");
    assert!(codes.contains(&"TKN-DATA-002"), "{after:?}");
    client.shutdown();
}
