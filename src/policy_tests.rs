//! `tenken test`: runs the test cases policies carry (a snippet and the
//! findings it must produce) through the real pipeline.

use crate::pipeline::{self, Job};
use crate::policy::{Expectation, Policy, TestCase};
use crate::source::{SourceFile, SourceMap};
use std::fmt::Write;
use std::sync::Arc;

/// Results of a test run.
#[derive(Default)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub text: String,
}

/// Runs every test case of `policies`.
pub fn run(policies: &[&Policy]) -> TestReport {
    let env = Arc::new(crate::policy::cel_env());
    let mut report = TestReport::default();
    for policy in policies {
        let mut failures = String::new();
        let mut passed = 0;
        for case in &policy.spec.tests {
            match run_case(policy, case, &env) {
                Ok(()) => passed += 1,
                Err(diff) => {
                    let _ = writeln!(failures, "  FAIL {}\n{diff}", case.name);
                }
            }
        }
        let failed = policy.spec.tests.len() - passed;
        let status = if failed == 0 { "ok  " } else { "FAIL" };
        let _ = writeln!(
            report.text,
            "{status} {} ({passed}/{} cases)",
            policy.spec.id,
            policy.spec.tests.len()
        );
        report.text.push_str(&failures);
        report.passed += passed;
        report.failed += failed;
    }
    let _ = writeln!(
        report.text,
        "{} passed, {} failed",
        report.passed, report.failed
    );
    report
}

fn run_case(policy: &Policy, case: &TestCase, env: &Arc<cel::Env>) -> Result<(), String> {
    let mut sources = SourceMap::default();
    let job = match (&case.terraform, &case.cloudformation) {
        (Some(tf), None) => Job::Module(vec![sources.add(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            tf.clone(),
        ))]),
        (None, Some(cfn)) => Job::Template(sources.add(SourceFile::new(
            "template.yaml".into(),
            "template.yaml".into(),
            cfn.clone(),
        ))),
        _ => {
            return Err("    a case needs exactly one of `terraform` or `cloudformation`\n".into())
        }
    };
    let (_, findings, errors) = pipeline::lint(&sources, &[job], &[policy], env, false);
    if let Some(e) = errors.first() {
        let file = sources.get(e.span.file);
        let at = file.line_col(e.span.start as usize);
        return Err(format!(
            "    error at {}:{}: {}\n",
            at.line, at.column, e.message
        ));
    }
    let mut actual: Vec<(Expectation, String)> = findings
        .iter()
        .map(|f| {
            let line = sources
                .get(f.span.file)
                .line_col(f.span.start as usize)
                .line;
            let expectation = Expectation {
                resource: f.resource.clone(),
                line: Some(line),
            };
            (expectation, f.message.clone())
        })
        .collect();
    actual.sort();
    let mut expected = case.expect.clone();
    expected.sort();
    diff(&expected, &actual)
}

/// Pairs expectations with findings (an expectation without a line matches a
/// finding on that resource at any line); `Err` lists what is missing and unexpected.
fn diff(expected: &[Expectation], actual: &[(Expectation, String)]) -> Result<(), String> {
    let mut unmatched: Vec<&(Expectation, String)> = actual.iter().collect();
    let mut missing = Vec::new();
    for e in expected {
        let found = unmatched
            .iter()
            .position(|(a, _)| e.resource == a.resource && (e.line.is_none() || e.line == a.line));
        match found {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(e),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let mut out = String::new();
    for e in missing {
        let _ = writeln!(out, "    - expected {}, not reported", show(e));
    }
    for (a, message) in unmatched {
        let _ = writeln!(out, "    + reported {}, not expected: {message}", show(a));
    }
    Err(out)
}

fn show(e: &Expectation) -> String {
    match e.line {
        Some(l) => format!("{} at line {l}", e.resource),
        None => e.resource.clone(),
    }
}
