//! WAFv2 web ACLs and their associations.

use super::types::{attr, Ty};
use super::Service;

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::WAFv2::WebACL", "aws_wafv2_web_acl"),
        (
            "AWS::WAFv2::WebACLAssociation",
            "aws_wafv2_web_acl_association",
        ),
    ],
    attributes: &[&[
        attr(&["aws_wafv2_web_acl_association"], "resource_arn", Ty::Str),
        attr(&["aws_wafv2_web_acl_association"], "web_acl_arn", Ty::Str),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn associations_have_parity() {
        super::super::parity::assert_parity(
            "A:\n  Type: AWS::WAFv2::WebACLAssociation\n  Properties: {ResourceArn: arn:lb, WebACLArn: arn:acl}\n",
            r#"resource "aws_wafv2_web_acl_association" "a" {
              resource_arn = "arn:lb"
              web_acl_arn  = "arn:acl"
            }"#,
        );
    }
}
