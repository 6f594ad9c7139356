//! The canonical view: CloudFormation types and properties mapped to the
//! Terraform AWS provider's type names and attribute shapes.

use super::{cfn_adapters, iam, Node, Value};
use std::collections::BTreeMap;

/// CloudFormation types whose Terraform name is not the generic
/// `aws_<service>_<resource>` form.
const TYPE_NAMES: &[(&str, &str)] = &[
    ("AWS::ApiGateway::DomainName", "aws_api_gateway_domain_name"),
    ("AWS::ApiGateway::RestApi", "aws_api_gateway_rest_api"),
    ("AWS::ApiGateway::Stage", "aws_api_gateway_stage"),
    ("AWS::ApiGatewayV2::Api", "aws_apigatewayv2_api"),
    (
        "AWS::ApiGatewayV2::DomainName",
        "aws_apigatewayv2_domain_name",
    ),
    ("AWS::ApiGatewayV2::Stage", "aws_apigatewayv2_stage"),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        "aws_autoscaling_group",
    ),
    (
        "AWS::AutoScaling::LaunchConfiguration",
        "aws_launch_configuration",
    ),
    (
        "AWS::CloudFront::Distribution",
        "aws_cloudfront_distribution",
    ),
    ("AWS::CloudTrail::Trail", "aws_cloudtrail"),
    (
        "AWS::Config::ConfigurationRecorder",
        "aws_config_configuration_recorder",
    ),
    (
        "AWS::Config::DeliveryChannel",
        "aws_config_delivery_channel",
    ),
    ("AWS::DocDB::DBCluster", "aws_docdb_cluster"),
    ("AWS::DynamoDB::Table", "aws_dynamodb_table"),
    ("AWS::EC2::EIP", "aws_eip"),
    (
        "AWS::EC2::EgressOnlyInternetGateway",
        "aws_egress_only_internet_gateway",
    ),
    ("AWS::EC2::FlowLog", "aws_flow_log"),
    ("AWS::EC2::Instance", "aws_instance"),
    ("AWS::EC2::InternetGateway", "aws_internet_gateway"),
    ("AWS::EC2::LaunchTemplate", "aws_launch_template"),
    ("AWS::EC2::NatGateway", "aws_nat_gateway"),
    ("AWS::EC2::NetworkAcl", "aws_network_acl"),
    ("AWS::EC2::NetworkAclEntry", "aws_network_acl_rule"),
    ("AWS::EC2::NetworkInterface", "aws_network_interface"),
    ("AWS::EC2::Route", "aws_route"),
    ("AWS::EC2::RouteTable", "aws_route_table"),
    ("AWS::EC2::SecurityGroup", "aws_security_group"),
    ("AWS::EC2::SecurityGroupEgress", "aws_security_group_rule"),
    ("AWS::EC2::SecurityGroupIngress", "aws_security_group_rule"),
    ("AWS::EC2::Subnet", "aws_subnet"),
    (
        "AWS::EC2::SubnetRouteTableAssociation",
        "aws_route_table_association",
    ),
    ("AWS::EC2::VPC", "aws_vpc"),
    ("AWS::EC2::VPCEndpoint", "aws_vpc_endpoint"),
    ("AWS::EC2::Volume", "aws_ebs_volume"),
    ("AWS::ECS::TaskDefinition", "aws_ecs_task_definition"),
    ("AWS::EFS::FileSystem", "aws_efs_file_system"),
    (
        "AWS::ElastiCache::ReplicationGroup",
        "aws_elasticache_replication_group",
    ),
    ("AWS::ElasticLoadBalancing::LoadBalancer", "aws_elb"),
    ("AWS::ElasticLoadBalancingV2::Listener", "aws_lb_listener"),
    (
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "aws_lb_listener_rule",
    ),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "aws_lb"),
    ("AWS::GuardDuty::Detector", "aws_guardduty_detector"),
    ("AWS::IAM::Group", "aws_iam_group"),
    ("AWS::IAM::ManagedPolicy", "aws_iam_policy"),
    ("AWS::IAM::Policy", "aws_iam_policy"),
    ("AWS::IAM::Role", "aws_iam_role"),
    ("AWS::IAM::User", "aws_iam_user"),
    ("AWS::KMS::Key", "aws_kms_key"),
    ("AWS::Lambda::Function", "aws_lambda_function"),
    ("AWS::Lambda::Url", "aws_lambda_function_url"),
    ("AWS::Logs::LogGroup", "aws_cloudwatch_log_group"),
    ("AWS::RDS::DBCluster", "aws_rds_cluster"),
    ("AWS::RDS::DBInstance", "aws_db_instance"),
    ("AWS::Redshift::Cluster", "aws_redshift_cluster"),
    ("AWS::S3::Bucket", "aws_s3_bucket"),
    ("AWS::S3::BucketPolicy", "aws_s3_bucket_policy"),
    ("AWS::SNS::Topic", "aws_sns_topic"),
    ("AWS::SQS::Queue", "aws_sqs_queue"),
    ("AWS::SecretsManager::Secret", "aws_secretsmanager_secret"),
    ("AWS::SecurityHub::Hub", "aws_securityhub_account"),
    ("AWS::WAFv2::WebACL", "aws_wafv2_web_acl"),
    (
        "AWS::WAFv2::WebACLAssociation",
        "aws_wafv2_web_acl_association",
    ),
];

/// Properties holding IAM policy documents: their keys are IAM's, not CloudFormation's.
pub const DOCUMENT_KEYS: &[&str] = &[
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "KeyPolicy",
    "PolicyText",
];

/// Properties whose keys are names chosen by the user (environment variables), kept as written.
const VERBATIM_KEYS: &[&str] = &["Variables"];

/// The Terraform type name for a CloudFormation type.
pub fn canonical_type(cfn_type: &str) -> String {
    if let Ok(i) = TYPE_NAMES.binary_search_by(|(k, _)| k.cmp(&cfn_type)) {
        return TYPE_NAMES[i].1.to_string();
    }
    let mut out = String::from("aws");
    for part in cfn_type.split("::").skip(1) {
        out.push('_');
        out.push_str(&snake_case(part));
    }
    out
}

/// `SSEAlgorithm` → `sse_algorithm`, `CidrIpv6` → `cidr_ipv6`, `VpcId` → `vpc_id`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The canonical type and properties of a CloudFormation resource.
pub fn from_cloudformation(cfn_type: &str, native: &Node) -> (String, Node) {
    let mut props = snake_keys(native);
    if let Value::Map(map) = &mut props.value {
        cfn_adapters::adapt(cfn_type, map);
    }
    (canonical_type(cfn_type), props)
}

/// Renames map keys to snake_case, recursively; policy documents are normalized, not renamed;
/// `Tags: [{Key, Value}]` becomes a `tags` map; `"true"`/`"false"` strings become booleans.
fn snake_keys(node: &Node) -> Node {
    let value = match &node.value {
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    let v = if DOCUMENT_KEYS.contains(&k.as_str()) {
                        iam::normalize_document(v)
                    } else if VERBATIM_KEYS.contains(&k.as_str()) {
                        v.clone()
                    } else if k == "Tags" {
                        tags_map(v).unwrap_or_else(|| snake_keys(v))
                    } else {
                        snake_keys(v)
                    };
                    (snake_case(k), v)
                })
                .collect(),
        ),
        Value::List(l) => Value::List(l.iter().map(snake_keys).collect()),
        // CloudFormation converts "true"/"false" strings for Boolean properties (common in JSON).
        Value::Str(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::Str(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        other => other.clone(),
    };
    Node {
        value,
        ..node.clone()
    }
}

fn tags_map(node: &Node) -> Option<Node> {
    let mut map = BTreeMap::new();
    for tag in node.as_list()? {
        let key = tag.get("Key")?.as_str()?.to_string();
        let mut value = tag.get("Value")?.clone();
        value.key_span = tag.get("Key")?.key_span;
        map.insert(key, value);
    }
    Some(Node {
        value: Value::Map(map),
        ..node.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(snake_case("SSEAlgorithm"), "sse_algorithm");
        assert_eq!(snake_case("KMSMasterKeyID"), "kms_master_key_id");
        assert_eq!(snake_case("CidrIpv6"), "cidr_ipv6");
        assert_eq!(snake_case("IsMultiRegionTrail"), "is_multi_region_trail");
        assert_eq!(snake_case("DBInstanceClass"), "db_instance_class");
        assert_eq!(snake_case("VpcId"), "vpc_id");
    }

    #[test]
    fn boolean_strings_become_booleans_outside_tags() {
        let text = r#"{"Egress": "true", "Enabled": "False", "Name": "truthy", "Tags": [{"Key": "k", "Value": "true"}]}"#;
        let node = crate::json::parse(text, crate::source::FileId(0)).unwrap();
        let props = snake_keys(&node);
        assert_eq!(
            props.get("egress").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            props.get("enabled").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
        assert_eq!(props.get("name").and_then(Node::as_str), Some("truthy"));
        let tag = props.get("tags").and_then(|t| t.get("k"));
        assert_eq!(tag.and_then(Node::as_str), Some("true"));
    }

    #[test]
    fn type_table_is_sorted_and_generic_fallback_works() {
        assert!(TYPE_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            canonical_type("AWS::EC2::SecurityGroup"),
            "aws_security_group"
        );
        assert_eq!(
            canonical_type("AWS::Neptune::DBCluster"),
            "aws_neptune_db_cluster"
        );
    }
}
