//! Terraform's JSON syntax (`.tf.json`): the blocks of a document, read with
//! the spans of the JSON text.

use super::expr::{Code, Repeat};
use crate::model::{Node, Value};

/// The entries of a map node.
fn entries(node: &Node) -> impl Iterator<Item = (&str, &Node)> {
    match &node.value {
        Value::Map(m) => Some(m.iter().map(|(k, v)| (k.as_str(), v))),
        _ => None,
    }
    .into_iter()
    .flatten()
}

/// The bodies of a block kind: an object, or a list of objects.
fn bodies(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// `{"resource": {"TYPE": {"NAME": {...}}}}`: (type, name, body).
pub fn resources(doc: &Node) -> Vec<(&str, &str, &Node)> {
    typed(doc, "resource")
}

/// `{"KIND": {"TYPE": {"NAME": {...}}}}` (resources, data sources): (type, name, body).
pub fn typed<'a>(doc: &'a Node, kind: &str) -> Vec<(&'a str, &'a str, &'a Node)> {
    let mut out = Vec::new();
    for group in doc.get(kind).map(bodies).unwrap_or_default() {
        for (ty, named) in entries(group) {
            for names in bodies(named) {
                for (name, body) in entries(names) {
                    for body in bodies(body) {
                        out.push((ty, name, body));
                    }
                }
            }
        }
    }
    out
}

/// `{"KIND": {"NAME": {...}}}` (variables, outputs): (name, body).
pub fn blocks<'a>(doc: &'a Node, kind: &str) -> Vec<(&'a str, &'a Node)> {
    doc.get(kind)
        .map(bodies)
        .unwrap_or_default()
        .into_iter()
        .flat_map(entries)
        .collect()
}

/// `{"locals": {"NAME": value}}`.
pub fn locals(doc: &Node) -> Vec<(&str, &Node)> {
    blocks(doc, "locals")
}

/// The `count` or `for_each` of a resource body.
pub fn repeat(body: &Node) -> Option<Repeat<'_>> {
    if let Some(c) = body.get("count") {
        return Some(Repeat::Count(Code::Json(c)));
    }
    body.get("for_each").map(|e| Repeat::ForEach(Code::Json(e)))
}
