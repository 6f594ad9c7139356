//! `tenken test`: runs the test cases policies carry (a snippet and the
//! findings it must produce) through the real pipeline.

use crate::pipeline::{self, Job};
use crate::policy::{Expectation, Policy, TestCase};
use crate::source::{SourceFile, SourceMap};
use std::fmt::Write;

/// Results of a test run.
#[derive(Default)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub text: String,
}

/// Runs every test case of `policies`.
pub fn run(policies: &[&Policy]) -> TestReport {
    let mut report = TestReport::default();
    for policy in policies {
        let mut failures = String::new();
        let mut passed = 0;
        for case in &policy.spec.tests {
            match run_case(policy, case) {
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

fn run_case(policy: &Policy, case: &TestCase) -> Result<(), String> {
    let mut sources = SourceMap::default();
    let (name, text, module) = match (&case.terraform, &case.cloudformation) {
        (Some(tf), None) => ("main.tf", tf, true),
        (None, Some(cfn)) => ("template.yaml", cfn, false),
        _ => {
            return Err("    a case needs exactly one of `terraform` or `cloudformation`\n".into())
        }
    };
    let snippet = sources.add(SourceFile::new(name.into(), name.into(), text.clone()));
    let job = if module {
        Job::Module(vec![snippet])
    } else {
        Job::Template(snippet)
    };
    let linted = pipeline::lint(&sources, &[job], &[policy], Default::default());
    let (findings, errors) = (linted.findings, linted.problems);
    if let Some(e) = errors.first() {
        // Problems of the policy itself point into the policy file, which this map does not hold.
        if e.span.file != snippet || e.span.file == policy.file {
            return Err(format!("    error: {}\n", e.message));
        }
        let at = sources.get(snippet).line_col(e.span.start as usize);
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
