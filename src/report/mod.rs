//! Rendering an outcome for people (miette), for programs (JSON) and for CI
//! systems (SARIF, JUnit XML, GitHub workflow commands, GitLab Code
//! Quality). Each format is one module and one [`Format`] variant.

pub mod excerpt;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
mod pretty;
pub mod sarif;

use crate::pipeline::{Outcome, Tally};
use crate::policy::Severity;
use std::io::{self, Write};

/// An output format of `tenken check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with the source around them, and a summary.
    Human,
    /// The JSON report (`docs/json-report.md`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for GitLab and Jenkins test reports.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality.
    Gitlab,
}

impl Format {
    /// Whether the format needs every check made (JUnit lists passes, SARIF the rules that ran).
    pub fn needs_checks(self) -> bool {
        matches!(self, Format::Junit | Format::Sarif)
    }

    /// True if the format reports the fixes of findings.
    pub fn shows_fixes(self) -> bool {
        matches!(self, Format::Json | Format::Sarif)
    }

    /// Writes the outcome in this format; `style` is the human format's.
    pub fn write(
        self,
        outcome: &Outcome,
        style: human::Style,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let text = match self {
            Format::Json => return json::write(outcome, out),
            Format::Human => human::render_with(outcome, style),
            Format::Sarif => sarif::render(outcome),
            Format::Junit => junit::render(outcome),
            Format::Github => github::render(outcome),
            Format::Gitlab => gitlab::render(outcome),
        };
        out.write_all(text.as_bytes())
    }
}

/// Findings per severity, most severe first.
pub fn counts(outcome: &Outcome) -> Vec<(Severity, usize)> {
    let tally = (outcome.streamed).unwrap_or_else(|| Tally::of(&outcome.findings));
    let all = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    all.iter().map(|&s| (s, tally.get(s))).collect()
}

/// The process exit code: 2 on any error, 1 on findings at or above
/// `fail_on` (`None`: findings never fail), else 0.
pub fn exit_code(outcome: &Outcome, fail_on: Option<Severity>) -> i32 {
    let failing = |&(s, n): &(Severity, usize)| n > 0 && fail_on.is_some_and(|f| s >= f);
    if !outcome.errors.is_empty() {
        2
    } else if counts(outcome).iter().any(failing) {
        1
    } else {
        0
    }
}

/// A file's path relative to the working directory, with forward slashes
/// and no `./`, as CI systems resolve paths against the checkout; `None`
/// for a file outside the working directory.
pub fn checkout_path(name: &str) -> Option<String> {
    let path = std::path::Path::new(name);
    let cwd = crate::gate::absolute(std::path::Path::new(""));
    let relative = crate::gate::absolute(path);
    let relative = relative.strip_prefix(&cwd).ok()?;
    Some(relative.to_string_lossy().replace('\\', "/"))
}
