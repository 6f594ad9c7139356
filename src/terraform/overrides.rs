//! Override files (`override.tf`, `*_override.tf` and their `.tf.json` and
//! `.tofu` forms), merged as Terraform merges them: after the other files,
//! in name order, each of their top-level blocks into the block of the same
//! type and labels. An argument of the override replaces the original's, a
//! nested block type present in the override replaces all the original's
//! blocks of that type; `locals` are merged per name, `variable` and
//! `output` per argument.

use super::expr::{span_in, Bindings, Scope};
use super::{body_node, json, ParsedFile};
use crate::diag::Problem;
use crate::model::{Node, Value};
use crate::source::Span;
use foldhash::{HashMap, HashMapExt, HashSet};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;
use std::path::Path;

/// True for `override.tf`, `*_override.tf` and their `.tf.json`, `.tofu`
/// and `.tofu.json` forms.
pub fn is_override(f: &ParsedFile) -> bool {
    let name = Path::new(&f.source.name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    [".tf", ".tf.json", ".tofu", ".tofu.json"]
        .iter()
        .filter_map(|ext| name.strip_suffix(ext))
        .any(|stem| stem == "override" || stem.ends_with("_override"))
}

/// Puts a folder's override files after the others, each group keeping its
/// (name) order: Terraform reads them last.
pub fn order(files: &mut [ParsedFile]) {
    files.sort_by_key(is_override);
}

/// The top-level blocks of a file that overrides can merge into, by key
/// (`resource.TYPE.NAME`, `data.TYPE.NAME`, `module.NAME`, `variable.NAME`,
/// `output.NAME`, `local.NAME`), with their bodies (none for a local).
fn blocks(f: &ParsedFile) -> Vec<(String, Option<Written<'_>>, Span)> {
    let mut out = Vec::new();
    for block in f.body.iter().filter_map(Structure::as_block) {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let written = Written::Hcl(f, block);
        match (block.ident.as_str(), labels.as_slice()) {
            ("locals", []) => {
                for attr in block.body.iter().filter_map(Structure::as_attribute) {
                    let at = span_in(attr.key.span(), f.id);
                    out.push((format!("local.{}", attr.key.as_str()), None, at));
                }
            }
            (kind @ ("resource" | "data"), [ty, name]) => {
                out.push((format!("{kind}.{ty}.{name}"), Some(written), written.span()))
            }
            (kind @ ("module" | "variable" | "output"), [name]) => {
                out.push((format!("{kind}.{name}"), Some(written), written.span()))
            }
            _ => {}
        }
    }
    let Some(doc) = &f.json else { return out };
    for kind in ["resource", "data"] {
        for (ty, name, body) in json::typed(doc, kind) {
            let written = Written::Json(f, body);
            out.push((format!("{kind}.{ty}.{name}"), Some(written), written.span()));
        }
    }
    for kind in ["module", "variable", "output"] {
        for (name, body) in json::blocks(doc, kind) {
            let written = Written::Json(f, body);
            out.push((format!("{kind}.{name}"), Some(written), written.span()));
        }
    }
    for (name, value) in json::locals(doc) {
        out.push((
            format!("local.{name}"),
            None,
            value.key_span.unwrap_or(value.span),
        ));
    }
    out
}

/// The blocks of a folder's override files, by what they override, in order.
#[derive(Default)]
pub struct Overrides<'p>(HashMap<String, Vec<Written<'p>>>);

impl<'p> Overrides<'p> {
    pub fn of(files: &'p [ParsedFile]) -> Overrides<'p> {
        let mut map: HashMap<String, Vec<Written>> = HashMap::new();
        for f in files.iter().filter(|f| is_override(f)) {
            for (key, written, _) in blocks(f) {
                map.entry(key).or_default().extend(written);
            }
        }
        Overrides(map)
    }

    /// `base` with the overrides of `key` merged into it.
    pub fn merged(&self, key: &str, base: Written<'p>) -> Merged<'p> {
        Merged {
            base,
            overrides: self.0.get(key).cloned().unwrap_or_default(),
        }
    }
}

/// An error at each override block that overrides nothing.
pub fn missing(files: &[ParsedFile]) -> Vec<Problem> {
    let (overrides, bases): (Vec<&ParsedFile>, Vec<&ParsedFile>) =
        files.iter().partition(|f| is_override(f));
    if overrides.is_empty() {
        return Vec::new();
    }
    let declared: HashSet<String> = bases
        .into_iter()
        .flat_map(blocks)
        .map(|(key, _, _)| key)
        .collect();
    overrides
        .into_iter()
        .flat_map(blocks)
        .filter(|(key, _, _)| !declared.contains(key))
        .map(|(key, _, at)| {
            let what = key.replace("local.", "local value ");
            let message = format!(
                "nothing to override: {what} is not declared in a file of this module that is \
                 not an override file"
            );
            Problem::new(at, message)
        })
        .collect()
}

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

    /// The block's header: its type and labels (the name key in JSON).
    pub fn header(self) -> Span {
        match self {
            Written::Hcl(f, block) => {
                let whole = span_in(block.span(), f.id);
                let end = block.labels.last().and_then(|l| l.span());
                Span::new(
                    f.id,
                    whole.start as usize,
                    end.map_or(whole.end as usize, |r| r.end),
                )
            }
            Written::Json(..) => self.span(),
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
