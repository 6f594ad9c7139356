//! CloudFront distributions.

use super::shape::{each_map, lift, rename, wrap};
use super::types::{attr, Ty};
use super::{Props, Service};

const DISTRIBUTION: &[&str] = &["aws_cloudfront_distribution"];

pub const SERVICE: Service = Service {
    types: &[(
        "AWS::CloudFront::Distribution",
        "aws_cloudfront_distribution",
    )],
    attributes: &[&[
        attr(DISTRIBUTION, "default_cache_behavior", Ty::Blocks),
        attr(
            DISTRIBUTION,
            "default_cache_behavior.viewer_protocol_policy",
            Ty::Str,
        ),
        attr(DISTRIBUTION, "ordered_cache_behavior", Ty::Blocks),
        attr(
            DISTRIBUTION,
            "ordered_cache_behavior.viewer_protocol_policy",
            Ty::Str,
        ),
        attr(DISTRIBUTION, "viewer_certificate", Ty::Blocks),
        attr(
            DISTRIBUTION,
            "viewer_certificate.cloudfront_default_certificate",
            Ty::Bool,
        ),
        attr(
            DISTRIBUTION,
            "viewer_certificate.minimum_protocol_version",
            Ty::Str,
        ),
        attr(DISTRIBUTION, "logging_config", Ty::Blocks),
        attr(DISTRIBUTION, "logging_config.bucket", Ty::Str),
        attr(DISTRIBUTION, "web_acl_id", Ty::Str),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::CloudFront::Distribution" {
        lift(p, "distribution_config");
        rename(p, "cache_behaviors", "ordered_cache_behavior");
        rename(p, "logging", "logging_config");
        rename(p, "origins", "origin");
        for key in [
            "default_cache_behavior",
            "viewer_certificate",
            "logging_config",
        ] {
            wrap(p, key);
        }
        each_map(p, "viewer_certificate", |c| {
            rename(
                c,
                "cloud_front_default_certificate",
                "cloudfront_default_certificate",
            );
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn distributions_have_parity() {
        super::super::parity::assert_parity(
            "D:\n  Type: AWS::CloudFront::Distribution\n  Properties:\n    DistributionConfig:\n      WebACLId: acl\n      DefaultCacheBehavior: {ViewerProtocolPolicy: allow-all}\n      CacheBehaviors: [{ViewerProtocolPolicy: https-only}]\n      Logging: {Bucket: logs}\n      ViewerCertificate: {CloudFrontDefaultCertificate: 'true', MinimumProtocolVersion: TLSv1}\n",
            r#"resource "aws_cloudfront_distribution" "d" {
              web_acl_id = "acl"
              default_cache_behavior { viewer_protocol_policy = "allow-all" }
              ordered_cache_behavior { viewer_protocol_policy = "https-only" }
              logging_config { bucket = "logs" }
              viewer_certificate {
                cloudfront_default_certificate = true
                minimum_protocol_version       = "TLSv1"
              }
            }"#,
        );
    }
}
