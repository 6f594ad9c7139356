//! SAM templates (`Transform: AWS::Serverless-2016-10-31`).

use crate::model::Node;

/// The template with its serverless resources expanded, or `None` when it is not a SAM template.
pub fn expand(_doc: &Node) -> Option<Node> {
    None
}
