//! `terraform show -json` plans: the planned resources (root and child
//! modules) into the model. A plan has no source positions, so every value
//! points at its resource's object in the plan file (its `"address"` line),
//! and a note says so.

use super::decode_documents;
use super::expr::instance_key;
use super::plan_links::{self, Planned};
use crate::diag::Problem;
use crate::model::{Format, Node, Resource, Unit, Value};
use crate::source::Span;
use foldhash::HashMap;

/// True if the document is the JSON output of `terraform show -json`.
pub fn looks_like_plan(doc: &Node) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("planned_values").is_some() || doc.get("values").is_some())
}

/// The managed resources of a plan (or state), with a note on positions.
pub fn normalize(doc: &Node, written: &str) -> (Unit, Vec<Problem>) {
    let mut unit = Unit::default();
    let unknown = after_unknown(doc);
    let root = doc
        .get("planned_values")
        .or_else(|| doc.get("values"))
        .and_then(|v| v.get("root_module"));
    let mut planned = Vec::new();
    if let Some(root) = root {
        module(root, &unknown, written, &mut unit, &mut planned);
    }
    plan_links::link(&mut unit.resources, &planned, doc.get("configuration"));
    let mut problems = crate::canonical::finish(&mut unit);
    problems.push(Problem::new(
        doc.span,
        "a plan carries no source positions: findings point at the resource in the plan",
    ));
    (unit, problems)
}

/// `after_unknown` of every resource change, by address.
fn after_unknown(doc: &Node) -> HashMap<String, Node> {
    doc.get("resource_changes")
        .and_then(Node::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            let address = c.get("address")?.as_str()?.to_string();
            Some((address, c.get("change")?.get("after_unknown")?.clone()))
        })
        .collect()
}

fn module(
    m: &Node,
    unknown: &HashMap<String, Node>,
    written: &str,
    unit: &mut Unit,
    planned: &mut Vec<Planned>,
) {
    let prefix = m
        .get("address")
        .and_then(Node::as_str)
        .map_or(String::new(), |a| format!("{a}."));
    let config_module = without_keys(&prefix);
    for r in m
        .get("resources")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        if r.get("mode").and_then(Node::as_str) != Some("managed") {
            continue;
        }
        let (Some(address), Some(ty), Some(name)) = (
            r.get("address").and_then(Node::as_str),
            r.get("type").and_then(Node::as_str),
            r.get("name").and_then(Node::as_str),
        ) else {
            continue;
        };
        planned.push(Planned {
            config_module: config_module.clone(),
            module: prefix.clone(),
            config_address: format!("{ty}.{name}"),
            key: r
                .get("index")
                .and_then(|i| instance_key(&i.value))
                .unwrap_or_default(),
        });
        let mut props = r
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(Value::Map(Default::default()), r.span));
        if let Some(u) = unknown.get(address) {
            mark_unknown(&mut props, u);
        }
        drop_nulls(&mut props);
        decode_documents(&mut props, r.span.file, written);
        // The resource's `"address": ...` line stands for the whole object.
        let span = r.get("address").map_or(r.span, Node::label_span);
        at(&mut props, span);
        unit.resources.push(Resource {
            address: address.to_string(),
            native_type: ty.to_string(),
            canonical_type: ty.to_string(),
            format: Format::Terraform,
            span,
            native: props.clone(),
            props,
            metadata: None,
        });
    }
    for child in m
        .get("child_modules")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        module(child, unknown, written, unit, planned);
    }
}

/// `module.a["x"].module.b[0].` → `module.a.module.b.`
fn without_keys(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Values known only after apply become unknown (`after_unknown` is `true`).
fn mark_unknown(node: &mut Node, unknown: &Node) {
    match (&mut node.value, &unknown.value) {
        (Value::Map(map), Value::Map(u)) => {
            for (key, flag) in u {
                match map.get_mut(key) {
                    Some(v) => mark_unknown(v, flag),
                    None if flag.value == Value::Bool(true) => {
                        map.insert(key.clone(), Node::new(Value::Unknown, node.span));
                    }
                    None => {}
                }
            }
        }
        (Value::List(items), Value::List(u)) => {
            for (item, flag) in items.iter_mut().zip(u) {
                mark_unknown(item, flag);
            }
        }
        (_, Value::Bool(true)) => node.value = Value::Unknown,
        _ => {}
    }
}

/// Null attributes are unset settings, like absent ones in configuration.
fn drop_nulls(node: &mut Node) {
    match &mut node.value {
        Value::Map(map) => {
            map.retain(|_, v| v.value != Value::Null);
            map.values_mut().for_each(drop_nulls);
        }
        Value::List(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Every value points at the resource.
fn at(node: &mut Node, span: Span) {
    node.span = span;
    node.key_span = None;
    match &mut node.value {
        Value::Map(map) => map.values_mut().for_each(|v| at(v, span)),
        Value::List(items) => items.iter_mut().for_each(|v| at(v, span)),
        _ => {}
    }
}
