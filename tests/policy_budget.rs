//! User policies are untrusted code: on the real binary, a policy that runs
//! out of its evaluation budget, or is nested too deeply, is a clear error at
//! the policy (file, line, column, exit code 2), and a valid module beside it
//! still gets its built-in finding.

mod common;

use common::guarded::{self, check, write, Run};

/// A policy on S3 buckets asserting `assert` (a block scalar at line 9, column 3).
fn policy(id: &str, assert: &str) -> String {
    format!(
        "id: {id}\ntitle: A user policy\nseverity: low\nchecklist: x\nrationale: x\n\
         remediation: x\nresource_types: [aws_s3_bucket]\nassert: |\n  {assert}\n"
    )
}

/// A scratch folder with `good/main.tf` and a module of 200 buckets.
fn workspace() -> tempfile::TempDir {
    let dir = guarded::workspace();
    let buckets: String = (0..200)
        .map(|i| format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"b{i}\"\n}}\n"))
        .collect();
    write(dir.path(), "buckets/main.tf", buckets.as_bytes());
    dir
}

/// The number of findings of `rule`.
fn count(run: &Run, rule: &str) -> usize {
    run.findings().iter().filter(|f| f.0 == rule).count()
}

/// 200³ = 8 million steps per bucket: hours without a budget.
const CUBIC: &str = "resources.all(a, resources.all(b, resources.all(c, a != c || b == b)))";

#[test]
fn a_policy_over_budget_is_an_error_at_the_policy_and_the_run_goes_on() {
    let dir = workspace();
    let cubic = policy("USR-CUBIC", CUBIC);
    write(dir.path(), "mine/cubic.yaml", cubic.as_bytes());
    // A cheap user policy beside it keeps running on every bucket.
    let named = policy("USR-NAMED", "resource.bucket == 'b7'");
    write(dir.path(), "mine/named.yaml", named.as_bytes());
    let run = check(dir.path(), &["--policies", "mine", "."]);
    let message = "policy USR-CUBIC ran out of its budget of evaluation steps (4000000 per \
                   resource, 40000000 per file) on aws_s3_bucket.b0";
    run.assert_error("mine/cubic.yaml", message, 9, 3);
    let errors = run.errors();
    assert!(
        errors[0].1.contains("skipped for the other resources"),
        "{errors:?}"
    );
    assert_eq!(count(&run, "USR-NAMED"), 199, "{:#}", run.json);
}

#[test]
fn policies_named_in_the_config_get_the_same_budget() {
    let dir = workspace();
    write(dir.path(), ".tenken.yaml", b"policies: [team-policies]\n");
    // Strings that double at every step (2 × 2⁴⁰ bytes without a budget).
    let doubling = format!("size(['ab']{}[0]) > 0", ".map(x, x + x)".repeat(20));
    let grow = policy("USR-GROW", &doubling);
    write(dir.path(), "team-policies/grow.yaml", grow.as_bytes());
    let run = check(dir.path(), &["."]);
    run.assert_error(
        "team-policies/grow.yaml",
        "USR-GROW ran out of its budget",
        9,
        3,
    );
}

#[test]
fn deep_or_long_policies_are_refused_at_load() {
    for (assert, message) in [
        (
            format!("{}true{}", "[0].exists(x, ".repeat(30), ")".repeat(30)),
            "nested too deeply",
        ),
        (format!("1{} == 0", " + 1".repeat(3_000)), "too long"),
        (
            format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000)),
            "too long",
        ),
        (
            format!("1{} == 0", " + 1".repeat(1_000)),
            "nested too deeply",
        ),
    ] {
        let dir = workspace();
        let deep = policy("USR-DEEP", &assert);
        write(dir.path(), "mine/deep.yaml", deep.as_bytes());
        let run = check(dir.path(), &["--policies", "mine", "."]);
        run.assert_error("mine/deep.yaml", message, 9, 3);
    }
}

#[test]
fn checks_each_under_budget_cannot_add_up_to_minutes() {
    let dir = guarded::workspace();
    let many: String = ["a", "b", "c"]
        .iter()
        .map(|n| format!("resource \"aws_s3_bucket\" \"{n}\" {{\n  count = 1000\n}}\n"))
        .collect();
    write(dir.path(), "many/main.tf", many.as_bytes());
    // About 30,000 steps per bucket, 90 million for the 3,000 of them.
    let scan = "resources.all(a, a.address != meta.address || a.type != '')";
    write(
        dir.path(),
        "mine/scan.yaml",
        policy("USR-SCAN", scan).as_bytes(),
    );
    let run = check(dir.path(), &["--policies", "mine", "."]);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let (file, message, line, column) = &errors[0];
    assert_eq!((file.as_str(), *line, *column), ("mine/scan.yaml", 9, 3));
    assert!(message.contains("40000000 per file"), "{message}");
    assert!(!message.contains("aws_s3_bucket.a[0] "), "{message}");
    run.assert_good_linted();
}
