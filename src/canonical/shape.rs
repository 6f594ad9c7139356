//! Small reshaping steps shared by the services' CloudFormation adapters.

use super::Props;
use crate::model::{Node, Value};

/// Moves the value at `from` to `to`.
pub fn rename(p: &mut Props, from: &str, to: &str) {
    if from != to {
        if let Some(v) = p.remove(from) {
            p.insert(to.to_string(), v);
        }
    }
}

/// Wraps a single value into a one-element list (Terraform's nested-block shape).
pub fn wrap(p: &mut Props, key: &str) {
    if let Some(v) = p
        .get_mut(key)
        .filter(|v| !matches!(v.value, Value::List(_)))
    {
        *v = std::mem::replace(v, Node::new(Value::Null, v.span)).into_list();
    }
}

/// Moves the entries of the map at `key` to the top level (e.g. `LaunchTemplateData`).
pub fn lift(p: &mut Props, key: &str) {
    if let Some(Value::Map(inner)) = p.remove(key).map(|n| n.value) {
        p.extend(inner);
    }
}

/// Applies `f` to every map in the list at `key`.
pub fn each_map(p: &mut Props, key: &str, f: impl Fn(&mut Props)) {
    if let Some(Value::List(items)) = p.get_mut(key).map(|n| &mut n.value) {
        items.iter_mut().filter_map(Node::map_mut).for_each(f);
    }
}

/// Appends `item` to the list at `attr` of `parent`, making the list if needed.
pub fn append(parent: &mut Node, attr: &str, item: Node) {
    let Some(map) = parent.map_mut() else { return };
    let entry = map.get_or_insert_with(attr.to_string(), || {
        Node::new(Value::List(Vec::new()), item.span)
    });
    match &mut entry.value {
        Value::List(items) => items.push(item),
        _ => *entry = Node::new(Value::List(vec![item]), entry.span),
    }
}
