//! `tenken check --fix`, `--diff` and `--unsafe-fixes` end to end, on copies
//! of the examples, and the places tenken refuses to write.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tenken(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run tenken")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The rule ids of the findings `tenken check --format json` reports in `dir`.
fn rules(dir: &Path) -> Vec<String> {
    let out = tenken(dir, &["check", "--format", "json", "."]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// A copy of both vulnerable examples.
fn examples() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    std::fs::create_dir(root.join("tf")).unwrap();
    for name in ["main.tf", "variables.tf"] {
        let from = examples.join("terraform/vulnerable").join(name);
        std::fs::copy(from, root.join("tf").join(name)).unwrap();
    }
    let template = examples.join("cloudformation/vulnerable.yaml");
    std::fs::copy(template, root.join("template.yaml")).unwrap();
    (dir, root)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn diff_writes_nothing_and_fix_applies_what_it_showed() {
    let (_dir, root) = examples();
    let files = [root.join("tf/main.tf"), root.join("template.yaml")];
    let before: Vec<String> = files.iter().map(|f| read(f)).collect();
    let found = rules(&root);
    assert!(found.contains(&"TKN-LOG-001".to_string()), "{found:?}");

    let diff = tenken(&root, &["check", "--diff", "--unsafe-fixes", "."]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    let shown = String::from_utf8_lossy(&diff.stdout).into_owned();
    assert!(
        shown.contains("--- a/tf/main.tf\n+++ b/tf/main.tf\n"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "-  enable_log_file_validation = false\n+  enable_log_file_validation = true\n"
        ),
        "{shown}"
    );
    assert!(shown.contains("+  encrypted         = true\n"), "{shown}");
    assert!(
        stderr(&diff).contains("nothing written"),
        "{}",
        stderr(&diff)
    );
    let unchanged: Vec<String> = files.iter().map(|f| read(f)).collect();
    assert_eq!(unchanged, before, "--diff wrote a file");

    let fixed = tenken(
        &root,
        &["check", "--fix", "--unsafe-fixes", "--exit-zero", "."],
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    let after: Vec<String> = files.iter().map(|f| read(f)).collect();
    assert_ne!(after, before);
    // What the diff showed is what was written.
    for (file, (old, new)) in ["tf/main.tf", "template.yaml"]
        .iter()
        .zip(before.iter().zip(&after))
    {
        let header = format!("--- a/{file}\n");
        if old != new {
            assert!(
                shown.contains(&header),
                "{file} changed but was not in the diff"
            );
        }
    }
    let left = rules(&root);
    assert!(left.len() < found.len(), "{found:?} -> {left:?}");
    for fixed_rule in ["TKN-LOG-001", "TKN-DATA-002"] {
        assert!(found.contains(&fixed_rule.to_string()), "{found:?}");
        assert!(!left.contains(&fixed_rule.to_string()), "{left:?}");
    }
    // Lines the diff did not show removed are as they were, comments included.
    let old_lines: Vec<&str> = before[1].lines().collect();
    let kept = after[1].lines().filter(|l| old_lines.contains(l)).count();
    let template_diff = &shown[shown.find("--- a/template.yaml").unwrap()..];
    let removed = (template_diff.lines().skip(2))
        .take_while(|l| !l.starts_with("--- a/"))
        .filter(|l| l.starts_with('-'))
        .count();
    assert!(
        removed < 10 && kept + removed >= old_lines.len(),
        "{}",
        after[1]
    );
    // A second run has nothing left to fix.
    let again = tenken(&root, &["check", "--diff", "--unsafe-fixes", "."]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn unsafe_fixes_wait_for_the_flag_and_the_output_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tf = "resource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  encrypted         = false # for now\n}\n";
    std::fs::write(root.join("main.tf"), tf).unwrap();
    let out = tenken(&root, &["check", "--fix", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(&root.join("main.tf")), tf);
    assert!(
        stderr(&out).contains("note: TKN-DATA-002 on aws_ebs_volume.v: not fixed: the fix is unsafe (AWS replaces the resource, or it changes what the resource does); apply it with --unsafe-fixes"),
        "{}",
        stderr(&out)
    );
    let out = tenken(&root, &["check", "--fix", "--unsafe-fixes", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("main.tf")),
        tf.replace("false # for now", "true # for now")
    );
}

#[test]
fn a_value_from_a_variable_is_fixed_where_it_is_written_only_when_nothing_else_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let one = "variable \"validate\" {\n  default = false\n}\n\nresource \"aws_cloudtrail\" \"a\" {\n  name                       = \"a\"\n  s3_bucket_name             = \"b\"\n  is_multi_region_trail      = true\n  enable_log_file_validation = var.validate\n}\n";
    std::fs::write(root.join("main.tf"), one).unwrap();
    let out = tenken(&root, &["check", "--fix", "--exit-zero", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("main.tf")),
        one.replace("default = false", "default = true")
    );

    let two = format!("{one}\nresource \"aws_cloudtrail\" \"b\" {{\n  name                       = \"b\"\n  s3_bucket_name             = \"b\"\n  is_multi_region_trail      = true\n  enable_log_file_validation = var.validate\n}}\n");
    std::fs::write(root.join("main.tf"), &two).unwrap();
    let out = tenken(&root, &["check", "--fix", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(read(&root.join("main.tf")), two);
    let err = stderr(&out);
    assert!(
        err.contains("note: TKN-LOG-001 on aws_cloudtrail.a: not fixed: it comes from"),
        "{err}"
    );
    assert!(
        err.contains("which 2 resources use; change it there"),
        "{err}"
    );
}

#[test]
fn a_variable_used_by_one_block_with_count_is_fixed_for_its_instances() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tf = "variable \"enc\" {\n  default = false\n}\n\nresource \"aws_ebs_volume\" \"v\" {\n  count             = 2\n  availability_zone = \"eu-west-1a\"\n  encrypted         = var.enc\n}\n";
    std::fs::write(root.join("main.tf"), tf).unwrap();
    let only = ["--only", "TKN-DATA-002", "--unsafe-fixes"];
    let out = tenken(&root, &[&["check", "--fix", "."], &only[..]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("main.tf")),
        tf.replace("default = false", "default = true")
    );
}

#[test]
fn opentofu_files_are_fixed_as_terraform() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tofu = "resource \"aws_kms_key\" \"k\" {\n  description = \"k\"\n}\n";
    std::fs::write(root.join("main.tofu"), tofu).unwrap();
    let out = tenken(&root, &["check", "--fix", "--only", "TKN-DATA-019", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("main.tofu")),
        tofu.replace("\"k\"\n}", "\"k\"\n  enable_key_rotation = true\n}")
    );
}

#[test]
fn a_block_whose_lines_a_brace_in_a_heredoc_cuts_short_is_found_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tf = "resource \"aws_kms_key\" \"k\" {\n  description = <<EOT\n}\nEOT\n}\n";
    std::fs::write(root.join("main.tf"), tf).unwrap();
    let out = tenken(&root, &["check", "--fix", "--only", "TKN-DATA-019", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("main.tf")),
        tf.replace("\nEOT\n}", "\nEOT\n  enable_key_rotation = true\n}")
    );
}

#[test]
fn a_parameter_default_is_not_fixed_to_a_value_its_allowed_values_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let template = "Parameters:\n  Enc:\n    Type: String\n    Default: \"false\"\n    AllowedValues: [\"false\"]\nResources:\n  V:\n    Type: AWS::EC2::Volume\n    Properties:\n      AvailabilityZone: a\n      Encrypted: !Ref Enc\n";
    std::fs::write(root.join("t.yaml"), template).unwrap();
    let args = [
        "check",
        "--fix",
        "--unsafe-fixes",
        "--only",
        "TKN-DATA-002",
        ".",
    ];
    let out = tenken(&root, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(read(&root.join("t.yaml")), template);
    let err = stderr(&out);
    assert!(
        err.contains("not fixed: the AllowedValues of parameter Enc do not hold true"),
        "{err}"
    );
    // With the value allowed, the default is fixed.
    let allowed = template.replace("[\"false\"]", "[\"false\", \"true\"]");
    std::fs::write(root.join("t.yaml"), &allowed).unwrap();
    let out = tenken(&root, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("t.yaml")),
        allowed.replace("Default: \"false\"", "Default: \"true\"")
    );
}

#[test]
fn two_fixes_adding_the_same_missing_mapping_write_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let yaml =
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n  U: {Type: AWS::CloudTrail::Trail}\n";
    let json = "{\"Resources\": {\"T\": {\"Type\": \"AWS::CloudTrail::Trail\"}}}\n";
    std::fs::write(root.join("t.yaml"), yaml).unwrap();
    std::fs::write(root.join("t.json"), json).unwrap();
    let only = ["--only", "TKN-LOG-001", "--only", "TKN-LOG-002"];
    let out = tenken(&root, &[&["check", "--fix", "."], &only[..]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("t.yaml")),
        "Resources:\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      EnableLogFileValidation: true\n      IsMultiRegionTrail: true\n  U: {Type: AWS::CloudTrail::Trail, Properties: {EnableLogFileValidation: true, IsMultiRegionTrail: true}}\n"
    );
    assert_eq!(
        read(&root.join("t.json")),
        "{\"Resources\": {\"T\": {\"Type\": \"AWS::CloudTrail::Trail\", \"Properties\": {\"EnableLogFileValidation\": true, \"IsMultiRegionTrail\": true}}}}\n"
    );
}

#[test]
fn removing_every_element_of_a_list_removes_its_key_not_leaving_it_empty() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let rule = |port: u32| {
        format!("        - IpProtocol: tcp\n          FromPort: {port}\n          ToPort: {port}\n          CidrIp: 0.0.0.0/0\n")
    };
    let head = "Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n";
    let yaml = format!(
        "{head}      SecurityGroupIngress:\n{}{}      VpcId: v\n",
        rule(22),
        rule(3389)
    );
    std::fs::write(root.join("t.yaml"), yaml).unwrap();
    let args = [
        "check",
        "--fix",
        "--unsafe-fixes",
        "--only",
        "TKN-NET-001",
        ".",
    ];
    let out = tenken(&root, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("t.yaml")),
        format!("{head}      VpcId: v\n")
    );
}

#[test]
fn lines_added_end_as_the_line_they_are_added_at_in_a_file_of_mixed_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let yaml =
        "Resources:\r\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {}\n";
    std::fs::write(root.join("t.yaml"), yaml).unwrap();
    let out = tenken(&root, &["check", "--fix", "--only", "TKN-DATA-019", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        read(&root.join("t.yaml")),
        format!("{yaml}      EnableKeyRotation: true\n")
    );
}

#[test]
fn links_files_outside_the_root_and_terraform_modules_are_not_written() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let template = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n";

    // A template named through a link: the file it points to is not written.
    let target = outside.path().join("real.yaml");
    std::fs::write(&target, template).unwrap();
    std::os::unix::fs::symlink(&target, root.join("link.yaml")).unwrap();
    let out = tenken(&root, &["check", "--fix", "link.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused: a link is not written through"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&target), template);

    // A variables file outside the scan root.
    let vars = outside.path().join("x.tfvars");
    std::fs::write(&vars, "rotate = false\n").unwrap();
    let tf = "variable \"rotate\" {}\n\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n";
    std::fs::create_dir(root.join("tf")).unwrap();
    std::fs::write(root.join("tf/main.tf"), tf).unwrap();
    let var_file = vars.to_str().unwrap();
    let out = tenken(&root, &["check", "--fix", "--var-file", var_file, "tf"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused: it is outside the repository"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&vars), "rotate = false\n");

    // A module under .terraform/: downloaded, never written.
    let module = root.join("mod/.terraform/modules/keys");
    std::fs::create_dir_all(&module).unwrap();
    let key = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
    std::fs::write(module.join("main.tf"), key).unwrap();
    std::fs::write(
        root.join("mod/main.tf"),
        "module \"keys\" {\n  source = \"./.terraform/modules/keys\"\n}\n",
    )
    .unwrap();
    let out = tenken(&root, &["check", "--fix", "mod"]);
    assert!(
        stderr(&out).contains("refused: files under .terraform/ are downloaded modules"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(read(&module.join("main.tf")), key);
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let path = root.join("t.yaml");
    std::fs::write(&path, "edited meanwhile\n").unwrap();
    let gate = tenken::gate::Gate::for_paths(std::slice::from_ref(&root));
    let err = tenken::fix::write(&gate, &path, "as read\n", "fixed\n").unwrap_err();
    assert_eq!(err, "not written: the file changed since it was read");
    assert_eq!(read(&path), "edited meanwhile\n");
    tenken::fix::write(&gate, &path, "edited meanwhile\n", "fixed\n").unwrap();
    assert_eq!(read(&path), "fixed\n");
}

#[test]
fn a_module_input_is_fixed_in_the_calling_block_when_the_module_uses_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("trail")).unwrap();
    let module = "variable \"validate\" {}\n\nresource \"aws_cloudtrail\" \"t\" {\n  name                       = \"t\"\n  s3_bucket_name             = \"b\"\n  is_multi_region_trail      = true\n  enable_log_file_validation = var.validate\n}\n";
    std::fs::write(root.join("trail/main.tf"), module).unwrap();
    let caller =
        "module \"trail\" {\n  source   = \"./trail\"\n  validate = false # to decide\n}\n";
    std::fs::write(root.join("main.tf"), caller).unwrap();
    let out = tenken(&root, &["check", "--fix", "--exit-zero", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(&root.join("main.tf")), caller.replace("false", "true"));
    assert_eq!(read(&root.join("trail/main.tf")), module);
}

#[test]
fn a_malformed_fix_is_an_error_at_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("policies")).unwrap();
    let policy = "id: X-001\ntitle: t\nseverity: low\nchecklist: c\nrationale: r\nremediation: r\nresource_types: [aws_kms_key]\nassert: \"true\"\nfix: {remove_element: item}\n";
    std::fs::write(root.join("policies/x.yaml"), policy).unwrap();
    let key = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
    std::fs::write(root.join("main.tf"), key).unwrap();
    let out = tenken(&root, &["check", "--policies", "policies", "main.tf"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`fix`: `remove_element` needs `for_each`"),
        "{err}"
    );
    assert!(err.contains("policies/x.yaml:9:1]"), "{err}");
}

#[test]
fn explain_shows_each_kind_of_fix() {
    let dir = tempfile::tempdir().unwrap();
    for (id, shown) in [
        ("TKN-LOG-001", "set enable_log_file_validation = true"),
        (
            "TKN-DATA-001",
            "add server_side_encryption_configuration = {\"rule\":",
        ),
        ("TKN-NET-001", "remove the offending element"),
    ] {
        let out = tenken(dir.path(), &["explain", id]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains(shown), "{id}: {text}");
    }
}

/// The byte offset of a 1-based line and column (in characters) of `text`.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let start: usize = (text.split_inclusive('\n'))
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let chars = text[start..]
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len() - start]);
    start + chars.take(column as usize).last().unwrap()
}

#[test]
fn the_reported_edits_are_what_fix_writes_line_ends_and_byte_order_marks_kept() {
    const BOM: &str = "\u{feff}";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tf = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\" # é\n}\n\nresource \"aws_security_group\" \"web\" {\n  name = \"web\"\n  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n\nresource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n}\n";
    let yaml = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b # é\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          CidrIp: 0.0.0.0/0\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n";
    let json = "{\n  \"Resources\": {\n    \"Bucket\": {\n      \"Type\": \"AWS::S3::Bucket\",\n      \"Properties\": {\n        \"BucketName\": \"é\"\n      }\n    },\n    \"Web\": {\n      \"Type\": \"AWS::EC2::SecurityGroup\",\n      \"Properties\": {\n        \"GroupDescription\": \"web\",\n        \"SecurityGroupIngress\": [\n          {\"IpProtocol\": \"tcp\", \"FromPort\": 443, \"ToPort\": 443, \"CidrIp\": \"0.0.0.0/0\"},\n          {\"IpProtocol\": \"tcp\", \"FromPort\": 22, \"ToPort\": 22, \"CidrIp\": \"0.0.0.0/0\"}\n        ]\n      }\n    }\n  }\n}\n";
    let files = [
        ("main.tf", tf),
        ("template.yaml", yaml),
        ("template.json", json),
    ];
    for (name, text) in files {
        let crlf = format!("{BOM}{}", text.replace('\n', "\r\n"));
        std::fs::write(root.join(name), crlf).unwrap();
    }
    let only = [
        "--only",
        "TKN-DATA-001",
        "--only",
        "TKN-NET-001",
        "--only",
        "TKN-DATA-002",
    ];
    let report = tenken(
        &root,
        &[&["check", "--format", "json", "."], &only[..]].concat(),
    );
    let doc: Value = serde_json::from_slice(&report.stdout).unwrap();
    let out = tenken(
        &root,
        &[&["check", "--fix", "--unsafe-fixes", "."], &only[..]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (name, text) in files {
        let original = text.replace('\n', "\r\n");
        let mut edits: Vec<tenken::fix::Edit> = Vec::new();
        for f in doc["findings"].as_array().unwrap() {
            for e in f["fix"]["edits"].as_array().into_iter().flatten() {
                if e["file"] != name {
                    continue;
                }
                let at = |p: &Value| {
                    offset(
                        &original,
                        p["line"].as_u64().unwrap(),
                        p["column"].as_u64().unwrap(),
                    )
                };
                let span = tenken::source::Span::new(
                    tenken::source::FileId(0),
                    at(&e["start"]),
                    at(&e["end"]),
                );
                let text = e["text"].as_str().unwrap().to_string();
                edits.push(tenken::fix::Edit { span, text });
            }
        }
        // A removal, an addition (and, in Terraform, a flag set) per file.
        assert!(edits.len() >= 2, "{name}: {doc:#}");
        let written = read(&root.join(name));
        let fixed = written
            .strip_prefix(BOM)
            .expect("the byte order mark is kept");
        assert!(
            !fixed.replace("\r\n", "").contains('\n'),
            "{name}: {fixed:?}"
        );
        let refs: Vec<&tenken::fix::Edit> = edits.iter().collect();
        tenken::fix::unchanged_outside(&original, fixed, &refs)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{fixed}"));
    }
    let left = tenken(
        &root,
        &[&["check", "--format", "json", "."], &only[..]].concat(),
    );
    let left: Value = serde_json::from_slice(&left.stdout).unwrap();
    assert_eq!(left["findings"], serde_json::json!([]), "{left:#}");
}

#[test]
fn the_diff_of_a_file_with_a_byte_order_mark_shows_it_as_fix_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let json = "\u{feff}{\"Resources\": {\"K\": {\"Type\": \"AWS::KMS::Key\", \"Properties\": {\"EnableKeyRotation\": false}}}}\n";
    std::fs::write(root.join("t.json"), json).unwrap();
    let only = ["--only", "TKN-DATA-019"];
    let diff = tenken(&root, &[&["check", "--diff", "."], &only[..]].concat());
    let diff = String::from_utf8(diff.stdout).unwrap();
    assert!(diff.contains("\n-\u{feff}{\"Resources\""), "{diff}");
    let added = diff
        .lines()
        .find(|l| l.starts_with("+\u{feff}{"))
        .expect(&diff);
    let out = tenken(&root, &[&["check", "--fix", "."], &only[..]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(format!("{}\n", &added[1..]), read(&root.join("t.json")));
}

#[test]
fn a_file_a_fix_would_break_is_left_as_it_is_and_the_note_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("policies")).unwrap();
    // A user's fix writing text where Terraform takes a number.
    let policy = "id: X-002\ntitle: t\nseverity: low\nchecklist: c\nrationale: r\nremediation: r\nresource_types: [aws_cloudwatch_log_group]\nassert: resource.?retention_in_days.orValue(0) > 0\nfix: {set: retention_in_days, value: forever}\n";
    std::fs::write(root.join("policies/x.yaml"), policy).unwrap();
    let group = "resource \"aws_cloudwatch_log_group\" \"g\" {\n  retention_in_days = 0\n}\n";
    std::fs::write(root.join("main.tf"), group).unwrap();
    let args = ["--policies", "policies", "--only", "X-002", "main.tf"];
    let out = tenken(&root, &[&["check", "--fix"], &args[..]].concat());
    let err = stderr(&out);
    assert!(
        err.contains("note: main.tf: not fixed: fixed, it gives an error: `retention_in_days` must be a whole number"),
        "{err}"
    );
    assert_eq!(read(&root.join("main.tf")), group);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let diff = tenken(&root, &[&["check", "--diff"], &args[..]].concat());
    assert!(
        diff.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
}
