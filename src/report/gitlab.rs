//! GitLab Code Quality (`--format gitlab`): a JSON array of issues with the
//! fields GitLab documents (`description`, `check_name`, `fingerprint`,
//! `severity`, `location.path`, `location.lines.begin`), shown in merge
//! requests. Checked against `docs/schemas/gitlab-code-quality.schema.json`.

use crate::baseline::fingerprint;
use crate::engine::Finding;
use crate::pipeline::Outcome;
use crate::policy::Severity;
use crate::report::checkout_path;
use crate::source::SourceMap;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// GitLab's severity for ours.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

fn issue(sources: &SourceMap, f: &Finding, fingerprint: String) -> Value {
    let file = sources.get(f.span.file);
    let line = file.line_col(f.span.start as usize).line;
    let message = if f.message.is_empty() || f.message == f.title {
        f.title.clone()
    } else {
        format!("{}: {}", f.title, f.message)
    };
    json!({
        "description": format!("{message} ({})", f.resource),
        "check_name": f.rule_id,
        "fingerprint": fingerprint,
        "severity": severity(f.severity),
        "location": {
            "path": checkout_path(&file.name).unwrap_or_else(|| file.name.clone()),
            "lines": { "begin": line },
        },
    })
}

/// Renders the findings as a Code Quality report. A finding's fingerprint is
/// its baseline fingerprint, told apart from identical findings by their
/// order, so every issue has its own.
pub fn render(outcome: &Outcome) -> String {
    let sources = &outcome.sources;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| {
            let base = fingerprint(sources, f).to_string();
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let unique = match *n {
                1 => base,
                n => {
                    let hash = Sha256::digest(format!("{base}\0{n}"));
                    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
                }
            };
            issue(sources, f, unique)
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).expect("serializable");
    text.push('\n');
    text
}
