//! The one model: every resource of either format as a native view and a
//! canonical view (Terraform AWS provider types and attribute shapes, with
//! nested blocks as lists, like `terraform show -json`), with a span on every value.

use crate::source::Span;
use std::sync::Arc;

pub mod compare;
pub mod map;
pub use map::Map;

/// A value with the span where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Where the value was written.
    pub span: Span,
    /// Where its key was written, when the node is the value of a map entry.
    pub key_span: Option<Span>,
    /// Where the value came from, when a variable, parameter or module input supplied it.
    pub origin: Option<Arc<Origin>>,
    /// For an unknown value that a condition not known before deployment
    /// chooses between two alternatives: the condition and the alternatives.
    pub branches: Option<Arc<Choice>>,
}

/// Two alternatives and the condition choosing between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The condition, the same text wherever it is the same condition
    /// (a CloudFormation condition's name, a Terraform expression's text).
    pub on: String,
    /// The value when the condition is true, then when it is false.
    pub when: [Node; 2],
}

impl Node {
    /// The value a condition chooses: unknown, with both alternatives, or
    /// the alternative itself when both are the same.
    pub fn choice(on: String, yes: Node, no: Node, span: Span) -> Node {
        // Unknown alternatives are not the same value, even if both are unknown.
        if yes.value == no.value && !yes.is_unknown() {
            return yes.at(span);
        }
        Node {
            branches: Some(Arc::new(Choice {
                on,
                when: [yes, no],
            })),
            ..Node::new(Value::Unknown, span)
        }
    }
}

/// A secondary location explaining where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub span: Span,
    pub label: String,
    /// The value must never be shown (a `NoEcho` parameter, a `sensitive`
    /// variable): reports mask it.
    pub secret: bool,
}

impl Origin {
    pub fn new(span: Span, label: impl Into<String>) -> Origin {
        Origin {
            span,
            label: label.into(),
            secret: false,
        }
    }

    /// The origin of a value that must never be shown.
    pub fn secret(span: Span, label: &str) -> Origin {
        Origin {
            secret: true,
            ..Origin::new(span, label)
        }
    }
}

/// A value that must never be shown, with the places it is written or used.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    pub text: String,
    pub spans: Vec<Span>,
}

/// `text` with every occurrence of a secret replaced by as many `*` as it has characters.
pub fn mask(text: String, secrets: &[Secret]) -> String {
    let mut out = text;
    for s in secrets.iter().filter(|s| !s.text.is_empty()) {
        if out.contains(&s.text) {
            out = out.replace(&s.text, &"*".repeat(s.text.chars().count()));
        }
    }
    out
}

/// A JSON-like value plus `Unknown` and `Ref`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Map),
    /// Only known at deploy/apply time; never guessed.
    Unknown,
    /// A reference to another resource (or one of its attributes); boxed,
    /// which keeps every node small.
    Ref(Box<Reference>),
}

/// A resolvable reference to a resource attribute, e.g. `aws_vpc.main.id`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// Address of the target resource (`aws_vpc.main`, or a CloudFormation logical id).
    pub address: String,
    /// Attribute in canonical (snake_case) form; `id` for a plain `Ref`.
    pub attribute: String,
}

impl Value {
    /// A reference to `attribute` of the resource at `address`.
    pub fn reference(address: String, attribute: String) -> Value {
        Value::Ref(Box::new(Reference { address, attribute }))
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            key_span: None,
            origin: None,
            branches: None,
        }
    }

    /// This node, and the native properties a resource keeps: this node too
    /// when `keep`, else a null in its place (no policy of the run reads
    /// them, so they are not copied).
    pub fn and_native(self, keep: bool) -> (Node, Node) {
        match keep {
            true => (self.clone(), self),
            false => {
                let span = self.span;
                (self, Node::new(Value::Null, span))
            }
        }
    }

    /// A node written where this one is (spans, origin, alternatives) holding
    /// `value`; this node's own value is not copied.
    pub fn with_value(&self, value: Value) -> Node {
        Node {
            value,
            span: self.span,
            key_span: self.key_span,
            origin: self.origin.clone(),
            branches: self.branches.clone(),
        }
    }

    /// The same value, used at `span`.
    pub fn at(mut self, span: Span) -> Node {
        self.span = span;
        self.key_span = None;
        self
    }

    /// A one-element list holding this node, written at the same place.
    pub fn into_list(mut self) -> Node {
        let value = std::mem::replace(&mut self.value, Value::Null);
        let mut inner = self.with_value(value);
        inner.key_span = None;
        self.value = Value::List(vec![inner]);
        self
    }

    /// The value as JSON, if it is fully known (no unknowns, no references).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => J::from(*f),
            Value::Str(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().map(Node::to_json).collect::<Option<_>>()?),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown | Value::Ref(_) => return None,
        })
    }

    /// The span to underline: key and value of a map entry, else the value.
    pub fn label_span(&self) -> Span {
        match self.key_span {
            Some(k) => k.to(self.span),
            None => self.span,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown)
    }

    /// The scalars inside this node that must never be shown: every one
    /// when `all`, else those that came from a secret origin.
    pub fn secrets(&self, all: bool, out: &mut Vec<Secret>) {
        let all = all || self.origin.as_ref().is_some_and(|o| o.secret);
        let text = match &self.value {
            Value::List(l) => return l.iter().for_each(|n| n.secrets(all, out)),
            Value::Map(m) => return m.values().for_each(|n| n.secrets(all, out)),
            _ if !all => return,
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null | Value::Unknown | Value::Ref(_) => return,
        };
        let mut spans = vec![self.span];
        spans.extend(self.origin.as_ref().map(|o| o.span));
        out.push(Secret { text, spans });
    }

    /// Marks this value and everything in it as never to be shown; a value
    /// with no origin yet gets one labelled `label`.
    pub fn mark_secret(&mut self, label: &str) {
        let origin = match &self.origin {
            Some(o) => Origin {
                secret: true,
                ..(**o).clone()
            },
            None => Origin::secret(self.span, label),
        };
        self.origin = Some(Arc::new(origin));
        match &mut self.value {
            Value::List(items) => items.iter_mut().for_each(|n| n.mark_secret(label)),
            Value::Map(m) => m.values_mut().for_each(|n| n.mark_secret(label)),
            _ => {}
        }
    }

    /// True if this node or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match &self.value {
            Value::Unknown => true,
            Value::List(l) => l.iter().any(Node::contains_unknown),
            Value::Map(m) => m.values().any(Node::contains_unknown),
            _ => false,
        }
    }
}

/// The source format a resource was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    CloudFormation,
    Terraform,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CloudFormation => "cloudformation",
            Format::Terraform => "terraform",
        }
    }
}

/// One resource, in its native and canonical views.
#[derive(Clone, Debug)]
pub struct Resource {
    /// What users recognise: `aws_security_group.web`, or a CloudFormation logical id.
    pub address: String,
    /// `AWS::EC2::SecurityGroup` or `aws_security_group`.
    pub native_type: String,
    /// The Terraform AWS provider type name.
    pub canonical_type: String,
    pub format: Format,
    /// The resource header (the logical id key, or `resource "t" "n"`).
    pub span: Span,
    /// Canonical properties (a map).
    pub props: Node,
    /// Native properties as written (a map).
    pub native: Node,
    /// The CloudFormation `Metadata` attribute, where suppressions are declared.
    pub metadata: Option<Node>,
}

/// The resources that can refer to each other: one template, or one Terraform module tree.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    pub resources: Vec<Resource>,
    /// Remarks on what was not linted and why (a resource whose condition
    /// is false); they never change the exit code.
    pub notes: Vec<crate::diag::Problem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_stays_small() {
        // Trees of nodes are built, moved and dropped for every file.
        assert!(
            std::mem::size_of::<Node>() <= 80,
            "{}",
            std::mem::size_of::<Node>()
        );
    }
}
