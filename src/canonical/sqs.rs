//! SQS queues and queue policies.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::SQS::Queue", "aws_sqs_queue"),
        ("AWS::SQS::QueuePolicy", "aws_sqs_queue_policy"),
    ],
    attributes: &[&[
        attr(&["aws_sqs_queue"], "kms_master_key_id", Ty::Str),
        attr(&["aws_sqs_queue"], "sqs_managed_sse_enabled", Ty::Bool),
        attr(
            &["aws_sqs_queue", "aws_sqs_queue_policy"],
            "policy",
            Ty::Document,
        ),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::SQS::QueuePolicy" {
        rename(p, "policy_document", "policy");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn queues_have_parity() {
        super::super::parity::assert_parity(
            "Q:\n  Type: AWS::SQS::Queue\n  Properties: {SqsManagedSseEnabled: 'false', KmsMasterKeyId: alias/q}\n",
            r#"resource "aws_sqs_queue" "q" {
              sqs_managed_sse_enabled = false
              kms_master_key_id       = "alias/q"
            }"#,
        );
    }
}
