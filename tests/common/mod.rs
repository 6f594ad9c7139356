//! Helpers shared by the integration tests: running the binary, and a
//! Python virtual environment for tools that only exist on PyPI (the
//! `jsonschema` validator, `pre-commit`).
#![allow(dead_code)]

pub mod guarded;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// Runs `tenken` with `args` in `dir`. The fixtures of these tests are about
/// TKN-NET-001: `check` and `baseline create` run only it unless the
/// arguments pick policies themselves (`--only`, `--pack`).
pub fn tenken(dir: &Path, args: &[&str]) -> Output {
    let picks = args.iter().any(|a| *a == "--only" || *a == "--pack");
    let command = match args.first() {
        Some(&"check") if !picks => 1,
        Some(&"baseline") if !picks => 2,
        _ => 0,
    };
    let (head, tail) = args.split_at(command.min(args.len()));
    let only: &[&str] = if command > 0 {
        &["--only", "TKN-NET-001"]
    } else {
        &[]
    };
    Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(head)
        .args(only)
        .args(tail)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("tenken runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static VENV: Mutex<()> = Mutex::new(());

/// The Python of a virtual environment under the target folder holding
/// `packages` (installed with pip on first use, then reused).
pub fn python_with(name: &str, packages: &[&str]) -> PathBuf {
    let _guard = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("venv-{name}"));
    let bin = if cfg!(windows) { "Scripts" } else { "bin" };
    let python = dir.join(bin).join(if cfg!(windows) {
        "python.exe"
    } else {
        "python"
    });
    let ready = dir.join("ready");
    if ready.is_file() {
        return python;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("python3 is installed");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let _ = std::fs::remove_dir_all(&dir);
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir));
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages));
    std::fs::write(&ready, packages.join("\n")).expect("marker written");
    python
}

/// Validates the JSON document `instance` against the JSON Schema at
/// `schema` (its `$schema` picks the draft) with Python's `jsonschema`;
/// the validation errors, empty if valid.
pub fn schema_errors(schema: &Path, instance: &str) -> Vec<String> {
    let python = python_with("jsonschema", &["jsonschema==4.*"]);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), instance).expect("instance written");
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
for e in cls(schema).iter_errors(json.load(open(sys.argv[2]))):
    print("/".join(map(str, e.absolute_path)) + ": " + e.message)
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(schema)
        .arg(file.path())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// `rule resource file:line:col` of each finding of a JSON report, with
/// `<- file:line:col` for each related location.
pub fn findings(doc: &serde_json::Value) -> Vec<String> {
    let at = |v: &serde_json::Value| {
        format!(
            "{}:{}:{}",
            v["file"].as_str().unwrap(),
            v["line"],
            v["column"]
        )
    };
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut s = format!(
                "{} {} {}",
                f["rule_id"].as_str().unwrap(),
                f["resource"].as_str().unwrap(),
                at(f)
            );
            for r in f["related"].as_array().unwrap() {
                s.push_str(&format!(" <- {}", at(r)));
            }
            s
        })
        .collect()
}

/// A temporary folder holding `code/` with `file` (name and text) and
/// `policies/` with the user policy `id`, its required fields filled in and
/// `fields` (YAML lines) after them; returns it with both folders' paths.
pub fn code_and_policy(
    file: (&str, &str),
    id: &str,
    fields: &str,
) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (code, policies) = (dir.path().join("code"), dir.path().join("policies"));
    std::fs::create_dir_all(&code).unwrap();
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(code.join(file.0), file.1).unwrap();
    let policy = format!(
        "id: {id}\ntitle: {id}\nseverity: low\nchecklist: x\nrationale: x\nremediation: x\n{fields}"
    );
    std::fs::write(policies.join(format!("{id}.yaml")), policy).unwrap();
    let (code, policies) = (code.display().to_string(), policies.display().to_string());
    (dir, code, policies)
}
