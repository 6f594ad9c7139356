//! Declared attribute types, and the conversion every value of a declared
//! attribute goes through, as the provider's schema (Terraform) or the
//! service (CloudFormation) converts it: `"22"` is the number 22 where a
//! port is expected, `"true"` the boolean, a single CIDR a one-element list,
//! `null` an omitted attribute.

use crate::diag::Problem;
use crate::model::{Node, Resource, Value};
use std::sync::Arc;

/// The type of a canonical attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    /// A whole number.
    Int,
    Str,
    /// A list of strings; a single string is a one-element list.
    Strs,
    /// Nested blocks: a list of maps; a single map is a one-element list.
    Blocks,
    /// A map whose values are strings (environment variables).
    StrMap,
    /// A string that may hold JSON, written as structure or as JSON text.
    Json,
    /// An IAM policy document, written as structure or as a JSON string.
    Document,
}

impl Ty {
    fn expected(self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "a whole number",
            Ty::Str => "a string",
            Ty::Strs => "a list of strings",
            Ty::Blocks => "a block or a list of blocks",
            Ty::StrMap => "a map of strings",
            Ty::Json | Ty::Document => "a JSON document",
        }
    }
}

/// An attribute of one or more canonical types: `ingress.from_port` is the
/// `from_port` of every `ingress` block.
#[derive(Debug)]
pub struct Attr {
    pub types: &'static [&'static str],
    pub path: &'static str,
    pub ty: Ty,
}

/// Shorthand for declaring an [`Attr`].
pub const fn attr(types: &'static [&'static str], path: &'static str, ty: Ty) -> Attr {
    Attr { types, path, ty }
}

/// Converts every declared attribute of `r` to its type.
pub fn convert(r: &mut Resource, problems: &mut Vec<Problem>) {
    for (attr, path) in super::attributes(&r.canonical_type) {
        visit(&mut r.props, path, attr, problems);
    }
}

/// Walks the attribute names of `path` down from `node` (through every
/// element of a list and both alternatives of a choice) and converts what it reaches.
fn visit(node: &mut Node, path: &[&str], attr: &Attr, problems: &mut Vec<Problem>) {
    if let Some(choice) = &mut node.branches {
        for alt in &mut Arc::make_mut(choice).when {
            visit(alt, path, attr, problems);
        }
    }
    match &mut node.value {
        Value::List(items) => items
            .iter_mut()
            .for_each(|i| visit(i, path, attr, problems)),
        Value::Map(map) => {
            let [first, rest @ ..] = path else { return };
            let Some(value) = map.get_mut(first) else {
                return;
            };
            if !rest.is_empty() {
                visit(value, rest, attr, problems);
            } else if !convert_value(value, attr, problems) {
                map.remove(first);
            }
        }
        _ => {}
    }
}

/// Converts one value (and the alternatives of a choice); false when it is
/// null, so the attribute is omitted.
fn convert_value(value: &mut Node, attr: &Attr, problems: &mut Vec<Problem>) -> bool {
    if let Some(choice) = &mut value.branches {
        for alt in &mut Arc::make_mut(choice).when {
            convert_value(alt, attr, problems);
        }
    }
    match to_type(value, attr.ty) {
        Ok(Some(())) => true,
        Ok(None) => false,
        Err(found) => {
            problems.push(Problem::new(
                value.span,
                format!(
                    "`{}` must be {}; found {found}",
                    attr.path,
                    attr.ty.expected()
                ),
            ));
            value.value = Value::Unknown;
            true
        }
    }
}

/// Converts `node` in place; `Ok(None)` when it is null (the attribute is
/// omitted), `Err` with a description of the value when it cannot be converted.
fn to_type(node: &mut Node, ty: Ty) -> Result<Option<()>, String> {
    let converted = match (&node.value, ty) {
        (Value::Null, _) => return Ok(None),
        (Value::Unknown | Value::Ref(_), _) => return Ok(Some(())),
        (Value::Bool(_), Ty::Bool)
        | (Value::Int(_), Ty::Int)
        | (Value::Str(_), Ty::Str)
        | (Value::Map(_), Ty::Json) => return Ok(Some(())),
        (Value::Str(s), Ty::Bool) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(describe(node)),
        },
        (Value::Float(f), Ty::Int) => Value::Int(whole(*f).ok_or_else(|| describe(node))?),
        (Value::Str(s), Ty::Int) => Value::Int(
            s.trim()
                .parse::<i64>()
                .ok()
                .or_else(|| s.trim().parse::<f64>().ok().and_then(whole))
                .ok_or_else(|| describe(node))?,
        ),
        // A JSON attribute is a string attribute holding JSON text.
        (Value::Bool(_) | Value::Int(_) | Value::Float(_), Ty::Str | Ty::Json) => {
            Value::Str(scalar_text(&node.value).unwrap_or_default())
        }
        (Value::List(_), Ty::Strs) => {
            let mut items = take_list(node);
            items.retain(|i| !matches!(i.value, Value::Null));
            for item in &mut items {
                if to_type(item, Ty::Str).is_err() {
                    return Err(describe(item));
                }
            }
            Value::List(items)
        }
        (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_), Ty::Strs) => {
            to_type(node, Ty::Str)?;
            let mut inner = node.clone();
            inner.key_span = None;
            Value::List(vec![inner])
        }
        (Value::List(_), Ty::Blocks) => {
            let mut items = take_list(node);
            items.retain(|i| !matches!(i.value, Value::Null));
            let block =
                |i: &Node| matches!(i.value, Value::Map(_) | Value::Unknown | Value::Ref(_));
            if let Some(item) = items.iter().find(|i| !block(i)) {
                return Err(describe(item));
            }
            Value::List(items)
        }
        (Value::List(_), Ty::Json | Ty::Document) => {
            if ty == Ty::Document {
                super::iam::normalize_document(node);
            }
            return Ok(Some(()));
        }
        (Value::Map(_), Ty::Blocks) => {
            *node = std::mem::replace(node, Node::new(Value::Null, node.span)).into_list();
            return Ok(Some(()));
        }
        (Value::Map(_), Ty::Document) => {
            super::iam::normalize_document(node);
            return Ok(Some(()));
        }
        (Value::Map(_), Ty::StrMap) => {
            if let Value::Map(map) = &mut node.value {
                for value in map.values_mut() {
                    if let Some(text) = scalar_text(&value.value) {
                        value.value = Value::Str(text);
                    }
                }
            }
            return Ok(Some(()));
        }
        (Value::Str(_), Ty::Json | Ty::Document) => {
            // Text that is not JSON (`{{resolve:...}}`, a name) is kept as written.
            match crate::json::parse_embedded(node, None) {
                Some(mut doc) => {
                    if ty == Ty::Document {
                        super::iam::normalize_document(&mut doc);
                    }
                    doc.value
                }
                None => return Ok(Some(())),
            }
        }
        _ => return Err(describe(node)),
    };
    node.value = converted;
    Ok(Some(()))
}

/// The items of the list `node` holds, taken out of it (an error after
/// this makes the value unknown, see [`convert_value`]).
fn take_list(node: &mut Node) -> Vec<Node> {
    match std::mem::replace(&mut node.value, Value::Null) {
        Value::List(items) => items,
        _ => Vec::new(),
    }
}

/// The integer a float holds exactly, if any.
fn whole(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// A scalar written as text, as Terraform converts it to a string.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(whole(*f).map_or_else(|| f.to_string(), |i| i.to_string())),
        _ => None,
    }
}

/// A short description of a value for an error message.
fn describe(node: &Node) -> String {
    if node.origin.as_ref().is_some_and(|o| o.secret) {
        return "a value that is not shown".into();
    }
    match &node.value {
        Value::Str(s) if s.chars().count() <= 40 => format!("\"{s}\""),
        Value::Str(_) => "a long string".into(),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => "null".into(),
        Value::Unknown | Value::Ref(_) => "an unknown value".into(),
    }
}
