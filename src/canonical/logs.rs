//! CloudWatch Logs log groups.

use super::types::{attr, Ty};
use super::Service;

const GROUP: &[&str] = &["aws_cloudwatch_log_group"];

pub const SERVICE: Service = Service {
    types: &[("AWS::Logs::LogGroup", "aws_cloudwatch_log_group")],
    attributes: &[&[
        attr(GROUP, "retention_in_days", Ty::Int),
        attr(GROUP, "kms_key_id", Ty::Str),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn log_groups_have_parity() {
        super::super::parity::assert_parity(
            "G:\n  Type: AWS::Logs::LogGroup\n  Properties: {RetentionInDays: '90', KmsKeyId: arn:key}\n",
            r#"resource "aws_cloudwatch_log_group" "g" {
              retention_in_days = "90"
              kms_key_id        = "arn:key"
            }"#,
        );
    }
}
