//! The `fix:` a policy declares, in canonical terms: attributes to set or
//! add (below `resource`, or below `item` when the policy checks
//! elements), or the element checked to remove.

use serde::Deserialize;
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A policy's fix as written, one of:
/// `{set: encrypted, value: true}` or `{set: {block_public_acls: true, ...}}`
/// (scalars); `{add: {PATH: VALUE}}` (a block, list or property that is
/// missing); `{remove_element: item}` (the element the finding is about).
/// `unsafe: true` when applying it makes AWS replace the resource or
/// changes what it does.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    #[serde(default)]
    pub set: Option<Target>,
    #[serde(default)]
    pub value: Option<J>,
    #[serde(default)]
    pub add: Option<BTreeMap<String, J>>,
    #[serde(default)]
    pub remove_element: Option<String>,
    /// Applying the fix makes AWS replace the resource, or changes what the
    /// resource does (`--unsafe-fixes`).
    #[serde(default, rename = "unsafe")]
    pub replaces: bool,
    /// Attribute paths whose presence means the fix does not apply (the
    /// setting belongs elsewhere then).
    #[serde(default)]
    pub unless: Vec<String>,
    /// [`FixSpec::action`], worked out at the first finding to fix.
    #[serde(skip)]
    planned: OnceLock<Result<Action, String>>,
}

/// One attribute path (with `value`), or paths and their values.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Target {
    Path(String),
    Values(BTreeMap<String, J>),
}

/// An attribute path (split at dots) and its value.
pub type Assignment = (Vec<String>, J);

/// What a fix does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Gives attributes scalar values, adding them where missing.
    Set(Vec<Assignment>),
    /// Adds attributes that are missing, with any value (objects are
    /// blocks in Terraform, mappings in CloudFormation).
    Add(Vec<Assignment>),
    /// Removes the element the finding is about, with its whole lines.
    RemoveElement,
}

impl FixSpec {
    /// What the fix does, or why it is malformed.
    pub fn action(&self) -> Result<Action, String> {
        let kinds = [
            self.set.is_some(),
            self.add.is_some(),
            self.remove_element.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err("a fix is exactly one of `set`, `add` or `remove_element`".into());
        }
        if self.value.is_some() && !matches!(self.set, Some(Target::Path(_))) {
            return Err("`value` goes with `set: PATH` only".into());
        }
        if let Some(what) = &self.remove_element {
            return match what.as_str() {
                "item" => Ok(Action::RemoveElement),
                _ => Err(format!(
                    "`remove_element` takes `item` (the element the policy checks), not '{what}'"
                )),
            };
        }
        if let Some(add) = &self.add {
            if add.is_empty() {
                return Err("`add` needs at least one `PATH: VALUE`".into());
            }
            let pairs = add.iter().map(|(p, v)| {
                check_value(p, v)?;
                Ok((split(p)?, v.clone()))
            });
            return pairs.collect::<Result<_, String>>().map(Action::Add);
        }
        let pairs: Vec<(&String, &J)> = match (&self.set, &self.value) {
            (Some(Target::Path(p)), Some(v)) => vec![(p, v)],
            (Some(Target::Values(m)), None) if !m.is_empty() => m.iter().collect(),
            (Some(Target::Path(_)), None) => return Err("`set: PATH` needs a `value`".into()),
            _ => return Err("`set: {PATH: VALUE, ...}` takes no `value`".into()),
        };
        let assignments = pairs.into_iter().map(|(path, value)| {
            if value.is_array() || value.is_object() || value.is_null() {
                return Err(format!(
                    "the value of '{path}' must be a string, number or boolean (use `add` for blocks and lists)"
                ));
            }
            Ok((split(path)?, value.clone()))
        });
        assignments.collect::<Result<_, String>>().map(Action::Set)
    }

    /// What the fix does, or why it is malformed: [`FixSpec::action`],
    /// worked out once for all the findings of a run.
    pub fn planned(&self) -> &Result<Action, String> {
        self.planned.get_or_init(|| self.action())
    }

    /// `set encrypted = true`, `add x = {...}`, `remove the element`: what
    /// the fix does, for people.
    pub fn describe(&self) -> String {
        let show = |list: &[Assignment]| {
            let parts: Vec<String> = (list.iter())
                .map(|(path, value)| format!("{} = {value}", path.join(".")))
                .collect();
            parts.join(", ")
        };
        let mut text = match self.action() {
            Ok(Action::Set(list)) => format!("set {}", show(&list)),
            Ok(Action::Add(list)) => format!("add {}", show(&list)),
            Ok(Action::RemoveElement) => {
                "remove the offending element (its block or list item, whole lines)".to_string()
            }
            Err(e) => format!("invalid: {e}"),
        };
        if !self.unless.is_empty() {
            text.push_str(&format!(", unless {} is set", self.unless.join(" or ")));
        }
        if self.replaces {
            text.push_str(
                " (unsafe: AWS replaces the resource, or it changes what the resource does; applied with --unsafe-fixes)",
            );
        }
        text
    }
}

/// `a.b` → `["a", "b"]`, each part a name.
fn split(path: &str) -> Result<Vec<String>, String> {
    let segs: Vec<String> = path.split('.').map(str::to_string).collect();
    match segs.iter().all(|s| is_name(s)) {
        true => Ok(segs),
        false => Err(format!("invalid attribute path '{path}'")),
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An added value: no null, objects keyed by names, lists not empty.
fn check_value(path: &str, value: &J) -> Result<(), String> {
    match value {
        J::Null => Err(format!("the value of '{path}' is empty")),
        J::Object(m) => m.iter().try_for_each(|(k, v)| match is_name(k) {
            true => check_value(&format!("{path}.{k}"), v),
            false => Err(format!("invalid attribute name '{k}' in '{path}'")),
        }),
        J::Array(items) if items.is_empty() => Err(format!("the list '{path}' is empty")),
        J::Array(items) => items.iter().try_for_each(|v| check_value(path, v)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> FixSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn each_kind_is_read_and_described() {
        let set = spec("{set: encrypted, value: true, unsafe: true}");
        assert_eq!(
            set.action(),
            Ok(Action::Set(vec![(vec!["encrypted".into()], J::Bool(true))]))
        );
        assert!(set.describe().starts_with("set encrypted = true (unsafe"));
        let add = spec("add: {logging: {target: [{a: 1}]}}");
        assert_eq!(add.describe(), r#"add logging = {"target":[{"a":1}]}"#);
        let remove = spec("{remove_element: item}");
        assert_eq!(remove.action(), Ok(Action::RemoveElement));
        assert_eq!(remove.planned(), &remove.action());
        assert_eq!(set.planned(), &set.action());
        assert!(remove
            .describe()
            .starts_with("remove the offending element"));
    }

    #[test]
    fn malformed_fixes_say_why() {
        let cases = [
            ("{set: a, add: {b: 1}}", "exactly one of"),
            ("{unsafe: true}", "exactly one of"),
            ("{remove_element: resource}", "takes `item`"),
            ("{remove_element: item, value: 1}", "goes with `set: PATH`"),
            ("{add: {a: {b-c: 1}}}", "invalid attribute name 'b-c'"),
            ("{add: {a: []}}", "the list 'a' is empty"),
            ("{add: {a: null}}", "'a' is empty"),
            ("{set: a, value: [1]}", "use `add`"),
            ("{set: a.}", "needs a `value`"),
            ("{set: {a.: 1}}", "invalid attribute path 'a.'"),
        ];
        for (yaml, why) in cases {
            let err = spec(yaml).action().unwrap_err();
            assert!(err.contains(why), "{yaml}: {err}");
        }
    }
}
