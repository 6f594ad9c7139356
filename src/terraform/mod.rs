//! Terraform: HCL files of one folder (one module) into the model's resources.

mod expr;

use crate::diag::Problem;
use crate::model::{fold, iam, Format, Node, Resource, Unit, Value};
use crate::source::{FileId, SourceFile, Span};
use expr::Scope;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use std::collections::BTreeMap;

/// A parsed `.tf` file.
pub struct ParsedFile<'a> {
    pub id: FileId,
    pub source: &'a SourceFile,
    pub body: Body,
}

/// Parses one `.tf` file.
pub fn parse_file(source: &SourceFile, id: FileId) -> Result<Body, Problem> {
    hcl_edit::parser::parse_body(&source.text).map_err(|e| {
        let at = e.location().offset();
        Problem::new(Span::new(id, at, at), e.message().to_string())
    })
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
const DOCUMENT_ATTRIBUTES: &[&str] = &["policy", "assume_role_policy"];

/// The resources of one module (the `.tf` files of one folder).
pub fn normalize_module(files: &[ParsedFile]) -> Unit {
    let mut scope = Scope::default();
    for f in files {
        for block in f.body.iter().filter_map(Structure::as_block) {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            match (block.ident.as_str(), labels.as_slice()) {
                ("resource", [ty, name]) => scope.declare_resource(format!("{ty}.{name}")),
                ("variable", [name]) => {
                    let default = block
                        .body
                        .get_attribute("default")
                        .map(|a| (a.value.clone(), f.id));
                    scope.declare_variable(name, default);
                }
                ("locals", []) => {
                    for attr in block.body.iter().filter_map(Structure::as_attribute) {
                        scope.declare_local(attr.key.as_str(), attr.value.clone(), f.id);
                    }
                }
                _ => {}
            }
        }
    }
    let mut unit = Unit::default();
    for f in files {
        for block in f.body.iter().filter_map(Structure::as_block) {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            if let ("resource", [ty, name]) = (block.ident.as_str(), labels.as_slice()) {
                unit.resources.push(resource(&scope, f, block, ty, name));
            }
        }
    }
    fold::fold_split_resources(&mut unit);
    unit
}

fn resource(scope: &Scope, f: &ParsedFile, block: &Block, ty: &str, name: &str) -> Resource {
    let block_span = span_of(block.span(), f.id);
    let header_end = block
        .labels
        .last()
        .and_then(|l| l.span())
        .map_or(block_span.end as usize, |r| r.end);
    let span = Span::new(f.id, block_span.start as usize, header_end);
    let native = body_node(scope, f, &block.body, block_span);
    let mut props = native.clone();
    if let Some(map) = props.map_mut() {
        for meta in META_ARGUMENTS {
            map.remove(*meta);
        }
    }
    decode_documents(&mut props, f);
    Resource {
        address: format!("{ty}.{name}"),
        native_type: ty.to_string(),
        canonical_type: ty.to_string(),
        format: Format::Terraform,
        span,
        props,
        native,
        metadata: None,
    }
}

fn span_of(range: Option<std::ops::Range<usize>>, file: FileId) -> Span {
    range.map_or(Span::new(file, 0, 0), |r| Span::new(file, r.start, r.end))
}

/// A body as a map: attributes by name, nested blocks as lists of maps.
fn body_node(scope: &Scope, f: &ParsedFile, body: &Body, span: Span) -> Node {
    let mut map: BTreeMap<String, Node> = BTreeMap::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let mut node = scope.convert(&attr.value, f.id);
                node.key_span = Some(span_of(attr.key.span(), f.id));
                map.insert(attr.key.as_str().to_string(), node);
            }
            Structure::Block(block) => {
                let block_span = span_of(block.span(), f.id);
                let (key, inner) = match (block.ident.as_str(), block.labels.first()) {
                    ("dynamic", Some(label)) => {
                        let content = block
                            .body
                            .iter()
                            .filter_map(Structure::as_block)
                            .find(|b| b.ident.as_str() == "content");
                        let node = match content {
                            Some(c) => body_node(scope, f, &c.body, block_span),
                            None => Node::new(Value::Unknown, block_span),
                        };
                        (label.as_str().to_string(), node)
                    }
                    (ident, _) => (
                        ident.to_string(),
                        body_node(scope, f, &block.body, block_span),
                    ),
                };
                let entry = map.entry(key).or_insert_with(|| {
                    let mut list = Node::new(Value::List(Vec::new()), block_span);
                    list.key_span = Some(span_of(block.ident.span(), f.id));
                    list
                });
                if let Value::List(items) = &mut entry.value {
                    items.push(inner);
                }
            }
        }
    }
    Node::new(Value::Map(map), span)
}

/// JSON strings in policy attributes become normalized policy documents.
fn decode_documents(node: &mut Node, f: &ParsedFile) {
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.iter_mut() {
                if DOCUMENT_ATTRIBUTES.contains(&key.as_str()) {
                    if let Some(doc) = decode_json_string(value, f) {
                        *value = doc;
                    } else if matches!(value.value, Value::Map(_)) {
                        *value = iam::normalize_document(value);
                    }
                } else {
                    decode_documents(value, f);
                }
            }
        }
        Value::List(items) => items.iter_mut().for_each(|i| decode_documents(i, f)),
        _ => {}
    }
}

/// Parses a JSON string value; spans point into the file when the string was
/// written verbatim (a heredoc), else at the whole value.
fn decode_json_string(value: &Node, f: &ParsedFile) -> Option<Node> {
    let text = value.as_str()?;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let mut doc = crate::json::parse(text, f.id).ok()?;
    let written = &f.source.text;
    let start = value.span.start as usize;
    let offset = written
        .get(start..value.span.end as usize)
        .and_then(|s| s.find(text))
        .map(|i| start + i);
    shift_spans(&mut doc, offset, value.span);
    let mut doc = iam::normalize_document(&doc);
    doc.span = value.span;
    doc.key_span = value.key_span;
    Some(doc)
}

fn shift_spans(node: &mut Node, offset: Option<usize>, whole: Span) {
    let shift = |s: &mut Span| match offset {
        Some(o) => {
            s.start += o as u32;
            s.end += o as u32;
        }
        None => *s = whole,
    };
    shift(&mut node.span);
    if let Some(k) = &mut node.key_span {
        shift(k);
    }
    match &mut node.value {
        Value::Map(m) => m.values_mut().for_each(|v| shift_spans(v, offset, whole)),
        Value::List(l) => l.iter_mut().for_each(|v| shift_spans(v, offset, whole)),
        _ => {}
    }
}
