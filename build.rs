//! Converts the built-in policies (`policies/**/*.yaml`) to JSON, written to
//! `$OUT_DIR/builtin_specs.rs` as `BUILTIN_SPECS: &[(path, json, tests)]`
//! sorted by path, each policy's test cases apart (a lint does not read
//! them): tenken reads JSON about ten times faster than YAML, and reading
//! the built-in policies is most of a small run's start-up. The YAML texts
//! are still embedded (with `include_dir!`) for positions and `tenken
//! explain`. A built-in policy that is not valid YAML fails the build.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=policies");
    let root = Path::new("policies");
    let mut files = Vec::new();
    collect(root, &mut files);
    let mut specs: Vec<(String, String, String)> = files
        .iter()
        .map(|path| {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(path).unwrap();
            let mut value: serde_json::Value = serde_saphyr::from_str(&text)
                .unwrap_or_else(|e| panic!("built-in policy {}: {e}", path.display()));
            let tests = (value.as_object_mut())
                .and_then(|spec| spec.remove("tests"))
                .unwrap_or_else(|| serde_json::json!([]));
            (name, value.to_string(), tests.to_string())
        })
        .collect();
    specs.sort();
    let mut out = String::from("static BUILTIN_SPECS: &[(&str, &str, &str)] = &[\n");
    for (name, json, tests) in &specs {
        let _ = writeln!(out, "    ({name:?}, {json:?}, {tests:?}),");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("builtin_specs.rs");
    std::fs::write(dest, out).unwrap();
}

/// Policy files are `*.yaml` / `*.yml`, other than `README`s (as `policy::is_policy_file`).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            collect(&path, out);
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.contains("README") {
            out.push(path);
        }
    }
}
