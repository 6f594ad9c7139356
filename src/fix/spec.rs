//! The `fix:` a policy declares, in canonical terms: the attributes to set
//! (below `resource`, or below `item` when the policy checks elements).

use serde::Deserialize;
use std::collections::BTreeMap;

/// A policy's fix as written: `{set: encrypted, value: true}` or
/// `{set: {block_public_acls: true, ...}}`, with `unsafe: true` when AWS
/// replaces the resource to apply it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    pub set: Target,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Applying the fix makes AWS replace the resource (`--unsafe-fixes`).
    #[serde(default, rename = "unsafe")]
    pub replaces: bool,
    /// Attribute paths whose presence means the fix does not apply (the
    /// setting belongs elsewhere then).
    #[serde(default)]
    pub unless: Vec<String>,
}

/// One attribute path (with `value`), or paths and their values.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Target {
    Path(String),
    Values(BTreeMap<String, serde_json::Value>),
}

impl FixSpec {
    /// The attribute paths (split at dots) and the scalar values to give them.
    pub fn assignments(&self) -> Result<Vec<(Vec<String>, serde_json::Value)>, String> {
        let pairs: Vec<(&String, &serde_json::Value)> = match (&self.set, &self.value) {
            (Target::Path(p), Some(v)) => vec![(p, v)],
            (Target::Values(m), None) if !m.is_empty() => m.iter().collect(),
            (Target::Path(_), None) => return Err("`set: PATH` needs a `value`".into()),
            _ => return Err("`set: {PATH: VALUE, ...}` takes no `value`".into()),
        };
        pairs
            .into_iter()
            .map(|(path, value)| {
                let segs: Vec<String> = path.split('.').map(str::to_string).collect();
                let valid = |s: &String| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                };
                if !segs.iter().all(valid) {
                    return Err(format!("invalid attribute path '{path}'"));
                }
                if value.is_array() || value.is_object() || value.is_null() {
                    return Err(format!(
                        "the value of '{path}' must be a string, number or boolean"
                    ));
                }
                Ok((segs, value.clone()))
            })
            .collect()
    }

    /// `encrypted = true, kms_key_id = ...`: what the fix sets, for people.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .assignments()
            .unwrap_or_default()
            .iter()
            .map(|(path, value)| format!("{} = {value}", path.join(".")))
            .collect();
        let mut text = format!("set {}", parts.join(", "));
        if !self.unless.is_empty() {
            text.push_str(&format!(", unless {} is set", self.unless.join(" or ")));
        }
        if self.replaces {
            text.push_str(" (unsafe: AWS replaces the resource; applied with --unsafe-fixes)");
        }
        text
    }
}
