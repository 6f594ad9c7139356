//! Lambda functions and function URLs.

use super::shape::wrap;
use super::types::{attr, Ty};
use super::{Props, Service};

const FUNCTION: &[&str] = &["aws_lambda_function"];

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::Lambda::Function", "aws_lambda_function"),
        ("AWS::Lambda::Url", "aws_lambda_function_url"),
    ],
    attributes: &[&[
        attr(FUNCTION, "environment", Ty::Blocks),
        attr(FUNCTION, "environment.variables", Ty::StrMap),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::Lambda::Function" {
        wrap(p, "environment");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn functions_have_parity() {
        super::super::parity::assert_parity(
            "F:\n  Type: AWS::Lambda::Function\n  Properties:\n    Environment: {Variables: {DB_PORT: 5432, Debug: 'true'}}\n",
            r#"resource "aws_lambda_function" "f" {
              environment {
                variables = { DB_PORT = "5432", Debug = true }
              }
            }"#,
        );
    }
}
