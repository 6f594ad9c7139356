//! Data sources whose values are known without an AWS account:
//! `aws_iam_policy_document` (its `json` is the policy document),
//! `aws_partition` and `aws_arn`. Every other data source is unknown.

use super::expr::{with_origin, Bindings, Repeat, Scope};
use super::overrides::Merged;
use super::policy_document;
use crate::diag::Problem;
use crate::model::{Node, Origin, Value};
use crate::source::Span;
use foldhash::{HashMap, HashSet};
use hcl_edit::expr::TraversalOperator;
use std::cell::RefCell;
use std::sync::Arc;

/// The data sources of a module, and the values of those evaluated.
#[derive(Default)]
pub struct DataSources<'p> {
    declared: HashMap<String, (Merged<'p>, Option<Repeat<'p>>)>,
    values: RefCell<HashMap<String, Node>>,
    resolving: RefCell<HashSet<String>>,
}

impl<'p> DataSources<'p> {
    /// Declares `data "TYPE" "NAME"`, its overrides merged.
    pub fn declare(&mut self, id: String, block: Merged<'p>, repeat: Option<Repeat<'p>>) {
        self.declared.insert(id, (block, repeat));
    }

    /// An override's `count` or `for_each` replaces the declared block's.
    pub fn override_repeat(&mut self, id: &str, repeat: Option<Repeat<'p>>) {
        if let (Some(r), Some(old)) = (repeat, self.declared.get_mut(id)) {
            old.1 = Some(r);
        }
    }
}

/// True for the data sources evaluated here.
fn is_pure(ty: &str) -> bool {
    matches!(ty, "aws_iam_policy_document" | "aws_partition" | "aws_arn")
}

impl<'p> Scope<'p> {
    /// `data.TYPE.NAME` (`name` the operator after the type) used at `span`:
    /// its instance object, or a list (`count`) or map (`for_each`) of them.
    /// `None` when it is not declared or not known before apply.
    pub(super) fn data_source(
        &self,
        ty: &str,
        name: Option<&&TraversalOperator>,
        span: Span,
    ) -> Option<Node> {
        let Some(TraversalOperator::GetAttr(name)) = name else {
            return None;
        };
        let id = format!("{ty}.{name}");
        if !is_pure(ty) || !self.data.declared.contains_key(&id) {
            return None;
        }
        let cached = self.data.values.borrow().get(&id).cloned();
        let value = match cached {
            Some(v) => v,
            None => {
                // A data source that depends on itself is unknown.
                if !self.data.resolving.borrow_mut().insert(id.clone()) {
                    return None;
                }
                let v = self.data_instances(ty, &id);
                self.data.resolving.borrow_mut().remove(&id);
                self.data.values.borrow_mut().insert(id.clone(), v.clone());
                v
            }
        };
        if !self.budget.charge_copy(span, &value) {
            return None;
        }
        let origin = Arc::new(Origin::new(span, format!("data.{id} used here")));
        let value = match self.data.declared[&id].1 {
            None => used_at(value, &origin, self),
            Some(_) => map_children(value, &mut |o| used_at(o, &origin, self)),
        };
        Some(value)
    }

    /// The instances of a declared data source, like a resource's.
    fn data_instances(&self, ty: &str, id: &str) -> Node {
        let (block, repeat) = &self.data.declared[id];
        let at = block.base.span();
        let Some(instances) = self.repeat(*repeat) else {
            return Node::new(Value::Unknown, at);
        };
        let mut objects = instances
            .into_iter()
            .map(|(_, b)| {
                let each = b.get("each").and_then(|e| e.get("key"));
                let key = each.and_then(Node::as_str).unwrap_or_default().to_string();
                (key, self.data_object(ty, block, &b))
            })
            .collect::<Vec<_>>();
        let value = match repeat {
            None => return objects.pop().map_or(Node::new(Value::Unknown, at), |o| o.1),
            Some(Repeat::Count(_)) => Value::List(objects.into_iter().map(|o| o.1).collect()),
            Some(Repeat::ForEach(_)) => Value::Map(objects.into_iter().collect()),
        };
        Node::new(value, at)
    }

    /// One instance: its arguments and the attributes the provider computes.
    fn data_object(&self, ty: &str, block: &Merged, b: &Bindings) -> Node {
        let mut args = block.eval(self, b);
        let at = args.span;
        let text = |s: &str| Node::new(Value::Str(s.to_string()), at);
        let computed: Vec<(&str, Node)> = match ty {
            "aws_iam_policy_document" => {
                let f = block.base.file();
                let doc = match policy_document::document(&args, f.id, &f.source.text) {
                    Ok(doc) => doc,
                    Err(reason) => {
                        let message = format!("data.{ty}: {reason}; its document is not known");
                        self.notes.borrow_mut().push(Problem::new(at, message));
                        Node::new(Value::Unknown, at)
                    }
                };
                vec![
                    ("json", doc.clone()),
                    ("minified_json", doc),
                    ("id", Node::new(Value::Unknown, at)),
                ]
            }
            "aws_partition" => vec![
                ("partition", text("aws")),
                ("id", text("aws")),
                ("dns_suffix", text("amazonaws.com")),
                ("reverse_dns_prefix", text("com.amazonaws")),
            ],
            _ => arn_parts(args.get("arn"), at),
        };
        if let Some(map) = args.map_mut() {
            map.extend(computed.into_iter().map(|(k, v)| (k.to_string(), v)));
        }
        args
    }
}

/// The parts of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`),
/// as `data "aws_arn"` gives them; unknown when the ARN is.
fn arn_parts(arn: Option<&Node>, at: Span) -> Vec<(&'static str, Node)> {
    let names = ["partition", "service", "region", "account", "resource"];
    let parts: Option<Vec<&str>> = arn
        .and_then(Node::as_str)
        .and_then(|s| s.strip_prefix("arn:"))
        .map(|s| s.splitn(5, ':').collect())
        .filter(|p: &Vec<&str>| p.len() == 5);
    let span = arn.map_or(at, |a| a.span);
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let value = parts
                .as_ref()
                .map_or(Value::Unknown, |p| Value::Str(p[i].to_string()));
            (*name, Node::new(value, span))
        })
        .collect()
}

/// An instance object used at the place `origin` names: what lies inside
/// its attribute values keeps pointing where it was written, with the use
/// as a secondary label (the attribute values themselves take the span of
/// the use when read, like any value).
fn used_at(object: Node, origin: &Arc<Origin>, scope: &Scope) -> Node {
    map_children(object, &mut |attribute| {
        map_children(attribute, &mut |inner| {
            let inner = with_origin(inner, origin);
            scope.remember_inputs(&inner);
            inner
        })
    })
}

/// The node with `f` applied to each of its elements or entries.
fn map_children(node: Node, f: &mut dyn FnMut(Node) -> Node) -> Node {
    let value = match node.value {
        Value::List(items) => Value::List(items.into_iter().map(&mut *f).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, f(v))).collect()),
        other => other,
    };
    Node { value, ..node }
}
