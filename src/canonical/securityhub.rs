//! Security Hub.

use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::SecurityHub::Hub", "aws_securityhub_account")],
    ..Service::NONE
};
