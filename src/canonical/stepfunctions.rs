//! Step Functions state machines.

use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::StepFunctions::StateMachine", "aws_sfn_state_machine")],
    ..Service::NONE
};
