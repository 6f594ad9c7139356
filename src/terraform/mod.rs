//! Terraform: HCL files of one folder (one module) into the model's resources.

mod data_sources;
#[cfg(test)]
mod document_tests;
mod expr;
mod files;
mod functions;
mod inputs;
mod json;
pub mod modules;
mod overrides;
pub mod plan;
mod plan_links;
mod policy_document;
mod recover;
#[cfg(test)]
mod tests;

mod vars;

use crate::canonical::iam;
use crate::diag::Problem;
use crate::model::{Format, Map, Node, Resource, Value};
use crate::source::{FileId, SourceFile, Span};
use expr::{span_in, Bindings, Scope};
use foldhash::HashSet;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use overrides::Merged;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use modules::{Inputs, Project};

/// A parsed `.tf` or `.tf.json` file.
pub struct ParsedFile {
    pub id: FileId,
    pub source: Arc<SourceFile>,
    /// The HCL body (empty for a `.tf.json` file).
    pub body: Body,
    /// The document of a `.tf.json` file.
    pub json: Option<Node>,
    /// Errors that did not stop the file from being read (a number out of range).
    pub problems: Vec<Problem>,
    /// Object keys renamed for the parser, by offset (see [`recover`]).
    pub renamed: BTreeMap<usize, String>,
}

/// The endings of the files Terraform and OpenTofu read as configuration.
const EXTENSIONS: &[&str] = &[".tf", ".tf.json", ".tofu", ".tofu.json"];

/// True for the files Terraform and OpenTofu read as configuration.
pub fn is_terraform_file(path: &std::path::Path) -> bool {
    // Bytes, not text: a name that is not valid UTF-8 is still linted.
    path.file_name()
        .map(|n| n.as_encoded_bytes())
        .is_some_and(|n| EXTENSIONS.iter().any(|e| n.ends_with(e.as_bytes())))
}

/// The configuration files of a folder that are read: as OpenTofu does, a
/// `x.tf` (`x.tf.json`) is left out when a `x.tofu` (`x.tofu.json`) is there.
pub fn without_replaced(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let is_tofu = |p: &PathBuf| {
        let name = p.as_os_str().as_encoded_bytes();
        name.ends_with(b".tofu") || name.ends_with(b".tofu.json")
    };
    if !paths.iter().any(is_tofu) {
        return paths;
    }
    let tofu = |p: &Path| {
        let name = p.file_name()?.to_str()?;
        let (stem, ext) = [(".tf", ".tofu"), (".tf.json", ".tofu.json")]
            .into_iter()
            .find_map(|(tf, tofu)| Some((name.strip_suffix(tf)?, tofu)))?;
        Some(p.with_file_name(format!("{stem}{ext}")))
    };
    let all: HashSet<PathBuf> = paths.iter().cloned().collect();
    paths.retain(|p| tofu(p).is_none_or(|t| !all.contains(&t)));
    paths
}

/// Parses a `.tf` or `.tf.json` file.
pub fn parse(source: Arc<SourceFile>, id: FileId) -> Result<ParsedFile, Problem> {
    let parsed = if source.name.ends_with(".json") {
        let doc = crate::json::parse(&source.text, id)?;
        (recover::Parsed::default(), Some(doc))
    } else {
        (parse_file(&source, id)?, None)
    };
    let (
        recover::Parsed {
            body,
            problems,
            renamed,
        },
        json,
    ) = parsed;
    Ok(ParsedFile {
        id,
        source,
        body,
        json,
        problems,
        renamed,
    })
}

/// Parses HCL text (a `.tf` or `.tfvars` file).
pub fn parse_file(source: &SourceFile, id: FileId) -> Result<recover::Parsed, Problem> {
    recover::parse_body(&source.text, id)
}

/// Meta-arguments that are not resource settings.
const META_ARGUMENTS: &[&str] = &[
    "count",
    "for_each",
    "provider",
    "depends_on",
    "lifecycle",
    "provisioner",
    "connection",
];

/// Attributes that hold IAM policy documents as JSON strings.
const DOCUMENT_ATTRIBUTES: &[&str] = &[
    "policy",
    "assume_role_policy",
    "access_policies",
    "access_policy",
    "policy_document",
];

/// One resource instance of a module scope, with its overrides merged,
/// keeping its native properties when `keep_native`.
fn resource(
    scope: &Scope,
    block: &Merged,
    ty: &str,
    address: String,
    b: &Bindings,
    keep_native: bool,
) -> Resource {
    let native = block.eval(scope, b);
    let f = block.base.file();
    let (mut props, native) = native.and_native(keep_native);
    // A resource from its native properties: meta-arguments dropped and
    // policy documents decoded in the canonical view.
    if let Some(map) = props.map_mut() {
        for meta in META_ARGUMENTS {
            map.remove(meta);
        }
    }
    decode_documents(&mut props, f.id, &f.source.text);
    Resource {
        address,
        native_type: ty.to_string(),
        canonical_type: ty.to_string(),
        format: Format::Terraform,
        span: block.base.header(),
        props,
        native,
        metadata: None,
    }
}

/// A body as a map: attributes by name, nested blocks as lists of maps
/// (`dynamic` blocks expanded when their collection is known).
fn body_node(scope: &Scope, f: &ParsedFile, body: &Body, span: Span, b: &Bindings) -> Node {
    let mut map = Map::with_capacity(body.len());
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let mut node = scope.eval(&attr.value, f.id, b);
                // In Terraform an attribute set to null is an attribute left unset.
                if node.value == Value::Null {
                    continue;
                }
                if node.span.file == f.id {
                    node.key_span = Some(span_in(attr.key.span(), f.id));
                }
                map.insert(attr.key.as_str().to_string(), node);
            }
            Structure::Block(block) => {
                let block_span = span_in(block.span(), f.id);
                let (key, items) = match (block.ident.as_str(), block.labels.first()) {
                    ("dynamic", Some(label)) => (
                        label.as_str().to_string(),
                        dynamic(scope, f, block, label.as_str(), b),
                    ),
                    (ident, _) => (
                        ident.to_string(),
                        vec![body_node(scope, f, &block.body, block_span, b)],
                    ),
                };
                let entry = map.get_or_insert_with(key, || {
                    let mut list = Node::new(Value::List(Vec::new()), block_span);
                    list.key_span = Some(span_in(block.ident.span(), f.id));
                    list
                });
                if let Value::List(list) = &mut entry.value {
                    list.extend(items);
                }
            }
        }
    }
    Node::new(Value::Map(map), span)
}

/// The blocks a `dynamic "label"` block generates: one per element when the
/// collection is known, else one whose iterator values are unknown.
fn dynamic(scope: &Scope, f: &ParsedFile, block: &Block, label: &str, b: &Bindings) -> Vec<Node> {
    let block_span = span_in(block.span(), f.id);
    let Some(content) = block
        .body
        .iter()
        .filter_map(Structure::as_block)
        .find(|c| c.ident.as_str() == "content")
    else {
        return vec![Node::new(Value::Unknown, block_span)];
    };
    let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
        Some(hcl_edit::expr::Expression::Variable(v)) => v.as_str().to_string(),
        _ => label.to_string(),
    };
    let collection = block
        .body
        .get_attribute("for_each")
        .map(|a| scope.eval(&a.value, f.id, b));
    let entries = collection.as_ref().and_then(functions::entries);
    let pairs = entries.unwrap_or_else(|| {
        scope.notes.borrow_mut().push(Problem::new(
            block_span,
            format!(
                "dynamic \"{label}\": its for_each is not known before apply; linted as one \
                 block whose key and value are unknown"
            ),
        ));
        let unknown = Node::new(Value::Unknown, block_span);
        vec![(unknown.clone(), unknown)]
    });
    pairs
        .into_iter()
        .map(|(key, value)| {
            let object = Map::from([("key".to_string(), key), ("value".to_string(), value)]);
            let mut inner = b.clone();
            inner.insert(iterator.clone(), Node::new(Value::Map(object), block_span));
            body_node(scope, f, &content.body, block_span, &inner)
        })
        .collect()
}

/// JSON strings in policy attributes become normalized policy documents.
fn decode_documents(node: &mut Node, file: FileId, written: &str) {
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.iter_mut() {
                if DOCUMENT_ATTRIBUTES.contains(&key.as_str()) {
                    if let Some(doc) = decode_json_string(value, file, written) {
                        *value = doc;
                    } else if matches!(value.value, Value::Map(_)) {
                        iam::normalize_document(value);
                    }
                } else {
                    decode_documents(value, file, written);
                }
            }
        }
        Value::List(items) => items
            .iter_mut()
            .for_each(|i| decode_documents(i, file, written)),
        _ => {}
    }
}

/// The normalized policy document a JSON string holds; spans point into
/// `written` (the text of `file`) where the string is written verbatim, or
/// into the file `file()` read it from.
fn decode_json_string(value: &Node, file: FileId, written: &str) -> Option<Node> {
    let verbatim = if value.span.file == file {
        Some(written)
    } else {
        value.as_str().filter(|_| functions::verbatim(value))
    };
    let mut doc = crate::json::parse_embedded(value, verbatim)?;
    iam::normalize_document(&mut doc);
    Some(doc)
}
