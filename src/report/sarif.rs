//! SARIF 2.1.0 (`--format sarif`), as GitHub code scanning reads it: rules
//! with descriptions, help and `security-severity`; results with regions,
//! related locations, partial fingerprints and the fixes `--fix` applies;
//! suppressed findings as results with `suppressions`; errors, warnings and notes as tool notifications.
//!
//! Written with `serde_json::json!`: the document is small and fixed, and the
//! tests validate it against the official schema.

use crate::baseline::fingerprint;
use crate::diag::Problem;
use crate::engine::Finding;
use crate::pipeline::Outcome;
use crate::policy::{Policy, Severity};
use crate::report::checkout_path;
use crate::report::json::{described, region, FixReport, Fixes};
use crate::source::{SourceMap, Span};
use crate::suppress::Suppressed;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF level of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score (critical > 9.0, high 7.0–8.9,
/// medium 4.0–6.9, low 3.9 or less); info is the lowest.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A file's URI: relative to the working directory, with forward slashes,
/// when the file is under it (code scanning resolves it against the
/// checkout), else an absolute `file:` URI, never one that climbs out with
/// `../`. Characters not allowed in a URI are percent-encoded.
pub fn artifact_uri(name: &str) -> String {
    match checkout_path(name) {
        Some(relative) => encode(&relative),
        None => file_uri(&crate::gate::absolute(Path::new(name))),
    }
}

/// The `file:` URI of an absolute path (a folder's ends with `/`).
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let slash = if text.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}", encode(&text))
}

/// Percent-encodes what may not appear in a URI path.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(sources: &SourceMap, span: Span) -> Value {
    let r = region(sources, span);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": artifact_uri(&sources.get(span.file).name) },
            "region": {
                "startLine": r.line,
                "startColumn": r.column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
            }
        }
    })
}

fn rule(p: &Policy) -> Value {
    let spec = &p.spec;
    let mut markdown = format!(
        "{}\n\n**Remediation**\n\n{}",
        spec.rationale.trim(),
        spec.remediation.trim()
    );
    for (label, lang, code) in [
        ("CloudFormation", "yaml", &spec.remediation_cloudformation),
        ("Terraform", "hcl", &spec.remediation_terraform),
    ] {
        if let Some(code) = code {
            markdown.push_str(&format!(
                "\n\n{label}:\n\n```{lang}\n{}\n```",
                code.trim_end()
            ));
        }
    }
    if !spec.references.is_empty() {
        markdown.push_str("\n\n**References**\n");
        for r in &spec.references {
            markdown.push_str(&format!("\n- <{r}>"));
        }
    }
    let mut properties = Map::new();
    properties.insert(
        "security-severity".into(),
        json!(security_severity(spec.severity)),
    );
    properties.insert(
        "tags".into(),
        json!(["security", spec.pack.as_str(), spec.severity.to_string()]),
    );
    properties.insert("precision".into(), json!("high"));
    let mut rule = json!({
        "id": spec.id,
        "name": spec.id.replace('-', ""),
        "shortDescription": { "text": spec.title },
        "fullDescription": { "text": spec.rationale.trim() },
        "help": { "text": spec.remediation.trim(), "markdown": markdown },
        "defaultConfiguration": { "level": level(spec.severity) },
        "properties": properties,
    });
    if let Some(uri) = spec.references.first() {
        rule["helpUri"] = json!(uri);
    }
    rule
}

fn result(
    sources: &SourceMap,
    f: &Finding,
    index: usize,
    suppressed: Option<&Suppressed>,
    fix: Option<FixReport>,
) -> Value {
    let message = if f.message.is_empty() {
        &f.title
    } else {
        &f.message
    };
    let mut loc = location(sources, f.span);
    loc["logicalLocations"] = json!([{ "name": f.resource, "kind": "resource" }]);
    let mut r = json!({
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": { "text": message },
        "locations": [loc],
        "partialFingerprints": { "tenken/v1": fingerprint(sources, f).as_str() },
        "properties": {
            "resource": f.resource,
            "resourceType": f.resource_type,
            "severity": f.severity.to_string(),
        },
    });
    if !f.when.is_empty() {
        let when: Vec<Value> = (f.when.iter())
            .map(|p| json!({ "name": p.name, "value": p.value }))
            .collect();
        r["properties"]["when"] = json!(when);
    }
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, (span, text))| {
                let mut l = location(sources, *span);
                l["id"] = json!(i + 1);
                l["message"] = json!({ "text": text });
                l
            })
            .collect();
        r["relatedLocations"] = json!(related);
    }
    if let Some(fix) = fix.filter(|x| x.edits.is_some()) {
        r["fixes"] = json!([sarif_fix(fix)]);
    }
    if let Some(s) = suppressed {
        let mut sup = json!({
            "kind": "inSource",
            "status": "accepted",
            "justification": s.reason,
        });
        sup["location"] = location(sources, s.at);
        r["suppressions"] = json!([sup]);
    }
    r
}

/// A fix as SARIF writes it: its replacements, file by file.
fn sarif_fix(fix: FixReport) -> Value {
    let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
    for e in fix.edits.into_iter().flatten() {
        let replacement = json!({
            "deletedRegion": {
                "startLine": e.start.line,
                "startColumn": e.start.column,
                "endLine": e.end.line,
                "endColumn": e.end.column,
            },
            "insertedContent": { "text": e.text },
        });
        match changes.iter_mut().find(|(file, _)| *file == e.file) {
            Some((_, list)) => list.push(replacement),
            None => changes.push((e.file, vec![replacement])),
        }
    }
    let changes: Vec<Value> = (changes.into_iter())
        .map(|(file, replacements)| {
            json!({
                "artifactLocation": { "uri": artifact_uri(file) },
                "replacements": replacements,
            })
        })
        .collect();
    json!({
        "description": { "text": fix.description },
        "artifactChanges": changes,
        "properties": { "unsafe": fix.replaces },
    })
}

fn notification(sources: &SourceMap, p: &Problem, level: &str) -> Value {
    let mut n = json!({ "level": level, "message": { "text": p.message } });
    if !sources.get(p.span.file).name.starts_with('<') {
        n["locations"] = json!([location(sources, p.span)]);
    }
    n
}

/// The working directory's `file:` URI, ending with `/`.
fn working_directory() -> String {
    let uri = file_uri(&crate::gate::absolute(Path::new("")));
    match uri.ends_with('/') {
        true => uri,
        false => uri + "/",
    }
}

/// Renders the outcome as a SARIF 2.1.0 log.
pub fn render(outcome: &Outcome) -> String {
    let sources = &outcome.sources;
    let used: std::collections::BTreeSet<&str> = outcome
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .chain(
            outcome
                .suppressed
                .iter()
                .map(|s| s.finding.rule_id.as_str()),
        )
        .chain(outcome.checks.iter().map(|c| c.rule_id.as_str()))
        .collect();
    let rules: Vec<&Policy> = outcome
        .policies
        .iter()
        .filter(|p| used.contains(p.spec.id.as_str()))
        .collect();
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, p)| (p.spec.id.as_str(), i))
        .collect();
    let at = |f: &Finding| index.get(f.rule_id.as_str()).copied().unwrap_or(0);
    let described = described(&outcome.policies);
    let fixes = Fixes::new(&outcome.fixes, &described, sources);
    let mut results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| result(sources, f, at(f), None, fixes.report(f)))
        .collect();
    results.extend(
        outcome
            .suppressed
            .iter()
            .map(|s| result(sources, &s.finding, at(&s.finding), Some(s), None)),
    );
    let notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| notification(sources, e, "error"))
        .chain(
            outcome
                .warnings
                .iter()
                .map(|w| notification(sources, w, "warning")),
        )
        .chain(
            outcome
                .notes
                .iter()
                .map(|n| notification(sources, n, "note")),
        )
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tenken",
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|p| rule(p)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": outcome.errors.is_empty(),
                "workingDirectory": { "uri": working_directory() },
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("serializable");
    text.push('\n');
    text
}
