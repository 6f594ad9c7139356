//! Settings that Terraform (or CloudFormation) writes as separate resources
//! are folded into the canonical view of their parent when the reference
//! resolves, keeping the span where they were written.

use super::shape::append;
use crate::model::{Map, Node, Resource, Unit, Value};
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

/// A setting written as a resource of its own (`aws_s3_bucket_versioning`)
/// that belongs to a parent (`aws_s3_bucket`).
pub struct Fold {
    pub child: &'static str,
    /// The child's attribute naming the parent.
    pub refers: &'static str,
    pub parent: &'static str,
    /// The parent's attribute the child becomes part of; empty for `ingress`
    /// or `egress`, by the rule's direction.
    pub attr: &'static str,
    /// Whether a parent can be named by its literal name (S3 buckets).
    pub by_name: bool,
    /// Puts the child's properties into the parent's attribute.
    pub merge: fn(&mut Node, &str, Node),
}

impl Fold {
    /// A child appended to the list at the parent's `attr`.
    pub const fn append(
        child: &'static str,
        refers: &'static str,
        parent: &'static str,
        attr: &'static str,
    ) -> Fold {
        Fold {
            child,
            refers,
            parent,
            attr,
            by_name: false,
            merge: append,
        }
    }
}

/// Folds split resources into their parents; security group and network ACL
/// rules whose parent is not in the unit become a parent of their own.
/// `folds` are by child type; the index of addresses is built only for a
/// unit that has a child referring to its parent.
pub fn fold_split_resources(unit: &mut Unit, folds: &HashMap<&str, &Fold>) {
    let mut index: Option<HashMap<&str, usize>> = None;
    let mut names = HashMap::new();
    let mut moves = Vec::new();
    for (child, r) in unit.resources.iter().enumerate() {
        let Some(&fold) = folds.get(r.canonical_type.as_str()) else {
            continue;
        };
        let parent = match r.props.get(fold.refers).map(|n| &n.value) {
            Some(Value::Ref(target)) => index
                .get_or_insert_with(|| addresses(unit))
                .get(target.address.as_str())
                .copied()
                .filter(|&p| unit.resources[p].canonical_type == fold.parent),
            Some(Value::Str(name)) if fold.by_name => names
                .entry(fold.parent)
                .or_insert_with(|| by_name(unit, fold.parent, fold.refers))
                .get(name.as_str())
                .copied(),
            _ => None,
        };
        let attr = if fold.attr.is_empty() {
            direction(r)
        } else {
            fold.attr
        };
        moves.push((child, parent, fold, attr));
    }
    let mut folded = BTreeSet::new();
    for (child, parent, fold, attr) in moves {
        let mut item = unit.resources[child].props.clone();
        if let Some(m) = item.map_mut() {
            m.remove(fold.refers);
        }
        item.span = unit.resources[child].span;
        item.key_span = None;
        match parent {
            Some(p) => {
                (fold.merge)(&mut unit.resources[p].props, attr, item);
                folded.insert(child);
            }
            None if fold.attr.is_empty() => {
                let r = &mut unit.resources[child];
                r.canonical_type = fold.parent.into();
                r.props = Node::new(Value::Map(Map::new()), r.span);
                append(&mut r.props, attr, item);
            }
            None => {}
        }
    }
    let mut i = 0;
    unit.resources.retain(|_| {
        i += 1;
        !folded.contains(&(i - 1))
    });
}

/// The position of every resource of `unit`, by address.
fn addresses(unit: &Unit) -> HashMap<&str, usize> {
    (unit.resources.iter().enumerate())
        .map(|(i, r)| (r.address.as_str(), i))
        .collect()
}

/// Parents of type `parent` by their literal name (the attribute the child
/// names them by), so a split setting that names its parent (`bucket =
/// "logs"`, or a local holding it) folds like one that refers to it; a name
/// two parents share folds into neither.
fn by_name(unit: &Unit, parent: &str, attr: &str) -> HashMap<String, usize> {
    let mut by_name: HashMap<String, Option<usize>> = HashMap::new();
    for (i, r) in unit.resources.iter().enumerate() {
        if r.canonical_type != parent {
            continue;
        }
        if let Some(name) = r.props.get(attr).and_then(Node::as_str) {
            by_name
                .entry(name.to_string())
                .and_modify(|seen| *seen = None)
                .or_insert(Some(i));
        }
    }
    by_name
        .into_iter()
        .filter_map(|(name, i)| Some((name, i?)))
        .collect()
}

/// `egress` for security group rules of type `egress` and network ACL rules with `egress = true`.
fn direction(r: &Resource) -> &'static str {
    let egress = r.props.get("type").and_then(Node::as_str) == Some("egress")
        || r.props.get("egress").is_some_and(|n| {
            n.value == Value::Bool(true)
                || n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
        });
    if egress {
        "egress"
    } else {
        "ingress"
    }
}
