//! CloudFormation: YAML and JSON templates into the one model.

mod intrinsics;
mod template;
mod yaml;

pub use template::{looks_like_template, normalize_template};

use crate::diag::Problem;
use crate::model::Node;
use crate::source::{FileId, SourceFile};

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
