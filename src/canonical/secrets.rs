//! Secrets Manager secrets and SSM parameters; their values may be JSON.

use super::types::{attr, Ty};
use super::Service;

pub const SERVICE: Service = Service {
    types: &[("AWS::SecretsManager::Secret", "aws_secretsmanager_secret")],
    attributes: &[&[
        attr(
            &[
                "aws_secretsmanager_secret",
                "aws_secretsmanager_secret_version",
            ],
            "secret_string",
            Ty::Json,
        ),
        attr(&["aws_ssm_parameter"], "type", Ty::Str),
        attr(&["aws_ssm_parameter"], "value", Ty::Json),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn parameters_have_parity() {
        super::super::parity::assert_parity(
            "P:\n  Type: AWS::SSM::Parameter\n  Properties: {Type: String, Value: 8080}\n",
            r#"resource "aws_ssm_parameter" "p" {
              type  = "String"
              value = 8080
            }"#,
        );
    }
}
