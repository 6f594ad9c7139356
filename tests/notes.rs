//! Notes (what could not be evaluated or read) on the real binary: in every
//! output format with their position, in the editor as information, and
//! never in the exit code.

mod common;
#[path = "support/lsp_client.rs"]
mod lsp_client;

use common::{root, schema_errors, stderr, stdout, tenken};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A Terraform module whose only call is to a module that is neither local nor installed.
const REMOTE: &str = "module \"remote\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n";

const REMOTE_NOTE: &str = "module \"remote\": source \"terraform-aws-modules/vpc/aws\" is not \
                           local and not installed (run `terraform init`); its resources are not checked";

const PLAN_NOTE: &str =
    "a plan carries no source positions: findings point at the resource in the plan";

/// A run that yields one note, and what is expected of it.
struct Case {
    dir: PathBuf,
    path: &'static str,
    /// The noted file as reported.
    file: &'static str,
    /// Line, column, end line, end column.
    region: [u64; 4],
    message: &'static str,
    /// The exit code the findings alone give.
    code: i32,
}

/// The cases: a folder calling a remote module (no findings), and a plan
/// (with high findings). The folder lives as long as the returned guard.
fn cases() -> (tempfile::TempDir, [Case; 2]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), REMOTE).unwrap();
    let cases = [
        Case {
            dir: dir.path().to_path_buf(),
            path: "main.tf",
            file: "main.tf",
            region: [1, 1, 3, 2],
            message: REMOTE_NOTE,
            code: 0,
        },
        Case {
            dir: root(),
            path: "tests/fixtures/terraform/plan/plan.json",
            file: "tests/fixtures/terraform/plan/plan.json",
            region: [1, 1, 79, 2],
            message: PLAN_NOTE,
            code: 1,
        },
    ];
    (dir, cases)
}

/// `tenken check` on the case in one format: standard output, after
/// checking that the exit code is the findings' and nothing went to standard error.
fn check(case: &Case, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["check", case.path, "--format", format];
    args.extend(extra);
    let out = tenken(&case.dir, &args);
    assert_eq!(out.status.code(), Some(case.code), "{}", stderr(&out));
    assert!(!stderr(&out).contains(case.message), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn json_lists_notes_with_their_region_and_counts_them() {
    let (_dir, cases) = cases();
    for case in &cases {
        let text = check(case, "json", &[]);
        let errors = schema_errors(&root().join("docs/schemas/report.schema.json"), &text);
        assert!(errors.is_empty(), "{errors:#?}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        let [line, column, end_line, end_column] = case.region;
        assert_eq!(
            doc["notes"],
            json!([{
                "file": case.file,
                "message": case.message,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
            }])
        );
        assert_eq!(doc["summary"]["notes"], 1);
        assert_eq!(doc["errors"], json!([]));
    }
}

#[test]
fn sarif_reports_notes_as_tool_notifications() {
    let (_dir, cases) = cases();
    for case in &cases {
        let text = check(case, "sarif", &[]);
        let errors = schema_errors(&root().join("tests/schemas/sarif-schema-2.1.0.json"), &text);
        assert!(errors.is_empty(), "{errors:#?}");
        let log: Value = serde_json::from_str(&text).unwrap();
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        let [line, column, end_line, end_column] = case.region;
        assert_eq!(
            invocation["toolExecutionNotifications"],
            json!([{
                "level": "note",
                "message": { "text": case.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": case.file },
                        "region": {
                            "startLine": line,
                            "startColumn": column,
                            "endLine": end_line,
                            "endColumn": end_column,
                        }
                    }
                }]
            }])
        );
    }
}

#[test]
fn junit_reports_notes_as_standard_output_not_failures() {
    let (_dir, cases) = cases();
    for case in &cases {
        let xml = check(case, "junit", &[]);
        let [line, column, ..] = case.region;
        let message = case.message.replace('"', "&quot;");
        let expected = format!(
            "  <testsuite name=\"tenken\" tests=\"0\" failures=\"0\" errors=\"0\">\n    \
             <system-out>{}:{line}:{column}: {message}</system-out>\n  </testsuite>\n</testsuites>\n",
            case.file
        );
        assert!(xml.ends_with(&expected), "{xml}");
        let failures = if case.code == 0 { 0 } else { 2 };
        assert!(
            xml.contains(&format!("failures=\"{failures}\" errors=\"0\">")),
            "{xml}"
        );
    }
}

#[test]
fn github_reports_notes_as_notices() {
    let (_dir, cases) = cases();
    for case in &cases {
        let text = check(case, "github", &[]);
        // Spans of several lines have no columns.
        let [line, _, end_line, _] = case.region;
        assert_ne!(line, end_line);
        let notice = format!(
            "::notice file={},line={line},endLine={end_line},title=tenken notice::{}\n",
            case.file, case.message
        );
        assert!(text.ends_with(&notice), "{text}");
        assert_eq!(text.matches("::notice").count(), 1, "{text}");
    }
}

#[test]
fn human_shows_notes_after_findings_unless_quiet() {
    let (_dir, cases) = cases();
    for case in &cases {
        let text = check(case, "human", &[]);
        let [line, column, ..] = case.region;
        let note = format!("note: {}:{line}:{column}: {}\n", case.file, case.message);
        let summary = text.lines().last().unwrap();
        assert!(
            text.ends_with(&format!("{note}{summary}\n")),
            "the note comes after the findings, before the summary:\n{text}"
        );
        assert!(summary.contains(", 1 note, 0 errors"), "{summary}");
        let quiet = check(case, "human", &["--quiet"]);
        assert!(!quiet.contains("note:"), "{quiet}");
        assert_eq!(quiet.is_empty(), case.code == 0, "{quiet}");
    }
}

/// A note is neither an error (2) nor a finding (1), whatever `--fail-on`
/// says, and the findings beside it decide as they would alone.
#[test]
fn notes_never_change_the_exit_code() {
    let (dir, _) = cases();
    let module = root().join("tests/fixtures/terraform/module");
    for (dir, fail_on, code) in [
        (dir.path(), "info", 0),
        (module.as_path(), "low", 1),
        (module.as_path(), "critical", 0),
    ] {
        for format in ["human", "json", "sarif", "junit", "github"] {
            let out = tenken(
                dir,
                &["check", ".", "--format", format, "--fail-on", fail_on],
            );
            assert_eq!(out.status.code(), Some(code), "{dir:?} {format} {fail_on}");
            assert!(
                stdout(&out).contains("is not local and not installed"),
                "{format}: {}",
                stdout(&out)
            );
        }
    }
}

/// The diagnostics the editor gets for `main.tf` holding `text`, in `dir`.
fn editor_diagnostics(dir: &Path, text: &str) -> Vec<Value> {
    let root = dir.canonicalize().unwrap();
    std::fs::write(root.join("main.tf"), text).unwrap();
    let mut client = lsp_client::Client::start(&root, json!({"debounceMs": 20}));
    let tf = lsp_client::uri(&root.join("main.tf"));
    client.open(&tf, "terraform", text);
    let diags = client.diagnostics(&tf, 1);
    client.shutdown();
    diags
}

#[test]
fn the_editor_shows_notes_as_information() {
    let dir = tempfile::tempdir().unwrap();
    let diags = editor_diagnostics(dir.path(), REMOTE);
    assert_eq!(
        diags,
        [json!({
            "range": lsp_client::range(0, 0, 2, 1),
            "severity": 3,
            "source": "tenken",
            "message": REMOTE_NOTE,
        })]
    );
}
