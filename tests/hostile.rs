//! Hostile inputs on the real binary: each run mixes one hostile file with a
//! valid module that has a finding, and asserts a clear error (file, line,
//! column, exit code 2) or a clean pass, bounded time and memory, and that
//! the valid module is still linted.

mod common;

use common::guarded::{check, workspace, write, GOOD_TF};

fn template(body: &str) -> String {
    format!("AWSTemplateFormatVersion: '2010-09-09'\n{body}")
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let dir = workspace();
    let mut text = template("Metadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    write(dir.path(), "bomb.yaml", text.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error("bomb.yaml", "counting alias expansions", 8, 47);
    run.assert_good_linted();
}

#[test]
fn deep_yaml_is_refused() {
    let dir = workspace();
    let flow = template(&format!(
        "Resources:\n  X: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    ));
    write(dir.path(), "flow.yaml", flow.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error("flow.yaml", "recursion limit exceeded", 3, 261);
    run.assert_good_linted();

    // Block sequences: the parser streams them, the model builder stops at its limit.
    let dir = workspace();
    let block = template(&format!("Resources:\n{}a\n", "- ".repeat(100_000)));
    write(dir.path(), "block.yaml", block.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error("block.yaml", "nesting deeper than 256 levels", 3, 511);
    run.assert_good_linted();
}

#[test]
fn deep_json_is_refused() {
    let dir = workspace();
    let text = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\"Resources\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    write(dir.path(), "deep.json", text.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error("deep.json", "nesting deeper than 256 levels", 2, 269);
    run.assert_good_linted();
}

#[test]
fn deep_hcl_is_refused() {
    for (text, line, column) in [
        (
            format!(
                "locals {{\n  x = {}{}\n}}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
            2,
            71,
        ),
        (
            format!(
                "resource \"aws_s3_bucket\" \"b\" {{\n{}{}}}\n",
                "a {\n".repeat(10_000),
                "}\n".repeat(10_000)
            ),
            65,
            3,
        ),
        (
            format!(
                "locals {{\n  x = {}1{}\n}}\n",
                "f(".repeat(10_000),
                ")".repeat(10_000)
            ),
            2,
            135,
        ),
    ] {
        let dir = workspace();
        write(dir.path(), "deep/main.tf", text.as_bytes());
        let run = check(dir.path(), &["."]);
        run.assert_error(
            "deep/main.tf",
            "expected at most 64 nested levels",
            line,
            column,
        );
        run.assert_good_linted();
    }
}

#[test]
fn long_and_exploding_locals_stay_bounded() {
    // A chain of 100,000 locals used to overflow the stack: refused past 256 levels.
    let dir = workspace();
    let mut chain = String::from("locals {\n  l0 = \"x\"\n");
    for i in 1..100_000 {
        chain.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    chain.push_str("}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.l99999\n}\n");
    write(dir.path(), "chain/main.tf", chain.as_bytes());
    // Locals that grow tenfold (lists) or double (strings) at every step: over budget.
    let mut bomb = String::from("locals {\n  l0 = [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n  s0 = \"xxxxxxxx\"\n");
    for i in 1..40 {
        if i < 10 {
            let refs = vec![format!("local.l{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("  l{i} = [{refs}]\n"));
        }
        bomb.push_str(&format!(
            "  s{i} = \"${{local.s{0}}}${{local.s{0}}}\"\n",
            i - 1
        ));
    }
    bomb.push_str(
        "}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.s39\n  tags = local.l9\n}\n",
    );
    write(dir.path(), "bomb/main.tf", bomb.as_bytes());
    let run = check(dir.path(), &["."]);
    let unknown_after = "this value and those evaluated after it are unknown";
    assert_eq!(
        run.errors(),
        [
            (
                "bomb/main.tf".into(),
                format!("evaluation produces more than 64 MiB of text; {unknown_after}"),
                34,
                12
            ),
            (
                "chain/main.tf".into(),
                "evaluation nests deeper than 256 levels; the value is unknown".into(),
                99746,
                12
            ),
        ]
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.json["summary"]["resources"], 3);
    run.assert_good_linted();
}

#[test]
fn a_50_mb_template_is_refused() {
    let dir = workspace();
    let mut text = template("Resources:\n");
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!(
            "  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b-{i}\n"
        ));
        i += 1;
    }
    write(dir.path(), "big.yaml", text.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error("big.yaml", "larger than 16 MiB", 1, 1);
    run.assert_good_linted();
}

#[test]
fn binary_files_are_refused() {
    let mut bytes: Vec<u8> = b"\x7fELF\x02\x01\x01".to_vec();
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    for name in ["bin/main.tf", "image.yaml"] {
        let dir = workspace();
        write(dir.path(), name, &bytes);
        let run = check(dir.path(), &["."]);
        run.assert_error(name, "binary file (NUL byte at offset 7)", 1, 1);
        run.assert_good_linted();
    }
}

#[test]
fn invalid_utf8_points_at_the_bad_byte() {
    let dir = workspace();
    write(
        dir.path(),
        "bad.yaml",
        b"AWSTemplateFormatVersion: x\nResources:\n  A: \xff\n",
    );
    write(
        dir.path(),
        "bad/main.tf",
        b"locals {\n  x = \"\xc3\x28\"\n}\n",
    );
    let run = check(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.errors(),
        [
            ("bad.yaml".into(), "not valid UTF-8".into(), 3, 6),
            ("bad/main.tf".into(), "not valid UTF-8".into(), 2, 8),
        ]
    );
    run.assert_good_linted();
}

#[test]
fn bom_crlf_and_tabs_keep_exact_positions() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    let tf = GOOD_TF.replace("    from_port", "\tfrom_port");
    write(dir.path(), "tf/main.tf", crlf(&tf).as_bytes());
    let yaml = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          CidrIp: 0.0.0.0/0\n";
    write(dir.path(), "sg.yaml", crlf(yaml).as_bytes());
    let json = "{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n \"Resources\": {\n  \"Sg\": {\"Type\": \"AWS::EC2::SecurityGroup\",\n\t\"Properties\": {\"GroupDescription\": \"x\",\n\t \"SecurityGroupIngress\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 22, \"ToPort\": 22, \"CidrIp\": \"0.0.0.0/0\"}]}}}}\n";
    write(dir.path(), "sg.json", crlf(json).as_bytes());
    let run = check(dir.path(), &["--only", "TKN-NET-001", "."]);
    assert_eq!(run.errors(), []);
    let at = |file: &str, line, column| ("TKN-NET-001".to_string(), file.to_string(), line, column);
    assert_eq!(
        run.findings(),
        [
            at("sg.json", 5, 80),
            at("sg.yaml", 11, 11),
            at("tf/main.tf", 6, 5)
        ]
    );
    let ends: Vec<(u64, u64)> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["end_line"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ends, [(5, 101), (11, 28), (6, 32)]);
}

#[test]
fn tabs_and_duplicate_keys_are_errors_with_positions() {
    let dir = workspace();
    write(
        dir.path(),
        "tabs.yaml",
        template("Resources:\n\tA:\n\t\tType: AWS::S3::Bucket\n").as_bytes(),
    );
    write(
        dir.path(),
        "dup.yaml",
        template("Resources:\n  A:\n    Type: AWS::S3::Bucket\n  A:\n    Type: AWS::S3::Bucket\n")
            .as_bytes(),
    );
    write(
        dir.path(),
        "dup.json",
        b"{\"AWSTemplateFormatVersion\": \"2010-09-09\",\n \"Resources\": {},\n \"Resources\": {}}\n",
    );
    write(
        dir.path(),
        "dup/main.tf",
        b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"a\"\n  bucket = \"b\"\n}\n",
    );
    let run = check(dir.path(), &["."]);
    assert_eq!(
        run.error_positions(),
        [
            ("dup.json".into(), 3, 2),
            ("dup.yaml".into(), 5, 3),
            ("dup/main.tf".into(), 3, 3),
            ("tabs.yaml".into(), 3, 2),
        ]
    );
    let messages: Vec<String> = run.errors().into_iter().map(|e| e.1).collect();
    assert_eq!(messages[0], "duplicate key 'Resources'");
    assert_eq!(messages[1], "duplicate key 'A'");
    assert!(
        messages[2].contains("redefined attribute"),
        "{}",
        messages[2]
    );
    assert!(messages[3].contains("tabs"), "{}", messages[3]);
    run.assert_good_linted();
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let dir = workspace();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::os::unix::fs::symlink("../..", dir.path().join("a/b/up")).unwrap();
    std::os::unix::fs::symlink("self.tf", dir.path().join("a/self.tf")).unwrap();
    let run = check(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{:#?}", run.json);
    assert_eq!(run.errors(), []);
    assert_eq!(run.json["summary"]["files"], 1);
    run.assert_good_linted();
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workspace();
    write(
        dir.path(),
        "secret.yaml",
        template("Resources: {}\n").as_bytes(),
    );
    let path = dir.path().join("secret.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("skipped: running with privileges that read any file (root)");
        return;
    }
    let run = check(dir.path(), &["."]);
    run.assert_error("secret.yaml", "cannot read: Permission denied", 1, 1);
    run.assert_good_linted();
}

/// A policy for `aws_security_group` with this assertion.
fn policy(id: &str, assert: &str) -> String {
    format!(
        "id: {id}\ntitle: Test policy\nseverity: low\nchecklist: test\nrationale: test\n\
         remediation: test\nresource_types: [aws_security_group]\nassert: {assert}\n"
    )
}

#[test]
fn an_exploding_cel_policy_is_refused_at_load() {
    let dir = workspace();
    let ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
    let mut expr = "true".to_string();
    for v in 0..9 {
        expr = format!("{ten}.all(x{v}, {expr})");
    }
    write(
        dir.path(),
        "policies/BOMB-001.yaml",
        policy("BOMB-001", &format!("\"{expr}\"")).as_bytes(),
    );
    let run = check(dir.path(), &["good", "--policies", "policies"]);
    run.assert_error("policies/BOMB-001.yaml", "expression too expensive", 8, 9);
    run.assert_good_linted();
}

#[test]
fn a_broken_policy_file_does_not_stop_the_others() {
    let dir = workspace();
    write(
        dir.path(),
        "policies/BROKEN-001.yaml",
        b"id: BROKEN-001\ntitle: [unclosed\n",
    );
    write(
        dir.path(),
        "policies/BAD-CEL-001.yaml",
        policy("BAD-CEL-001", "resource.name ==").as_bytes(),
    );
    write(
        dir.path(),
        "policies/MINE-001.yaml",
        policy("MINE-001", "false").as_bytes(),
    );
    let run = check(dir.path(), &["good", "--policies", "policies"]);
    assert_eq!(
        run.error_positions(),
        [
            ("policies/BAD-CEL-001.yaml".into(), 8, 25),
            ("policies/BROKEN-001.yaml".into(), 2, 8),
        ]
    );
    run.assert_good_linted();
    let mine = run
        .findings()
        .into_iter()
        .filter(|f| f.0 == "MINE-001")
        .count();
    assert_eq!(mine, 1);
}
