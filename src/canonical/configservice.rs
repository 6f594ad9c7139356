//! AWS Config: configuration recorders and delivery channels.

use super::shape::wrap;
use super::types::{attr, Ty};
use super::{Props, Service};

const RECORDER: &[&str] = &["aws_config_configuration_recorder"];

pub const SERVICE: Service = Service {
    types: &[
        (
            "AWS::Config::ConfigurationRecorder",
            "aws_config_configuration_recorder",
        ),
        (
            "AWS::Config::DeliveryChannel",
            "aws_config_delivery_channel",
        ),
    ],
    attributes: &[&[
        attr(RECORDER, "recording_group", Ty::Blocks),
        attr(RECORDER, "recording_group.all_supported", Ty::Bool),
        attr(
            RECORDER,
            "recording_group.include_global_resource_types",
            Ty::Bool,
        ),
        attr(RECORDER, "recording_group.resource_types", Ty::Strs),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::Config::ConfigurationRecorder" {
        wrap(p, "recording_group");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn recorders_have_parity() {
        super::super::parity::assert_parity(
            "R:\n  Type: AWS::Config::ConfigurationRecorder\n  Properties:\n    RoleARN: arn:role\n    RecordingGroup: {AllSupported: 'false', ResourceTypes: AWS::S3::Bucket}\n",
            r#"resource "aws_config_configuration_recorder" "r" {
              role_arn = "arn:role"
              recording_group {
                all_supported  = false
                resource_types = ["AWS::S3::Bucket"]
              }
            }"#,
        );
    }
}
