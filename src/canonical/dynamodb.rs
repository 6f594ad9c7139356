//! DynamoDB tables.

use super::shape::{rename, wrap};
use super::types::{attr, Ty};
use super::{Props, Service};
use crate::model::Node;

const TABLE: &[&str] = &["aws_dynamodb_table"];

pub const SERVICE: Service = Service {
    types: &[("AWS::DynamoDB::Table", "aws_dynamodb_table")],
    attributes: &[&[
        attr(TABLE, "server_side_encryption", Ty::Blocks),
        attr(TABLE, "server_side_encryption.enabled", Ty::Bool),
        attr(TABLE, "server_side_encryption.kms_key_arn", Ty::Str),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::DynamoDB::Table" {
        rename(p, "sse_specification", "server_side_encryption");
        if let Some(sse) = p.get_mut("server_side_encryption").and_then(Node::map_mut) {
            rename(sse, "sse_enabled", "enabled");
            rename(sse, "kms_master_key_id", "kms_key_arn");
        }
        wrap(p, "server_side_encryption");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_have_parity() {
        super::super::parity::assert_parity(
            "T:\n  Type: AWS::DynamoDB::Table\n  Properties:\n    SSESpecification: {SSEEnabled: 'true', KMSMasterKeyId: arn:key}\n",
            r#"resource "aws_dynamodb_table" "t" {
              server_side_encryption {
                enabled     = true
                kms_key_arn = "arn:key"
              }
            }"#,
        );
    }
}
