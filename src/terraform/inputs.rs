//! Root module variables nobody gave a value that can take only a few
//! values: a `bool`, or one whose `validation` is `contains([...], var.x)`
//! (with a default too, only when all values are asked for). See
//! [`crate::choices`].

use super::expr::span_in;
use super::vars::Assigned;
use super::ParsedFile;
use crate::cfn::parameters::scalar_text;
use crate::choices::Input;
use crate::model::{Node, Origin, Value};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;
use std::sync::Arc;

/// The open inputs of a root module's `files`, given what was `assigned`.
pub fn open(files: &[ParsedFile], assigned: &[Assigned], all_values: bool) -> Vec<Input> {
    let given = |name: &str| {
        assigned.iter().any(|a| match a {
            Assigned::Value(n, _) | Assigned::Raw { name: n, .. } => n == name,
        })
    };
    let mut out = Vec::new();
    for f in files {
        for block in f.body.iter().filter_map(Structure::as_block) {
            let [label] = block.labels.as_slice() else {
                continue;
            };
            let name = label.as_str();
            let has_default = block.body.get_attribute("default").is_some();
            if block.ident.as_str() != "variable" || given(name) || (has_default && !all_values) {
                continue;
            }
            let header = span_in(block.span(), f.id);
            let label = |text: &str| format!("var.{name} = {text}, one of the values it can take");
            let values: Vec<Node> = allowed(block, name)
                .into_iter()
                .map(|(value, at)| {
                    let mut node = Node::new(value, span_in(at, f.id));
                    let text = scalar_text(&node).unwrap_or_default();
                    node.origin = Some(Arc::new(Origin::new(header, label(&text))));
                    node
                })
                .collect();
            if !values.is_empty() {
                out.push(Input {
                    name: format!("var.{name}"),
                    values,
                    span: header,
                });
            }
        }
    }
    out
}

/// The values variable `name` can take, with where each is written.
fn allowed(block: &Block, name: &str) -> Vec<(Value, Option<std::ops::Range<usize>>)> {
    let is_bool = block
        .body
        .get_attribute("type")
        .is_some_and(|t| matches!(&t.value, Expression::Variable(v) if v.as_str() == "bool"));
    if is_bool {
        let at = block
            .body
            .get_attribute("type")
            .and_then(|t| t.value.span());
        return vec![(Value::Bool(true), at.clone()), (Value::Bool(false), at)];
    }
    for validation in block.body.iter().filter_map(Structure::as_block) {
        if validation.ident.as_str() != "validation" {
            continue;
        }
        let Some(condition) = validation.body.get_attribute("condition") else {
            continue;
        };
        if let Some(values) = contains(&condition.value, name) {
            return values;
        }
    }
    Vec::new()
}

/// The listed strings of `contains(["a", "b"], var.name)`.
fn contains(e: &Expression, name: &str) -> Option<Vec<(Value, Option<std::ops::Range<usize>>)>> {
    let Expression::FuncCall(call) = e else {
        return None;
    };
    let args: Vec<&Expression> = call.args.iter().collect();
    let [Expression::Array(list), Expression::Traversal(t)] = args.as_slice() else {
        return None;
    };
    let is_var = matches!(&t.expr, Expression::Variable(v) if v.as_str() == "var")
        && t.operators.len() == 1
        && matches!(t.operators[0].value(), TraversalOperator::GetAttr(a) if a.as_str() == name);
    if call.name.name.as_str() != "contains" || !is_var {
        return None;
    }
    list.iter()
        .map(|item| match item {
            Expression::String(s) => Some((Value::Str(s.value().clone()), item.span())),
            _ => None,
        })
        .collect()
}
