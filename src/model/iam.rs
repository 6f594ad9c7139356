//! IAM policy documents in one shape: `Statement` always a list, and
//! `Action`, `NotAction`, `Resource`, `NotResource` always lists.

use super::{Node, Value};

/// Normalizes a policy document; anything that is not a map is returned as is.
pub fn normalize_document(doc: &Node) -> Node {
    let Value::Map(map) = &doc.value else {
        return doc.clone();
    };
    let mut map = map.clone();
    if let Some(statements) = map.get_mut("Statement") {
        as_list(statements);
        if let Value::List(items) = &mut statements.value {
            for statement in items.iter_mut().filter_map(Node::map_mut) {
                for key in ["Action", "NotAction", "Resource", "NotResource"] {
                    if let Some(v) = statement.get_mut(key) {
                        as_list(v);
                    }
                }
            }
        }
    }
    Node {
        value: Value::Map(map),
        ..doc.clone()
    }
}

fn as_list(node: &mut Node) {
    if matches!(node.value, Value::Str(_) | Value::Map(_)) {
        let mut inner = node.clone();
        inner.key_span = None;
        node.value = Value::List(vec![inner]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn single_statement_and_action_become_lists() {
        let doc = crate::json::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*"]}}"#,
            FileId(0),
        )
        .unwrap();
        let n = normalize_document(&doc);
        let st = &n.get("Statement").unwrap().as_list().unwrap()[0];
        assert_eq!(st.get("Action").unwrap().as_list().unwrap().len(), 1);
        assert_eq!(st.get("Resource").unwrap().as_list().unwrap().len(), 1);
    }
}
