//! Security Hub.

use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::SecurityHub::Hub", "aws_securityhub_account")],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn hubs_have_parity() {
        super::super::parity::assert_parity(
            "H:\n  Type: AWS::SecurityHub::Hub\n  Properties: {AutoEnableControls: true}\n",
            r#"resource "aws_securityhub_account" "h" { auto_enable_controls = true }"#,
        );
    }
}
