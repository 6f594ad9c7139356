//! Hover on a diagnostic: the rule's rationale and remediation, in markdown.

use crate::discover::Kind;
use crate::policy::Policy;
use std::fmt::Write;

/// A policy explained for the buffer's format (the matching remediation snippet).
pub fn markdown(p: &Policy, kind: Kind) -> String {
    let s = &p.spec;
    let mut out = format!("**{}** · {} · {}\n\n", s.id, s.severity, s.title);
    let _ = writeln!(out, "{}\n", s.rationale.trim_end());
    let _ = writeln!(out, "**Fix:** {}\n", s.remediation.trim_end());
    let example = match kind {
        Kind::Terraform => s.remediation_terraform.as_ref().map(|t| ("hcl", t)),
        Kind::Template => s.remediation_cloudformation.as_ref().map(|t| ("yaml", t)),
    };
    if let Some((lang, text)) = example {
        let _ = writeln!(out, "```{lang}\n{}\n```\n", text.trim_end());
    }
    for r in &s.references {
        let _ = writeln!(out, "- <{r}>");
    }
    out
}
