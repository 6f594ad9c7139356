//! EFS file systems.

use super::types::{attr, Ty};
use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::EFS::FileSystem", "aws_efs_file_system")],
    attributes: &[&[
        attr(&["aws_efs_file_system"], "encrypted", Ty::Bool),
        attr(&["aws_efs_file_system"], "kms_key_id", Ty::Str),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn file_systems_have_parity() {
        super::super::parity::assert_parity(
            "F:\n  Type: AWS::EFS::FileSystem\n  Properties: {Encrypted: 'true', KmsKeyId: arn:key}\n",
            r#"resource "aws_efs_file_system" "f" {
              encrypted  = "true"
              kms_key_id = "arn:key"
            }"#,
        );
    }
}
