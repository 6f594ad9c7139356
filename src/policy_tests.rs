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
    let linted = pipeline::lint(&sources, &[job], &[policy], env, false);
    let (findings, errors) = (linted.findings, linted.problems);
    if let Some(e) = errors.first() {
        let file = sources.get(e.span.file);
        let at = file.line_col(e.span.start as usize);
        return Err(format!(
            "    error at {}:{}: {}\n",
            at.line, at.column, e.message
        ));
    }
    let mut actual: Vec<Expectation> = findings
        .iter()
        .map(|f| Expectation {
            resource: f.resource.clone(),
            line: Some(
                sources
                    .get(f.span.file)
                    .line_col(f.span.start as usize)
                    .line,
            ),
        })
        .collect();
    actual.sort();
    let mut expected = case.expect.clone();
    expected.sort();
    // An expectation without a line matches a finding on that resource at any line.
    let matches = expected.len() == actual.len()
        && expected
            .iter()
            .zip(&actual)
            .all(|(e, a)| e.resource == a.resource && (e.line.is_none() || e.line == a.line));
    if matches {
        return Ok(());
    }
    let show = |v: &[Expectation]| {
        v.iter()
            .map(|e| match e.line {
                Some(l) => format!("{}:{l}", e.resource),
                None => e.resource.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(format!(
        "    expected: [{}]\n    actual:   [{}]\n",
        show(&expected),
        show(&actual)
    ))
}
