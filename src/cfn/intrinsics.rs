//! Static resolution of CloudFormation intrinsic functions.
//! A reference to a resource stays a [`Reference`]; what only the deployment
//! knows becomes [`Value::Unknown`]; `AWS::NoValue` removes the property.

use crate::model::{canonical::snake_case, Node, Origin, Reference, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub struct Resolver<'a> {
    parameters: BTreeMap<&'a str, &'a Node>,
    resources: BTreeSet<String>,
}

impl<'a> Resolver<'a> {
    pub fn new(doc: &'a Node, resources: BTreeSet<String>) -> Resolver<'a> {
        let mut parameters = BTreeMap::new();
        if let Some(Value::Map(params)) = doc.get("Parameters").map(|p| &p.value) {
            for (name, decl) in params {
                parameters.insert(name.as_str(), decl);
            }
        }
        Resolver {
            parameters,
            resources,
        }
    }

    /// Resolves a node; `None` means the property is removed (`AWS::NoValue`).
    pub fn resolve(&self, node: &Node) -> Option<Node> {
        let value = match &node.value {
            Value::Map(m) if m.len() == 1 => {
                let (name, arg) = m.iter().next().expect("one entry");
                if name == "Ref" || name.starts_with("Fn::") || name == "Condition" {
                    return self.intrinsic(name, arg, node);
                }
                Value::Map(self.resolve_map(m))
            }
            Value::Map(m) => Value::Map(self.resolve_map(m)),
            Value::List(items) => {
                Value::List(items.iter().filter_map(|i| self.resolve(i)).collect())
            }
            other => other.clone(),
        };
        Some(Node {
            value,
            ..node.clone()
        })
    }

    fn resolve_map(&self, m: &BTreeMap<String, Node>) -> BTreeMap<String, Node> {
        m.iter()
            .filter_map(|(k, v)| self.resolve(v).map(|v| (k.clone(), v)))
            .collect()
    }

    fn intrinsic(&self, name: &str, arg: &Node, at: &Node) -> Option<Node> {
        let with = |value| {
            Some(Node {
                value,
                span: at.span,
                key_span: at.key_span,
                origin: None,
            })
        };
        match name {
            "Ref" => {
                let target = arg.as_str()?;
                if target == "AWS::NoValue" {
                    return None;
                }
                if self.resources.contains(target) {
                    return with(Value::Ref(Reference {
                        address: target.to_string(),
                        attribute: "id".to_string(),
                    }));
                }
                match self.parameters.get(target).and_then(|p| p.get("Default")) {
                    Some(default) => {
                        let mut node = self.resolve(default)?;
                        node.origin = Some(Arc::new(Origin {
                            span: default.span,
                            label: format!("default of parameter {target}"),
                        }));
                        node.span = at.span;
                        node.key_span = at.key_span;
                        Some(node)
                    }
                    None => with(Value::Unknown),
                }
            }
            "Fn::GetAtt" => {
                let (resource, attribute) = match &arg.value {
                    Value::List(l) if l.len() == 2 => (l[0].as_str()?, l[1].as_str()?),
                    Value::Str(s) => s.split_once('.')?,
                    _ => return with(Value::Unknown),
                };
                if !self.resources.contains(resource) {
                    return with(Value::Unknown);
                }
                with(Value::Ref(Reference {
                    address: resource.to_string(),
                    attribute: snake_case(attribute),
                }))
            }
            _ => with(Value::Unknown),
        }
    }
}
