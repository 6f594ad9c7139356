//! `terraform show -json` plans: the planned resources (root and child
//! modules) into the model. A plan has no source positions, so every value
//! points at its resource's object in the plan file, and a note says so.

use super::decode_documents;
use crate::diag::Problem;
use crate::model::{fold, Format, Node, Resource, Unit, Value};
use std::collections::HashMap;

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
    if let Some(root) = root {
        module(root, &unknown, written, &mut unit);
    }
    fold::fold_split_resources(&mut unit);
    let note = Problem::new(
        doc.span,
        "a plan carries no source positions: findings point at the resource in the plan",
    );
    (unit, vec![note])
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

fn module(m: &Node, unknown: &HashMap<String, Node>, written: &str, unit: &mut Unit) {
    for r in m
        .get("resources")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        if r.get("mode").and_then(Node::as_str) != Some("managed") {
            continue;
        }
        let (Some(address), Some(ty)) = (
            r.get("address").and_then(Node::as_str),
            r.get("type").and_then(Node::as_str),
        ) else {
            continue;
        };
        let mut props = r
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(Value::Map(Default::default()), r.span));
        if let Some(u) = unknown.get(address) {
            mark_unknown(&mut props, u);
        }
        drop_nulls(&mut props);
        decode_documents(&mut props, r.span.file, written);
        at(&mut props, r);
        unit.resources.push(Resource {
            address: address.to_string(),
            native_type: ty.to_string(),
            canonical_type: ty.to_string(),
            format: Format::Terraform,
            span: r.span,
            native: props.clone(),
            props,
        });
    }
    for child in m
        .get("child_modules")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        module(child, unknown, written, unit);
    }
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

/// Every value points at the resource object.
fn at(node: &mut Node, resource: &Node) {
    node.span = resource.span;
    node.key_span = None;
    match &mut node.value {
        Value::Map(map) => map.values_mut().for_each(|v| at(v, resource)),
        Value::List(items) => items.iter_mut().for_each(|v| at(v, resource)),
        _ => {}
    }
}
