//! Parity between the formats: the same configuration written in
//! CloudFormation and in Terraform gives equal canonical properties.

use crate::model::{Resource, Value};
use crate::source::{FileId, SourceFile, SourceMap};
use std::sync::Arc;

/// The resources of a template holding `resources` (YAML under `Resources:`).
fn cloudformation(resources: &str) -> Vec<Resource> {
    let indented: String = resources.lines().map(|l| format!("  {l}\n")).collect();
    let text = format!("Resources:\n{indented}");
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new("t.yaml".into(), "t.yaml".into(), text));
    let doc = crate::cfn::parse_document(sources.get(id), id).expect("template parses");
    let (unit, problems) = crate::cfn::normalize_template(&doc);
    assert!(problems.is_empty(), "{problems:?}");
    unit.resources
}

/// The resources of a Terraform module made of `text`.
fn terraform(text: &str) -> Vec<Resource> {
    let source = Arc::new(SourceFile::new(
        "main.tf".into(),
        "main.tf".into(),
        text.into(),
    ));
    let file = crate::terraform::parse(source, FileId(0)).expect("parses");
    let (unit, problems, _) =
        crate::terraform::Project::single(vec![file]).normalize(std::path::Path::new(""));
    assert!(problems.is_empty(), "{problems:?}");
    unit.resources
}

/// Asserts that the CloudFormation resources (YAML, `Name: {Type, Properties}`)
/// and the Terraform resources give the same canonical types and properties,
/// in any order. References are compared by attribute only.
pub fn assert_parity(cfn: &str, tf: &str) {
    let plain = |rs: Vec<Resource>| -> Vec<(String, String)> {
        let mut out: Vec<_> = rs
            .into_iter()
            .map(|r| (r.canonical_type, plain(&r.props).to_string()))
            .collect();
        out.sort();
        out
    };
    assert_eq!(plain(cloudformation(cfn)), plain(terraform(tf)));
}

/// A node as JSON, with `"?"` for unknowns and `"&attr"` for references.
fn plain(node: &crate::model::Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::List(l) => J::Array(l.iter().map(plain).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        Value::Unknown => J::String("?".into()),
        Value::Ref(r) => J::String(format!("&{}", r.attribute)),
        _ => node.to_json().unwrap_or(J::Null),
    }
}
