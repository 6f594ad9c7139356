//! A parsed template into the model's resources.

use super::intrinsics::Resolver;
use crate::diag::Problem;
use crate::model::{canonical, fold, Format, Node, Resource, Unit, Value};
use std::collections::BTreeMap;

/// A CloudFormation template has `AWSTemplateFormatVersion`, or `Resources`
/// whose entries have a `Type` starting with `AWS::`.
pub fn looks_like_template(doc: &Node) -> bool {
    if doc.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let Some(Value::Map(resources)) = doc.get("Resources").map(|r| &r.value) else {
        return false;
    };
    resources.values().any(|r| {
        r.get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.starts_with("AWS::"))
    })
}

/// The template's resources, with intrinsic functions resolved as far as
/// can be known before deployment.
pub fn normalize_template(doc: &Node) -> (Unit, Vec<Problem>) {
    let mut problems = Vec::new();
    let empty = BTreeMap::new();
    let resources = match doc.get("Resources").map(|r| &r.value) {
        Some(Value::Map(m)) => m,
        _ => &empty,
    };
    let resolver = Resolver::new(doc, resources.keys().cloned().collect());
    let mut unit = Unit::default();
    for (logical_id, decl) in resources {
        let header = decl.key_span.unwrap_or(decl.span);
        let Some(native_type) = decl.get("Type").and_then(Node::as_str) else {
            problems.push(Problem::new(
                header,
                format!("resource '{logical_id}' has no Type"),
            ));
            continue;
        };
        let native = match decl.get("Properties") {
            Some(p) => resolver.resolve(p).unwrap_or_else(|| empty_map(p)),
            None => empty_map(decl),
        };
        let (canonical_type, props) = canonical::from_cloudformation(native_type, &native);
        unit.resources.push(Resource {
            address: logical_id.clone(),
            native_type: native_type.to_string(),
            canonical_type,
            format: Format::CloudFormation,
            span: header,
            props,
            native,
        });
    }
    fold::fold_split_resources(&mut unit);
    (unit, problems)
}

fn empty_map(at: &Node) -> Node {
    let mut n = Node::new(Value::Map(BTreeMap::new()), at.span);
    n.key_span = at.key_span;
    n
}
