//! GuardDuty detectors.

use super::types::{attr, Ty};
use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::GuardDuty::Detector", "aws_guardduty_detector")],
    attributes: &[&[attr(&["aws_guardduty_detector"], "enable", Ty::Bool)]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn detectors_have_parity() {
        super::super::parity::assert_parity(
            "D:\n  Type: AWS::GuardDuty::Detector\n  Properties: {Enable: 'false'}\n",
            r#"resource "aws_guardduty_detector" "d" { enable = "false" }"#,
        );
    }
}
