//! Static evaluation of Terraform expressions into model nodes: literals keep
//! their spans, `var.*` and `local.*` resolve to their values (pointing back
//! at where they were set), resource attributes become references, and
//! anything only known at apply time becomes unknown.

use crate::model::{Node, Origin, Reference, Value};
use crate::source::{FileId, Span};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// How much `var.*` and `local.*` substitutions may copy in one module
/// (nodes, plus string bytes / 64), and the longest string a template may
/// build: beyond, values are unknown, so locals that double at every step
/// cannot exhaust memory.
const COPY_BUDGET: usize = 1_000_000;
const MAX_STRING: usize = 1 << 20;
/// Locals referring to locals deeper than this are unknown (bounds recursion).
const MAX_LOCAL_DEPTH: usize = 64;

/// What names mean inside one module.
#[derive(Default)]
pub struct Scope {
    copied: Cell<usize>,
    variables: HashMap<String, Option<(Expression, FileId)>>,
    locals: HashMap<String, (Expression, FileId)>,
    resources: HashSet<String>,
    local_values: RefCell<HashMap<String, Node>>,
    resolving: RefCell<HashSet<String>>,
}

impl Scope {
    pub fn declare_resource(&mut self, address: String) {
        self.resources.insert(address);
    }

    pub fn declare_variable(&mut self, name: &str, default: Option<(Expression, FileId)>) {
        self.variables.insert(name.to_string(), default);
    }

    pub fn declare_local(&mut self, name: &str, value: Expression, file: FileId) {
        self.locals.insert(name.to_string(), (value, file));
    }

    /// Converts an expression written in `file`.
    pub fn convert(&self, e: &Expression, file: FileId) -> Node {
        let span = e
            .span()
            .map_or(Span::new(file, 0, 0), |r| Span::new(file, r.start, r.end));
        let value = match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Unknown, Value::Float),
            },
            Expression::String(s) => Value::Str(s.value().clone()),
            Expression::Array(a) => Value::List(a.iter().map(|i| self.convert(i, file)).collect()),
            Expression::Object(o) => {
                let mut map = BTreeMap::new();
                for (key, value) in o.iter() {
                    let (name, key_range) = match key {
                        ObjectKey::Ident(i) => (Some(i.as_str().to_string()), i.span()),
                        ObjectKey::Expression(k) => {
                            (self.convert(k, file).as_str().map(str::to_string), k.span())
                        }
                    };
                    let Some(name) = name else { continue };
                    let mut node = self.convert(value.expr(), file);
                    node.key_span = key_range.map(|r| Span::new(file, r.start, r.end));
                    map.insert(name, node);
                }
                Value::Map(map)
            }
            Expression::StringTemplate(t) => self.template(t, file),
            Expression::HeredocTemplate(h) => self.template(&h.template, file),
            Expression::Parenthesis(p) => return self.convert(p.inner(), file).at(span),
            Expression::Traversal(t) => return self.traversal(&t.expr, &t.operators, file, span),
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                match (call.name.name.as_str(), args.as_slice()) {
                    ("jsonencode" | "tolist" | "toset", [arg]) => {
                        return self.convert(arg, file).at(span)
                    }
                    ("concat", _) => {
                        let mut out = Vec::new();
                        for arg in &args {
                            match self.convert(arg, file).value {
                                Value::List(items) => out.extend(items),
                                _ => return Node::new(Value::Unknown, span),
                            }
                        }
                        Value::List(out)
                    }
                    _ => Value::Unknown,
                }
            }
            Expression::Conditional(c) => match self.convert(&c.cond_expr, file).value {
                Value::Bool(true) => return self.convert(&c.true_expr, file).at(span),
                Value::Bool(false) => return self.convert(&c.false_expr, file).at(span),
                _ => Value::Unknown,
            },
            Expression::UnaryOp(op) => {
                match (op.operator.value(), self.convert(&op.expr, file).value) {
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOperator::Neg, Value::Int(i)) => Value::Int(-i),
                    (UnaryOperator::Neg, Value::Float(f)) => Value::Float(-f),
                    _ => Value::Unknown,
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.convert(&op.lhs_expr, file).value;
                let rhs = self.convert(&op.rhs_expr, file).value;
                binary(*op.operator.value(), lhs, rhs)
            }
            Expression::Variable(_) | Expression::ForExpr(_) => Value::Unknown,
        };
        Node::new(value, span)
    }

    fn template(&self, t: &Template, file: FileId) -> Value {
        let mut out = String::new();
        for element in t.iter() {
            match element {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => match self.convert(&i.expr, file).value {
                    Value::Str(s) => out.push_str(&s),
                    Value::Int(n) => out.push_str(&n.to_string()),
                    Value::Float(n) => out.push_str(&n.to_string()),
                    Value::Bool(b) => out.push_str(&b.to_string()),
                    _ => return Value::Unknown,
                },
                Element::Directive(_) => return Value::Unknown,
            }
            if out.len() > MAX_STRING {
                return Value::Unknown;
            }
        }
        Value::Str(out)
    }

    fn traversal(
        &self,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        file: FileId,
        span: Span,
    ) -> Node {
        let unknown = || Node::new(Value::Unknown, span);
        let Expression::Variable(root) = root else {
            return unknown();
        };
        let attr = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        };
        let (value, rest) = match (root.as_str(), attr(0)) {
            ("var", Some(name)) => match self.variables.get(name) {
                Some(Some((default, def_file))) => {
                    let node = self.convert(default, *def_file);
                    (supplied(node, span, format!("var.{name}")), 1)
                }
                _ => return unknown(),
            },
            ("local", Some(name)) => match self.local(name) {
                Some(node) => (supplied(node, span, format!("local.{name}")), 1),
                None => return unknown(),
            },
            (ty, Some(name)) if self.resources.contains(&format!("{ty}.{name}")) => {
                let mut i = 1;
                while let Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) =
                    ops.get(i).map(|o| o.value())
                {
                    i += 1;
                }
                let reference = Reference {
                    address: format!("{ty}.{name}"),
                    attribute: attr(i).unwrap_or("id").to_string(),
                };
                return Node::new(Value::Ref(reference), span);
            }
            _ => return unknown(),
        };
        if !self.spend(&value) {
            return unknown();
        }
        let mut node = value;
        for op in &ops[rest..] {
            let next = match op.value() {
                TraversalOperator::GetAttr(name) => node.get(name.as_str()).cloned(),
                TraversalOperator::Index(index) => match self.convert(index, file).value {
                    Value::Int(i) => node.as_list().and_then(|l| l.get(i as usize)).cloned(),
                    Value::Str(s) => node.get(&s).cloned(),
                    _ => None,
                },
                TraversalOperator::LegacyIndex(i) => node
                    .as_list()
                    .and_then(|l| l.get(*i.value() as usize))
                    .cloned(),
                _ => None,
            };
            node = match next {
                Some(n) => n.at(span),
                None => return unknown(),
            };
        }
        node
    }

    /// Charges a substituted value to the copy budget; false once it is spent.
    fn spend(&self, node: &Node) -> bool {
        fn weight(node: &Node) -> usize {
            1 + match &node.value {
                Value::Str(s) => s.len() / 64,
                Value::List(items) => items.iter().map(weight).sum(),
                Value::Map(map) => map.values().map(weight).sum(),
                _ => 0,
            }
        }
        let total = self.copied.get().saturating_add(weight(node));
        self.copied.set(total);
        total <= COPY_BUDGET
    }

    /// The value of `local.name`, evaluated once; a cycle or a chain deeper
    /// than [`MAX_LOCAL_DEPTH`] is unknown.
    fn local(&self, name: &str) -> Option<Node> {
        if let Some(v) = self.local_values.borrow().get(name) {
            return Some(v.clone());
        }
        let (expr, file) = self.locals.get(name)?;
        if self.resolving.borrow().len() >= MAX_LOCAL_DEPTH
            || !self.resolving.borrow_mut().insert(name.to_string())
        {
            return None;
        }
        let node = self.convert(expr, *file);
        self.resolving.borrow_mut().remove(name);
        self.local_values
            .borrow_mut()
            .insert(name.to_string(), node.clone());
        Some(node)
    }
}

/// A value set elsewhere, used at `span`: every node points at the use, and
/// remembers where the value was set.
fn supplied(node: Node, span: Span, what: String) -> Node {
    let origin = Arc::new(Origin {
        span: node.span,
        label: format!("value set here ({what})"),
    });
    respan(node, span, &origin)
}

fn respan(node: Node, span: Span, origin: &Arc<Origin>) -> Node {
    let value = match node.value {
        Value::List(items) => {
            Value::List(items.into_iter().map(|n| respan(n, span, origin)).collect())
        }
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, n)| (k, respan(n, span, origin)))
                .collect(),
        ),
        other => other,
    };
    Node {
        value,
        span,
        key_span: None,
        origin: Some(node.origin.unwrap_or_else(|| origin.clone())),
    }
}

fn binary(op: BinaryOperator, lhs: Value, rhs: Value) -> Value {
    use BinaryOperator as B;
    use Value as V;
    let known = |v: &Value| !matches!(v, V::Unknown | V::Ref(_));
    match (op, &lhs, &rhs) {
        (B::And, V::Bool(a), V::Bool(b)) => V::Bool(*a && *b),
        (B::Or, V::Bool(a), V::Bool(b)) => V::Bool(*a || *b),
        (B::Eq, a, b) if known(a) && known(b) => V::Bool(a == b),
        (B::NotEq, a, b) if known(a) && known(b) => V::Bool(a != b),
        (B::Plus, V::Int(a), V::Int(b)) => a.checked_add(*b).map_or(V::Unknown, V::Int),
        (B::Minus, V::Int(a), V::Int(b)) => a.checked_sub(*b).map_or(V::Unknown, V::Int),
        (B::Mul, V::Int(a), V::Int(b)) => a.checked_mul(*b).map_or(V::Unknown, V::Int),
        _ => V::Unknown,
    }
}
