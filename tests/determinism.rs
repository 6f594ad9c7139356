//! The same check gives byte-identical JSON across runs and thread counts.

use std::path::Path;
use std::process::Command;

/// Many modules and templates with findings and errors, so that work is
/// spread over the threads and results arrive in varying order.
fn corpus(root: &Path) {
    for i in 0..40 {
        let module = root.join(format!("tf/m{i:02}"));
        std::fs::create_dir_all(&module).unwrap();
        for j in 0..3 {
            let port = [22, 80, 3389][(i + j) % 3];
            let text = format!(
                "resource \"aws_security_group\" \"sg{j}\" {{\n  ingress {{\n    from_port   = {port}\n    to_port     = {port}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n  ingress {{\n    from_port   = 0\n    to_port     = 65535\n    protocol    = \"-1\"\n    cidr_blocks = [var.cidr]\n  }}\n}}\n"
            );
            std::fs::write(module.join(format!("f{j}.tf")), text).unwrap();
        }
        std::fs::write(
            module.join("variables.tf"),
            format!(
                "variable \"cidr\" {{\n  default = \"{}\"\n}}\n",
                ["0.0.0.0/0", "10.0.0.0/8"][i % 2]
            ),
        )
        .unwrap();
        let cfn = root.join(format!("cfn/t{i:02}.yaml"));
        std::fs::create_dir_all(cfn.parent().unwrap()).unwrap();
        let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
        for j in 0..5 {
            text.push_str(&format!(
                "  Sg{j}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: g\n      SecurityGroupIngress:\n        - {{IpProtocol: tcp, FromPort: {p}, ToPort: {p}, CidrIp: 0.0.0.0/0}}\n",
                p = [22, 443, 3389][(i + j) % 3]
            ));
        }
        if i % 7 == 0 {
            text.push_str("  Broken: [\n");
        }
        std::fs::write(cfn, text).unwrap();
    }
}

fn check(dir: &Path, threads: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(["check", "--format", "json", "--strict", "."])
        .env("RAYON_NUM_THREADS", threads)
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "findings and errors expected");
    out.stdout
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let first = check(dir.path(), "2");
    let json: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert!(json["findings"].as_array().unwrap().len() > 100, "{json}");
    assert_eq!(json["errors"].as_array().unwrap().len(), 6);
    for run in 0..10 {
        assert!(check(dir.path(), "2") == first, "run {run} differs");
    }
    assert!(check(dir.path(), "1") == first, "1 thread differs from 2");
}

/// `tenken check` in `dir` with `args`, `RAYON_NUM_THREADS=2`.
fn tenken(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_json_report_written_as_the_run_goes_is_the_one_written_at_its_end() {
    // A lone JSON report is written as findings are ready; beside another
    // format it is written at the end of the run. Both must be the same
    // bytes, on fixtures with nested stacks, modules several roots call,
    // suppressions, errors and a baseline.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    let made = tenken(
        root,
        &[
            "baseline",
            "create",
            "-o",
            baseline.to_str().unwrap(),
            "examples",
        ],
    );
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let baseline = format!("--baseline={}", baseline.display());
    let runs: [&[&str]; 3] = [
        &["tests/fixtures", "examples"],
        &["--strict", "--all-values", "tests/fixtures"],
        &[&baseline, "examples", "tests/fixtures/ci"],
    ];
    for args in runs {
        let streamed = tenken(root, &[&["check", "--format", "json"], args].concat());
        let json = out.path().join("report.json");
        let at_end = format!("json={}", json.display());
        let junit = format!("junit={}", out.path().join("report.xml").display());
        let both = tenken(
            root,
            &[&["check", "--format", &at_end, "--format", &junit], args].concat(),
        );
        assert_eq!(streamed.status.code(), both.status.code(), "{args:?}");
        let written = std::fs::read(&json).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&written).unwrap();
        assert!(doc["findings"].as_array().unwrap().len() > 20, "{args:?}");
        if args[0] == baseline {
            assert!(doc["summary"]["baselined"].as_u64() > Some(10), "{doc}");
        }
        assert!(streamed.stdout == written, "{args:?}: the reports differ");
    }
}
