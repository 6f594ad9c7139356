//! KMS keys.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

const KEY: &[&str] = &["aws_kms_key"];

pub const SERVICE: Service = Service {
    types: &[("AWS::KMS::Key", "aws_kms_key")],
    attributes: &[&[
        attr(KEY, "policy", Ty::Document),
        attr(KEY, "customer_master_key_spec", Ty::Str),
        attr(KEY, "enable_key_rotation", Ty::Bool),
        attr(KEY, "deletion_window_in_days", Ty::Int),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::KMS::Key" {
        rename(p, "key_policy", "policy");
        rename(p, "pending_window_in_days", "deletion_window_in_days");
        rename(p, "key_spec", "customer_master_key_spec");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_have_parity() {
        super::super::parity::assert_parity(
            "K:\n  Type: AWS::KMS::Key\n  Properties:\n    EnableKeyRotation: 'true'\n    PendingWindowInDays: '7'\n    KeySpec: SYMMETRIC_DEFAULT\n    KeyPolicy:\n      Statement:\n        - {Effect: Allow, Principal: {AWS: '*'}, Action: 'kms:*', Resource: '*'}\n",
            r#"resource "aws_kms_key" "k" {
              enable_key_rotation      = true
              deletion_window_in_days  = 7
              customer_master_key_spec = "SYMMETRIC_DEFAULT"
              policy = jsonencode({
                Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
              })
            }"#,
        );
    }
}
