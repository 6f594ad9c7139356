//! CloudTrail trails.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

const TRAIL: &[&str] = &["aws_cloudtrail"];

pub const SERVICE: Service = Service {
    types: &[("AWS::CloudTrail::Trail", "aws_cloudtrail")],
    attributes: &[&[
        attr(TRAIL, "enable_log_file_validation", Ty::Bool),
        attr(TRAIL, "is_multi_region_trail", Ty::Bool),
        attr(TRAIL, "enable_logging", Ty::Bool),
        attr(TRAIL, "kms_key_id", Ty::Str),
        attr(TRAIL, "cloud_watch_logs_group_arn", Ty::Str),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::CloudTrail::Trail" {
        rename(p, "is_logging", "enable_logging");
        rename(
            p,
            "cloud_watch_logs_log_group_arn",
            "cloud_watch_logs_group_arn",
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trails_have_parity() {
        super::super::parity::assert_parity(
            "T:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n    IsMultiRegionTrail: 'true'\n    EnableLogFileValidation: false\n    KMSKeyId: alias/trail\n    CloudWatchLogsLogGroupArn: arn:logs\n",
            r#"resource "aws_cloudtrail" "t" {
              enable_logging             = true
              is_multi_region_trail      = "true"
              enable_log_file_validation = false
              kms_key_id                 = "alias/trail"
              cloud_watch_logs_group_arn = "arn:logs"
            }"#,
        );
    }
}
