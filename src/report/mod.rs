//! Rendering an outcome for people (miette), for programs (JSON) and for CI
//! systems (SARIF, JUnit XML, GitHub workflow commands).

pub mod excerpt;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::pipeline::Outcome;
use crate::policy::Severity;

/// Findings per severity, most severe first.
pub fn counts(outcome: &Outcome) -> Vec<(Severity, usize)> {
    let all = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    all.iter()
        .map(|&s| {
            (
                s,
                outcome.findings.iter().filter(|f| f.severity == s).count(),
            )
        })
        .collect()
}

/// The process exit code: 2 on any error, 1 on findings at or above `fail_on`, else 0.
pub fn exit_code(outcome: &Outcome, fail_on: Severity) -> i32 {
    if !outcome.errors.is_empty() {
        2
    } else if outcome.findings.iter().any(|f| f.severity >= fail_on) {
        1
    } else {
        0
    }
}
