//! CloudFormation: YAML and JSON templates into the one model, resolved as the
//! service would at deploy time (parameters, intrinsic functions, conditions,
//! SAM and nested stacks).

mod cidr;
mod conditions;
mod dynamic;
mod foreach;
mod intrinsics;
pub mod nested;
pub mod parameters;
mod sam;
mod template;
pub(crate) mod yaml;

pub use dynamic::is_dynamic_reference;
pub use template::{looks_like_template, normalize_template, PARAMETER_TYPE};

use crate::diag::Problem;
use crate::model::{Node, Unit};
use crate::source::{FileId, SourceFile, SourceMap};
use foldhash::HashMap;
use std::path::PathBuf;

/// What a run supplies to every template: parameter values and the nested
/// stack templates read ahead (by path).
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub overrides: parameters::Overrides,
    pub templates: HashMap<PathBuf, FileId>,
    /// Resources are built without their native properties: no policy of
    /// the run reads `native`.
    pub skip_native: bool,
}

/// Parses a YAML or JSON document into a generic tree with spans.
/// Short-form tags (`!Ref x`) become their long form (`{"Ref": x}`).
pub fn parse_document(file: &SourceFile, id: FileId) -> Result<Node, Problem> {
    let is_json = file.name.ends_with(".json") || file.text.trim_start().starts_with('{');
    if is_json {
        crate::json::parse(&file.text, id)
    } else {
        yaml::parse(&file.text, id)
    }
}

/// Normalizes the parsed document of file `id`; a document that is not a
/// template gives nothing.
pub fn load_template(
    sources: &SourceMap,
    id: FileId,
    doc: &Node,
    inputs: &Inputs,
) -> (Unit, Vec<Problem>) {
    if !looks_like_template(doc) {
        return (Unit::default(), Vec::new());
    }
    let mut loader = nested::Loader::new(sources, &inputs.templates, id);
    loader.skip_native = inputs.skip_native;
    template::normalize(doc, &inputs.overrides, &mut loader)
}

/// An unparseable YAML/JSON file is only an error when it looks like a template.
pub fn might_be_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"))
}
