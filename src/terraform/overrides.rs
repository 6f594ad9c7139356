//! Override files (`override.tf`, `*_override.tf` and their `.tf.json` and
//! `.tofu` forms), merged as Terraform merges them: after the other files,
//! in name order, each of their top-level blocks into the block of the same
//! type and labels. An argument of the override replaces the original's, a
//! nested block type present in the override replaces all the original's
//! blocks of that type; `locals` are merged per name, `variable` and
//! `output` per argument.

use super::expr::{span_in, Bindings, Scope};
use super::{body_node, ParsedFile};
use crate::model::{Node, Value};
use crate::source::Span;
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

/// A top-level block's body as written, in HCL or in JSON.
#[derive(Clone, Copy)]
pub enum Written<'p> {
    Hcl(&'p ParsedFile, &'p Block),
    Json(&'p ParsedFile, &'p Node),
}

impl<'p> Written<'p> {
    pub fn file(self) -> &'p ParsedFile {
        match self {
            Written::Hcl(f, _) | Written::Json(f, _) => f,
        }
    }

    /// Where the block is written.
    pub fn span(self) -> Span {
        match self {
            Written::Hcl(f, block) => span_in(block.span(), f.id),
            Written::Json(_, body) => body.key_span.unwrap_or(body.span),
        }
    }

    /// The body evaluated: attributes by name, nested blocks as lists.
    pub fn eval(self, scope: &Scope, b: &Bindings) -> Node {
        match self {
            Written::Hcl(f, block) => {
                body_node(scope, f, &block.body, span_in(block.span(), f.id), b)
            }
            Written::Json(_, body) => scope.eval_json(body, b),
        }
    }

    /// The names of the arguments and nested block types written.
    fn keys(self) -> Vec<String> {
        match self {
            Written::Hcl(_, block) => block
                .body
                .iter()
                .map(|s| match s {
                    Structure::Attribute(a) => a.key.to_string(),
                    Structure::Block(b) => match (b.ident.as_str(), b.labels.first()) {
                        ("dynamic", Some(label)) => label.as_str().to_string(),
                        (ident, _) => ident.to_string(),
                    },
                })
                .collect(),
            Written::Json(_, body) => match &body.value {
                Value::Map(m) => m.keys().cloned().collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// A block with the override blocks merged into it, in order.
#[derive(Clone)]
pub struct Merged<'p> {
    pub base: Written<'p>,
    pub overrides: Vec<Written<'p>>,
}

impl<'p> Merged<'p> {
    pub fn new(base: Written<'p>) -> Merged<'p> {
        Merged {
            base,
            overrides: Vec::new(),
        }
    }

    /// The merged body, evaluated: each override's arguments and nested
    /// block types replace the base's (one set to null removes it).
    pub fn eval(&self, scope: &Scope, b: &Bindings) -> Node {
        let mut node = self.base.eval(scope, b);
        for over in &self.overrides {
            let mut values = over.eval(scope, b);
            if let (Some(map), Some(new)) = (node.map_mut(), values.map_mut()) {
                for key in over.keys() {
                    match new.remove(&key) {
                        Some(v) => map.insert(key, v),
                        None => map.remove(&key),
                    };
                }
            }
        }
        node
    }
}
