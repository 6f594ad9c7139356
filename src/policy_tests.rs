//! `tenken test`: runs the test cases policies carry (a snippet and the
//! findings it must produce) through the real pipeline, and applies a
//! policy's fix to its failing cases: the fixed snippet must still parse,
//! pass the policy, and differ from the case only inside the fix's edits.

use crate::engine::Settings;
use crate::fix::{self, Fix};
use crate::pipeline::{self, Job};
use crate::policy::{Expectation, Policy, TestCase};
use crate::source::{FileId, SourceFile, SourceMap};
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
        // Formats with failing cases, and whether the fix was applied to one.
        let mut fixed: Vec<(&str, bool)> = Vec::new();
        for case in &policy.spec.tests {
            match run_case(policy, case) {
                Ok(outcome) => {
                    passed += 1;
                    if let Some((format, applied)) = outcome {
                        match fixed.iter_mut().find(|(f, _)| *f == format) {
                            Some(entry) => entry.1 |= applied,
                            None => fixed.push((format, applied)),
                        }
                    }
                }
                Err(diff) => {
                    let _ = writeln!(failures, "  FAIL {}\n{diff}", case.name);
                }
            }
        }
        let mut failed = policy.spec.tests.len() - passed;
        for (format, _) in fixed.iter().filter(|(_, applied)| !applied) {
            failed += 1;
            let _ = writeln!(
                failures,
                "  FAIL fix\n    the fix applies to no failing {format} case\n"
            );
        }
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

/// What linting a snippet produced: findings of the policy, problems and fixes.
type Linted = (
    Vec<crate::engine::Finding>,
    Vec<crate::diag::Problem>,
    Vec<Fix>,
);

/// Runs one case; for a failing case of a policy with a fix, `Some` with
/// the case's format and whether the fix was offered (and then checked).
fn run_case(policy: &Policy, case: &TestCase) -> Result<Option<(&'static str, bool)>, String> {
    let (name, text, format) = match (&case.terraform, &case.cloudformation) {
        (Some(tf), None) => ("main.tf", tf, "terraform"),
        (None, Some(cfn)) => ("template.yaml", cfn, "cloudformation"),
        _ => {
            return Err("    a case needs exactly one of `terraform` or `cloudformation`\n".into())
        }
    };
    let (sources, snippet, (findings, errors, fixes)) = lint_snippet(policy, name, text);
    expect(policy, case, &sources, snippet, &findings, &errors)?;
    if policy.spec.fix.is_none() || findings.is_empty() {
        return Ok(None);
    }
    let edits: Vec<&fix::Edit> = (fixes.iter())
        .filter_map(|f| f.edits.as_ref().ok())
        .flatten()
        .collect();
    if edits.is_empty() {
        return Ok(Some((format, false)));
    }
    // Findings without a fix (not offered there, say why) may remain.
    let unfixed: Vec<&str> = (findings.iter())
        .filter(|f| !fixes.iter().any(|x| x.fixes(f) && x.edits.is_ok()))
        .map(|f| f.resource.as_str())
        .collect();
    check_fixed(policy, name, text, &edits, &unfixed)?;
    Ok(Some((format, true)))
}

/// Lints `text` as the file `name` with `policy`, fixes planned.
fn lint_snippet(policy: &Policy, name: &str, text: &str) -> (SourceMap, FileId, Linted) {
    let mut sources = SourceMap::default();
    let snippet = sources.add(SourceFile::new(name.into(), name.into(), text.to_string()));
    let job = match name.ends_with(".tf") {
        true => Job::Module(vec![snippet]),
        false => Job::Template(snippet),
    };
    let settings = Settings {
        fixes: policy.spec.fix.is_some(),
        ..Default::default()
    };
    let linted = pipeline::lint(&sources, &[job], &[policy], settings);
    let result = (linted.findings, linted.problems, linted.fixes);
    (sources, snippet, result)
}

/// Applies the fixes' `edits` to the case's `text`: nothing outside the
/// edits' spans changes, and the fixed snippet parses and passes the policy
/// but on the `unfixed` resources.
fn check_fixed(
    policy: &Policy,
    name: &str,
    text: &str,
    edits: &[&fix::Edit],
    unfixed: &[&str],
) -> Result<(), String> {
    let (fixed, applied) = fix::apply(text, edits);
    if applied.len() != edits.len() {
        return Err("    the fix's edits overlap\n".into());
    }
    fix::unchanged_outside(text, &fixed, edits).map_err(|e| format!("    {e}\n{fixed}\n"))?;
    let (_, _, (findings, errors, _)) = lint_snippet(policy, name, &fixed);
    if let Some(e) = errors.first() {
        return Err(format!(
            "    the fixed snippet does not lint: {}\n{fixed}\n",
            e.message
        ));
    }
    if let Some(f) = findings
        .iter()
        .find(|f| !unfixed.contains(&f.resource.as_str()))
    {
        return Err(format!(
            "    the fixed snippet still fails: {}\n{fixed}\n",
            f.message
        ));
    }
    Ok(())
}

/// Compares the findings of a case with what it expects.
fn expect(
    policy: &Policy,
    case: &TestCase,
    sources: &SourceMap,
    snippet: FileId,
    findings: &[crate::engine::Finding],
    errors: &[crate::diag::Problem],
) -> Result<(), String> {
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
