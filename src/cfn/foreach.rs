//! `Fn::ForEach` (the `AWS::LanguageExtensions` transform) in `Resources`:
//! each loop is replaced by one copy of its fragment per collection value,
//! with `${Id}`, `&{Id}` (alphanumerics only) and `Ref: Id` substituted.

use super::intrinsics::Resolver;
use super::parameters::scalar_text;
use crate::budget::INSTANCE_STEPS;
use crate::model::{Map, Node, Value};

const PREFIX: &str = "Fn::ForEach::";

/// True if a map has a `Fn::ForEach::` key.
pub fn has_loops(m: &Map) -> bool {
    m.keys().any(|k| k.starts_with(PREFIX))
}

/// The map with its loops expanded (nested loops too); a loop whose
/// collection is unknown produces nothing, and one over the template's
/// budget stops at the last copy it affords (each counts as an instance).
pub fn expand(m: &Map, resolver: &Resolver) -> Map {
    let mut out = Map::new();
    for (k, v) in m {
        if !k.starts_with(PREFIX) {
            out.insert(k.clone(), v.clone());
            continue;
        }
        let Some([id, collection, template]) =
            v.as_list().and_then(|l| <&[Node; 3]>::try_from(l).ok())
        else {
            continue;
        };
        let (Some(id), Value::Map(fragment)) = (id.as_str(), &template.value) else {
            continue;
        };
        let Some(Value::List(items)) = resolver.resolve(collection).map(|c| c.value) else {
            continue;
        };
        let at = v.key_span.unwrap_or(v.span);
        for item in items.iter().filter_map(scalar_text) {
            let budget = &resolver.budget;
            if !budget.charge(at, INSTANCE_STEPS, 0) || !budget.charge_copy(at, template) {
                break;
            }
            let copy: Map = fragment
                .iter()
                .map(|(k, v)| (substitute_text(k, id, &item), substitute(v, id, &item)))
                .collect();
            out.extend(expand(&copy, resolver));
        }
    }
    out
}

fn substitute(node: &Node, id: &str, item: &str) -> Node {
    let value = match &node.value {
        Value::Str(s) => Value::Str(substitute_text(s, id, item)),
        Value::List(l) => Value::List(l.iter().map(|n| substitute(n, id, item)).collect()),
        Value::Map(m) if m.len() == 1 && m.get("Ref").and_then(Node::as_str) == Some(id) => {
            Value::Str(item.to_string())
        }
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (substitute_text(k, id, item), substitute(v, id, item)))
                .collect(),
        ),
        other => other.clone(),
    };
    node.with_value(value)
}

fn substitute_text(s: &str, id: &str, item: &str) -> String {
    if !s.contains('{') {
        return s.to_string();
    }
    let alnum: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    s.replace(&format!("${{{id}}}"), item)
        .replace(&format!("&{{{id}}}"), &alnum)
}
