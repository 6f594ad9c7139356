//! Step Functions state machines.

use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::StepFunctions::StateMachine", "aws_sfn_state_machine")],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn state_machines_have_parity() {
        super::super::parity::assert_parity(
            "M:\n  Type: AWS::StepFunctions::StateMachine\n  Properties: {RoleArn: arn:role, StateMachineType: STANDARD}\n",
            r#"resource "aws_sfn_state_machine" "m" {
              role_arn           = "arn:role"
              state_machine_type = "STANDARD"
            }"#,
        );
    }
}
