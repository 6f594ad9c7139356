//! Running the real binary on hostile input: under a 2 GB address-space
//! limit, with a generous timeout that only catches hangs (no test asserts
//! how long a run takes), beside a valid module whose finding must still be
//! reported.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A module with one SSH-open security group: TKN-NET-001 at line 6, column 5.
pub const GOOD_TF: &str = r#"resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

/// Address space the binary may use (its worker stacks are reserved, not used).
const MEMORY_LIMIT_KB: u64 = 2 * 1024 * 1024;
/// Only a hang comes near this; no test asserts how long a run takes.
const HANG_SECONDS: u64 = 600;

pub struct Run {
    pub code: i32,
    pub json: Value,
}

impl Run {
    /// `(fields...)` of every entry of the `key` array, the last two as numbers.
    pub fn rows(&self, key: &str, fields: [&str; 4]) -> Vec<(String, String, u64, u64)> {
        self.json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[fields[0]].as_str().unwrap().to_string(),
                    e[fields[1]].as_str().unwrap().to_string(),
                    e[fields[2]].as_u64().unwrap(),
                    e[fields[3]].as_u64().unwrap(),
                )
            })
            .collect()
    }

    pub fn errors(&self) -> Vec<(String, String, u64, u64)> {
        self.rows("errors", ["file", "message", "line", "column"])
    }

    /// `(file, line, column)` of every error; the run failed with exit code 2.
    pub fn error_positions(&self) -> Vec<(String, u64, u64)> {
        assert_eq!(self.code, 2, "{:#?}", self.json);
        self.errors()
            .into_iter()
            .map(|(f, _, l, c)| (f, l, c))
            .collect()
    }

    pub fn findings(&self) -> Vec<(String, String, u64, u64)> {
        self.rows("findings", ["rule_id", "file", "line", "column"])
    }

    /// The valid module's finding is there.
    pub fn assert_good_linted(&self) {
        let good = ("TKN-NET-001".to_string(), "good/main.tf".to_string(), 6, 5);
        assert!(self.findings().contains(&good), "{:#?}", self.json);
    }

    /// Exactly one error, on `file`, containing `message`, at
    /// `line`:`column`; and the valid module's finding is there.
    pub fn assert_error(&self, file: &str, message: &str, line: u64, column: u64) {
        assert_eq!(self.code, 2, "{:#?}", self.json);
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let (f, m, l, c) = &errors[0];
        assert_eq!((f.as_str(), *l, *c), (file, line, column), "{m}");
        assert!(m.contains(message), "{m}");
        self.assert_good_linted();
    }

    /// The number of resources linted.
    pub fn resources(&self) -> u64 {
        self.json["summary"]["resources"].as_u64().unwrap()
    }
}

/// A scratch folder holding `good/main.tf`.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good/main.tf", GOOD_TF.as_bytes());
    dir
}

pub fn write(root: &Path, name: &str, bytes: &[u8]) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs `tenken <args>` in `dir` under the memory limit: the exit code,
/// standard output and standard error.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KB} && exec timeout {HANG_SECONDS} \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed: {stderr}"));
    assert!(code != 124, "hung: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// Runs `tenken check --format json <args>` in `dir` under the memory limit.
pub fn check(dir: &Path, args: &[&str]) -> Run {
    let args: Vec<&str> = ["check", "--format", "json"]
        .iter()
        .chain(args)
        .copied()
        .collect();
    let (code, stdout, stderr) = run(dir, &args);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: exit {code}, stderr {stderr}"));
    Run { code, json }
}
