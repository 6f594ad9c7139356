//! Settings that Terraform (or CloudFormation) writes as separate resources are
//! folded into the canonical view of their parent when the reference resolves,
//! keeping the span where they were written.

use super::{Node, Resource, Unit, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// (child type, attribute referring to the parent, parent type, parent attribute);
/// an empty parent attribute means `ingress` or `egress`, by the rule's direction.
const FOLDS: &[(&str, &str, &str, &str)] = &[
    ("aws_s3_bucket_acl", "bucket", "aws_s3_bucket", "acl"),
    (
        "aws_network_acl_rule",
        "network_acl_id",
        "aws_network_acl",
        "",
    ),
    (
        "aws_s3_bucket_logging",
        "bucket",
        "aws_s3_bucket",
        "logging",
    ),
    (
        "aws_s3_bucket_policy",
        "bucket",
        "aws_s3_bucket",
        "bucket_policy",
    ),
    (
        "aws_s3_bucket_public_access_block",
        "bucket",
        "aws_s3_bucket",
        "public_access_block",
    ),
    (
        "aws_s3_bucket_server_side_encryption_configuration",
        "bucket",
        "aws_s3_bucket",
        "server_side_encryption_configuration",
    ),
    (
        "aws_s3_bucket_versioning",
        "bucket",
        "aws_s3_bucket",
        "versioning",
    ),
    (
        "aws_security_group_rule",
        "security_group_id",
        "aws_security_group",
        "",
    ),
];

/// Folds split resources into their parents; security group and network ACL
/// rules whose parent is not in the unit become a parent of their own.
pub fn fold_split_resources(unit: &mut Unit) {
    for r in &mut unit.resources {
        normalize_vpc_rule(r);
        normalize_acl_rule(r);
    }
    let index: HashMap<String, usize> = unit
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address.clone(), i))
        .collect();
    let by_name = bucket_names(unit);
    let mut moves = Vec::new();
    for (child, r) in unit.resources.iter().enumerate() {
        let Some(&(_, ref_attr, parent_type, parent_attr)) =
            FOLDS.iter().find(|f| f.0 == r.canonical_type)
        else {
            continue;
        };
        let parent = match r.props.get(ref_attr).map(|n| &n.value) {
            Some(Value::Ref(target)) => index
                .get(&target.address)
                .copied()
                .filter(|&p| unit.resources[p].canonical_type == parent_type),
            Some(Value::Str(name)) if parent_type == BUCKET => by_name.get(name.as_str()).copied(),
            _ => None,
        };
        let attr = if parent_attr.is_empty() {
            rule_direction(r)
        } else {
            parent_attr
        };
        moves.push((child, parent, attr.to_string()));
    }
    let mut folded = BTreeSet::new();
    for (child, parent, attr) in moves {
        let mut item = unit.resources[child].props.clone();
        if let Some(m) = item.map_mut() {
            m.remove(
                FOLDS
                    .iter()
                    .find(|f| f.0 == unit.resources[child].canonical_type)
                    .map_or("", |f| f.1),
            );
        }
        item.span = unit.resources[child].span;
        item.key_span = None;
        match parent {
            Some(p) => {
                let child_type = unit.resources[child].canonical_type.clone();
                let parent = &mut unit.resources[p].props;
                match child_type.as_str() {
                    "aws_s3_bucket_acl" => set_acl(parent, item),
                    "aws_s3_bucket_versioning" => append(parent, &attr, versioning(item)),
                    _ => append(parent, &attr, item),
                }
                folded.insert(child);
            }
            None if attr == "ingress" || attr == "egress" => {
                let r = &mut unit.resources[child];
                r.canonical_type = FOLDS
                    .iter()
                    .find(|f| f.0 == r.canonical_type)
                    .map_or("", |f| f.2)
                    .into();
                let span = r.span;
                r.props = Node::new(Value::Map(BTreeMap::new()), span);
                append(&mut r.props, &attr, item);
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

const BUCKET: &str = "aws_s3_bucket";

/// Buckets by their literal name, so a split setting that names its bucket
/// (`bucket = "logs"`, or a local holding it) folds like one that refers to
/// it; a name two buckets share folds into neither.
fn bucket_names(unit: &Unit) -> HashMap<&str, usize> {
    let mut by_name: HashMap<&str, Option<usize>> = HashMap::new();
    for (i, r) in unit.resources.iter().enumerate() {
        if r.canonical_type != BUCKET {
            continue;
        }
        if let Some(name) = r.props.get("bucket").and_then(Node::as_str) {
            by_name
                .entry(name)
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
fn rule_direction(r: &Resource) -> &'static str {
    let egress = r.props.get("type").and_then(Node::as_str) == Some("egress")
        || r.props.get("egress").map(|n| &n.value) == Some(&Value::Bool(true));
    if egress {
        "egress"
    } else {
        "ingress"
    }
}

/// `aws_network_acl_rule` keys into the shape of `aws_network_acl`'s inline rules,
/// with numbers written as strings (common in CloudFormation JSON) as integers.
fn normalize_acl_rule(r: &mut Resource) {
    if r.canonical_type != "aws_network_acl_rule" {
        return;
    }
    let Some(p) = r.props.map_mut() else { return };
    for (from, to) in [("rule_number", "rule_no"), ("rule_action", "action")] {
        if let Some(v) = p.remove(from) {
            p.insert(to.into(), v);
        }
    }
    for key in ["rule_no", "from_port", "to_port"] {
        if let Some(n) = p.get_mut(key) {
            if let Some(i) = n.as_str().and_then(|s| s.trim().parse::<i64>().ok()) {
                n.value = Value::Int(i);
            }
        }
    }
}

/// `aws_s3_bucket_acl`'s canned `acl` becomes the bucket's `acl` attribute.
fn set_acl(bucket: &mut Node, item: Node) {
    if let (Some(map), Some(acl)) = (bucket.map_mut(), item.get("acl")) {
        map.insert("acl".to_string(), acl.clone());
    }
}

/// `versioning_configuration { status = "Enabled" }` into the bucket's `versioning { enabled }` shape.
fn versioning(item: Node) -> Node {
    let mut out = BTreeMap::new();
    let status = item
        .get("versioning_configuration")
        .and_then(Node::as_list)
        .and_then(<[Node]>::first)
        .and_then(|c| c.get("status"));
    if let Some(s) = status {
        let enabled = match &s.value {
            Value::Str(text) => Value::Bool(text == "Enabled"),
            _ => s.value.clone(),
        };
        out.insert(
            "enabled".to_string(),
            Node {
                value: enabled,
                ..s.clone()
            },
        );
    }
    Node {
        value: Value::Map(out),
        ..item
    }
}

fn append(parent: &mut Node, attr: &str, item: Node) {
    let Some(map) = parent.map_mut() else { return };
    let entry = map
        .entry(attr.to_string())
        .or_insert_with(|| Node::new(Value::List(Vec::new()), item.span));
    match &mut entry.value {
        Value::List(items) => items.push(item),
        _ => *entry = Node::new(Value::List(vec![item]), entry.span),
    }
}

/// `aws_vpc_security_group_{ingress,egress}_rule` into the `aws_security_group_rule` shape.
fn normalize_vpc_rule(r: &mut Resource) {
    let direction = match r.canonical_type.as_str() {
        "aws_vpc_security_group_ingress_rule" => "ingress",
        "aws_vpc_security_group_egress_rule" => "egress",
        _ => return,
    };
    r.canonical_type = "aws_security_group_rule".into();
    let span = r.span;
    let Some(p) = r.props.map_mut() else { return };
    p.insert("type".into(), Node::new(Value::Str(direction.into()), span));
    for (from, to) in [
        ("ip_protocol", "protocol"),
        ("cidr_ipv4", "cidr_blocks"),
        ("cidr_ipv6", "ipv6_cidr_blocks"),
        ("referenced_security_group_id", "security_groups"),
    ] {
        if let Some(v) = p.remove(from) {
            let v = if to == "protocol" { v } else { v.into_list() };
            p.insert(to.into(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, Reference};
    use crate::source::Span;

    fn node(value: Value) -> Node {
        Node::new(value, Span::default())
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), node(v)))
                .collect(),
        )
    }

    fn resource(address: &str, props: Vec<(&str, Value)>) -> Resource {
        let ty = address.split('.').next().unwrap_or_default().to_string();
        Resource {
            address: address.into(),
            native_type: ty.clone(),
            canonical_type: ty,
            format: Format::Terraform,
            span: Span::default(),
            props: node(map(props)),
            native: node(map(Vec::new())),
            metadata: None,
        }
    }

    #[test]
    fn split_acl_and_versioning_take_the_bucket_attribute_shapes() {
        let bucket = || {
            Value::Ref(Reference {
                address: "aws_s3_bucket.b".into(),
                attribute: "id".into(),
            })
        };
        let mut unit = Unit {
            resources: vec![
                resource("aws_s3_bucket.b", Vec::new()),
                resource(
                    "aws_s3_bucket_acl.b",
                    vec![
                        ("bucket", bucket()),
                        ("acl", Value::Str("public-read".into())),
                    ],
                ),
                resource(
                    "aws_s3_bucket_versioning.b",
                    vec![
                        ("bucket", bucket()),
                        (
                            "versioning_configuration",
                            Value::List(vec![node(map(vec![(
                                "status",
                                Value::Str("Suspended".into()),
                            )]))]),
                        ),
                    ],
                ),
            ],
            ..Unit::default()
        };
        fold_split_resources(&mut unit);
        assert_eq!(unit.resources.len(), 1);
        let bucket = &unit.resources[0].props;
        assert_eq!(
            bucket.get("acl").and_then(Node::as_str),
            Some("public-read")
        );
        let versioning = bucket.get("versioning").and_then(Node::as_list).unwrap();
        assert_eq!(versioning.len(), 1);
        assert_eq!(
            versioning[0].get("enabled").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
    }
}
