//! API Gateway (REST and HTTP/WebSocket APIs): stages and domain names.

use super::shape::{rename, wrap};
use super::types::{attr, Ty};
use super::{Props, Service};

const STAGES: &[&str] = &["aws_api_gateway_stage", "aws_apigatewayv2_stage"];

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::ApiGateway::DomainName", "aws_api_gateway_domain_name"),
        ("AWS::ApiGateway::RestApi", "aws_api_gateway_rest_api"),
        ("AWS::ApiGateway::Stage", "aws_api_gateway_stage"),
        ("AWS::ApiGatewayV2::Api", "aws_apigatewayv2_api"),
        (
            "AWS::ApiGatewayV2::DomainName",
            "aws_apigatewayv2_domain_name",
        ),
        ("AWS::ApiGatewayV2::Stage", "aws_apigatewayv2_stage"),
    ],
    attributes: &[&[
        attr(STAGES, "access_log_settings", Ty::Blocks),
        attr(STAGES, "access_log_settings.destination_arn", Ty::Str),
        attr(&["aws_api_gateway_domain_name"], "security_policy", Ty::Str),
        attr(
            &["aws_apigatewayv2_domain_name"],
            "domain_name_configuration",
            Ty::Blocks,
        ),
        attr(
            &["aws_apigatewayv2_domain_name"],
            "domain_name_configuration.security_policy",
            Ty::Str,
        ),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
        "AWS::ApiGatewayV2::DomainName" => {
            rename(p, "domain_name_configurations", "domain_name_configuration");
        }
        "AWS::ApiGateway::Stage" | "AWS::ApiGatewayV2::Stage" => {
            rename(p, "access_log_setting", "access_log_settings");
            wrap(p, "access_log_settings");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stages_and_domain_names_have_parity() {
        super::super::parity::assert_parity(
            "S:\n  Type: AWS::ApiGatewayV2::Stage\n  Properties: {AccessLogSettings: {DestinationArn: arn:logs}}\nD:\n  Type: AWS::ApiGatewayV2::DomainName\n  Properties:\n    DomainNameConfigurations: [{SecurityPolicy: TLS_1_2}]\n",
            r#"resource "aws_apigatewayv2_stage" "s" {
              access_log_settings { destination_arn = "arn:logs" }
            }
            resource "aws_apigatewayv2_domain_name" "d" {
              domain_name_configuration { security_policy = "TLS_1_2" }
            }"#,
        );
    }
}
