//! Values of input variables: variables files (`.tfvars`, `.tfvars.json`),
//! `--var` flags and `TF_VAR_` environment variables, converted to the
//! declared type like Terraform does (including `optional()` attribute defaults).

use super::expr::{Bindings, Scope};
use crate::diag::Problem;
use crate::model::{Node, Value};
use crate::source::{FileId, SourceFile, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;

/// A value assigned to a root module variable.
#[derive(Clone, Debug)]
pub enum Assigned {
    /// From a variables file: the value as written there.
    Value(String, Node),
    /// From `--var` or the environment: text, read according to the declared
    /// type (a string as is, anything else as an HCL expression).
    Raw {
        name: String,
        text: String,
        file: FileId,
    },
}

impl Assigned {
    /// A `--var`/`TF_VAR_` value whose whole text is `source`.
    pub fn raw(name: &str, source: &SourceFile, file: FileId) -> Assigned {
        Assigned::Raw {
            name: name.to_string(),
            text: source.text.clone(),
            file,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Assigned::Value(name, _) | Assigned::Raw { name, .. } => name,
        }
    }

    /// The value, given the variable's declared type.
    pub fn into_node(self, ty: Option<&Expression>) -> Node {
        match self {
            Assigned::Value(_, node) => node,
            Assigned::Raw { text, file, .. } => {
                let whole = Span::new(file, 0, text.len());
                let is_string = ty
                    .is_none_or(|t| matches!(t, Expression::Variable(v) if v.as_str() == "string"));
                if is_string {
                    return Node::new(Value::Str(text), whole);
                }
                match hcl_edit::parser::parse_expr(&text) {
                    Ok(e) => Scope::default().eval(&e, file, &Bindings::new()),
                    Err(_) => Node::new(Value::Str(text), whole),
                }
            }
        }
    }
}

/// The assignments of a variables file (HCL, or JSON when named `.json`),
/// with the errors that did not stop it.
pub fn parse_file(
    source: &SourceFile,
    file: FileId,
) -> Result<(Vec<Assigned>, Vec<Problem>), Problem> {
    if source.name.ends_with(".json") {
        let doc = crate::json::parse(&source.text, file)?;
        let Value::Map(map) = doc.value else {
            return Err(Problem::new(
                doc.span,
                "a variables file must hold an object",
            ));
        };
        let values = map
            .into_iter()
            .map(|(k, mut v)| {
                v.key_span = None;
                Assigned::Value(k, v)
            })
            .collect();
        return Ok((values, Vec::new()));
    }
    let parsed = super::parse_file(source, file)?;
    let mut scope = Scope::default();
    scope.renamed.insert(file, parsed.renamed);
    let (body, problems) = (parsed.body, parsed.problems);
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let node = scope.eval(&attr.value, file, &Bindings::new());
                out.push(Assigned::Value(attr.key.to_string(), node));
            }
            Structure::Block(block) => {
                let at = super::expr::span_in(block.span(), file);
                return Err(Problem::new(
                    at,
                    "blocks are not allowed in a variables file",
                ));
            }
        }
    }
    Ok((out, problems))
}

/// Converts a value to a declared type: numbers and booleans from strings
/// and back, element types of collections, and `optional()` defaults of
/// object attributes. Values that do not fit are left as they are.
pub fn apply_type(node: Node, ty: Option<&Expression>) -> Node {
    let Some(ty) = ty else { return node };
    match ty {
        Expression::Variable(v) => primitive(node, v.as_str()),
        Expression::FuncCall(call) => {
            let args: Vec<&Expression> = call.args.iter().collect();
            match (call.name.name.as_str(), args.as_slice()) {
                ("list" | "set" | "map", [inner]) => each(node, |n| apply_type(n, Some(inner))),
                ("optional", [inner, ..]) => apply_type(node, Some(inner)),
                ("object", [Expression::Object(fields)]) => object(node, fields),
                _ => node,
            }
        }
        _ => node,
    }
}

fn primitive(mut node: Node, ty: &str) -> Node {
    let converted = match (ty, &node.value) {
        ("number", Value::Str(s)) => s.trim().parse::<f64>().ok().map(super::functions::number),
        ("bool", Value::Str(s)) if s == "true" || s == "false" => Some(Value::Bool(s == "true")),
        ("string", Value::Int(i)) => Some(Value::Str(i.to_string())),
        ("string", Value::Float(f)) => Some(Value::Str(f.to_string())),
        ("string", Value::Bool(b)) => Some(Value::Str(b.to_string())),
        _ => None,
    };
    if let Some(v) = converted {
        node.value = v;
    }
    node
}

fn each(mut node: Node, f: impl Fn(Node) -> Node) -> Node {
    node.value = match node.value {
        Value::List(items) => Value::List(items.into_iter().map(&f).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, f(v))).collect()),
        other => other,
    };
    node
}

fn object(mut node: Node, fields: &hcl_edit::expr::Object) -> Node {
    let span = node.span;
    let Value::Map(map) = &mut node.value else {
        return node;
    };
    for (key, field) in fields.iter() {
        let name = match key {
            hcl_edit::expr::ObjectKey::Ident(i) => i.to_string(),
            hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
            _ => continue,
        };
        let field = field.expr();
        match map.remove(&name) {
            Some(v) => {
                map.insert(name, apply_type(v, Some(field)));
            }
            None => {
                if let Some(default) = optional_default(field, span) {
                    map.insert(name, default);
                }
            }
        }
    }
    node
}

/// The default of `optional(T, default)` (null without one), at `span`.
fn optional_default(ty: &Expression, span: Span) -> Option<Node> {
    let Expression::FuncCall(call) = ty else {
        return None;
    };
    if call.name.name.as_str() != "optional" {
        return None;
    }
    let args: Vec<&Expression> = call.args.iter().collect();
    Some(match args.as_slice() {
        [inner, default] => {
            let value = Scope::default().eval(default, span.file, &Bindings::new());
            let value = value
                .to_json()
                .map_or(Node::new(Value::Unknown, span), |j| {
                    super::functions::from_json(&j, span)
                });
            apply_type(value, Some(inner))
        }
        _ => Node::new(Value::Null, span),
    })
}
