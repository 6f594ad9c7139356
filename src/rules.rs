//! `tenken rules` and `tenken explain`: the policy catalogue for people and scripts.

use crate::policy::Policy;
use std::fmt::Write;

/// Which formats a policy has test fixtures for.
pub fn formats(p: &Policy) -> Vec<&'static str> {
    let mut f = Vec::new();
    if p.spec.tests.iter().any(|t| t.cloudformation.is_some()) {
        f.push("cloudformation");
    }
    if p.spec.tests.iter().any(|t| t.terraform.is_some()) {
        f.push("terraform");
    }
    f
}

/// One line per policy: id, severity, pack, formats, title.
pub fn list(policies: &[&Policy]) -> String {
    let mut out = String::new();
    for p in policies {
        let _ = writeln!(
            out,
            "{:<14} {:<8} {:<16} {:<25} {}",
            p.spec.id,
            p.spec.severity,
            p.spec.pack,
            formats(p).join(","),
            p.spec.title
        );
    }
    out
}

/// Rationale, remediation, references and examples of one policy.
pub fn explain(p: &Policy) -> String {
    let s = &p.spec;
    let mut out = format!("{} [{}] {}\n\n", s.id, s.severity, s.title);
    let _ = writeln!(out, "Checklist: {}\n", s.checklist);
    let _ = writeln!(out, "Why:\n{}", indent(&s.rationale));
    let _ = writeln!(out, "Fix:\n{}", indent(&s.remediation));
    if let Some(cfn) = &s.remediation_cloudformation {
        let _ = writeln!(out, "CloudFormation:\n{}", indent(cfn));
    }
    if let Some(tf) = &s.remediation_terraform {
        let _ = writeln!(out, "Terraform:\n{}", indent(tf));
    }
    let _ = writeln!(out, "Applies to: {}", s.resource_types.join(", "));
    let _ = writeln!(out, "Assertion:\n{}", indent(&s.assert.value));
    if !s.peers.is_empty() {
        let peers: Vec<String> = s
            .peers
            .iter()
            .map(|(tool, ids)| format!("{tool}: {}", ids.join(", ")))
            .collect();
        let _ = writeln!(out, "Same check elsewhere: {}", peers.join("; "));
    }
    for r in &s.references {
        let _ = writeln!(out, "See: {r}");
    }
    out
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let _ = writeln!(out, "    {line}");
    }
    out
}
