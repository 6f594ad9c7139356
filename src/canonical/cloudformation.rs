//! CloudFormation's generic reshaping (snake_case keys, tags as a map), and
//! the template parameters linted as `cloudformation_parameter` resources.

use super::types::{attr, Ty};
use super::Service;
use crate::model::{Map, Node, Value};

const PARAMETER: &[&str] = &["cloudformation_parameter"];

pub const SERVICE: Service = Service {
    attributes: &[&[
        attr(PARAMETER, "no_echo", Ty::Bool),
        attr(PARAMETER, "type", Ty::Str),
    ]],
    ..Service::NONE
};

/// Properties holding IAM policy documents: their keys are IAM's, not CloudFormation's.
pub const DOCUMENT_KEYS: &[&str] = &[
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "KeyPolicy",
    "PolicyText",
];

/// Properties whose keys are names chosen by the user (environment variables), kept as written.
const VERBATIM_KEYS: &[&str] = &["Variables"];

/// The canonical properties of a CloudFormation resource (its type is
/// [`super::canonical_type`]).
pub fn from_cloudformation(cfn_type: &str, native: Node) -> Node {
    let mut props = snake_keys(native);
    if let Value::Map(map) = &mut props.value {
        super::adapt(cfn_type, map);
    }
    props
}

/// `SSEAlgorithm` → `sse_algorithm`, `CidrIpv6` → `cidr_ipv6`, `VpcId` → `vpc_id`.
/// Written byte by byte: a byte of a non-ASCII character is no ASCII letter
/// or digit, as the character is not, and is copied as it is.
pub fn snake_case(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(s.len() + 4);
    for (i, &c) in bytes.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| bytes[p]);
            let next = bytes.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && out.last() != Some(&b'_') {
                out.push(b'_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    // Only ASCII bytes were changed or added, so the text is still UTF-8.
    String::from_utf8(out).expect("ASCII changes keep UTF-8")
}

/// Renames map keys to snake_case, recursively; policy documents and
/// user-named keys are not renamed; `Tags: [{Key, Value}]` becomes a
/// `tags` map; `"true"`/`"false"` strings become booleans. Keys are
/// inserted one by one (of two that become the same, the later wins, as
/// when collected), which for the few keys of a map costs less than collecting.
/// Values are moved, not copied.
fn snake_keys(mut node: Node) -> Node {
    node.value = match std::mem::replace(&mut node.value, Value::Null) {
        Value::Map(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, mut v) in m {
                if DOCUMENT_KEYS.contains(&k.as_str()) {
                    super::iam::normalize_document(&mut v);
                } else if k == "Tags" {
                    v = tags_map(&v).unwrap_or_else(|| snake_keys(v));
                } else if !VERBATIM_KEYS.contains(&k.as_str()) {
                    v = snake_keys(v);
                }
                out.insert(snake_case(&k), v);
            }
            Value::Map(out)
        }
        Value::List(l) => Value::List(l.into_iter().map(snake_keys).collect()),
        // CloudFormation converts "true"/"false" strings for Boolean properties (common in JSON).
        Value::Str(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::Str(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        other => other,
    };
    node
}

fn tags_map(node: &Node) -> Option<Node> {
    let mut map = Map::new();
    for tag in node.as_list()? {
        let key = tag.get("Key")?.as_str()?.to_string();
        let mut value = tag.get("Value")?.clone();
        value.key_span = tag.get("Key")?.key_span;
        map.insert(key, value);
    }
    Some(node.with_value(Value::Map(map)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(snake_case("SSEAlgorithm"), "sse_algorithm");
        assert_eq!(snake_case("KMSMasterKeyID"), "kms_master_key_id");
        assert_eq!(snake_case("CidrIpv6"), "cidr_ipv6");
        assert_eq!(snake_case("IsMultiRegionTrail"), "is_multi_region_trail");
        assert_eq!(snake_case("DBInstanceClass"), "db_instance_class");
        assert_eq!(snake_case("VpcId"), "vpc_id");
        // A non-ASCII neighbour is no letter to split at.
        assert_eq!(snake_case("ÉtéVpcId"), "Étévpc_id");
        assert_eq!(snake_case("aÉBc"), "aÉbc");
    }

    #[test]
    fn boolean_strings_become_booleans_outside_tags() {
        let text = r#"{"Egress": "true", "Enabled": "False", "Name": "truthy", "Tags": [{"Key": "k", "Value": "true"}]}"#;
        let node = crate::json::parse(text, crate::source::FileId(0)).unwrap();
        let props = snake_keys(node);
        assert_eq!(
            props.get("egress").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            props.get("enabled").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
        assert_eq!(props.get("name").and_then(Node::as_str), Some("truthy"));
        let tag = props.get("tags").and_then(|t| t.get("k"));
        assert_eq!(tag.and_then(Node::as_str), Some("true"));
    }

    #[test]
    fn of_two_keys_that_become_the_same_the_later_wins() {
        let text = r#"{"VpcId": 1, "VPCId": 2, "Name": "n"}"#;
        let node = crate::json::parse(text, crate::source::FileId(0)).unwrap();
        let props = snake_keys(node);
        // `VPCId` sorts before `VpcId`, so `VpcId` is the later.
        assert_eq!(props.get("vpc_id").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(props.get("name").and_then(Node::as_str), Some("n"));
        assert!(matches!(&props.value, Value::Map(m) if m.len() == 2));
    }
}
