//! SNS topics and topic policies.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::SNS::Topic", "aws_sns_topic"),
        ("AWS::SNS::TopicPolicy", "aws_sns_topic_policy"),
    ],
    attributes: &[&[
        attr(&["aws_sns_topic"], "kms_master_key_id", Ty::Str),
        attr(
            &["aws_sns_topic", "aws_sns_topic_policy"],
            "policy",
            Ty::Document,
        ),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::SNS::TopicPolicy" {
        rename(p, "policy_document", "policy");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn topics_have_parity() {
        super::super::parity::assert_parity(
            "T:\n  Type: AWS::SNS::Topic\n  Properties: {KmsMasterKeyId: alias/aws/sns}\n",
            r#"resource "aws_sns_topic" "t" { kms_master_key_id = "alias/aws/sns" }"#,
        );
    }
}
