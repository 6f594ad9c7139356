//! Per-type adapters where a CloudFormation shape differs from the Terraform
//! one beyond the generic snake_case renaming. Input keys are already snake_case.

use super::{Node, Value};
use std::collections::BTreeMap;

type Props = BTreeMap<String, Node>;

/// Reshapes the snake_cased properties of a `cfn_type` resource into the canonical form.
pub fn adapt(cfn_type: &str, p: &mut Props) {
    match cfn_type {
        "AWS::RDS::DBInstance" => rename(p, "master_user_password", "password"),
        "AWS::RDS::DBCluster" | "AWS::Redshift::Cluster" | "AWS::DocDB::DBCluster" => {
            rename(p, "master_user_password", "master_password");
        }
        "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
            rename(p, "policy_document", "policy");
            for (from, to) in [
                ("role_name", "role"),
                ("user_name", "user"),
                ("group_name", "group"),
            ] {
                rename(p, from, to);
            }
        }
        "AWS::DynamoDB::Table" => {
            rename(p, "sse_specification", "server_side_encryption");
            if let Some(sse) = p.get_mut("server_side_encryption").and_then(Node::map_mut) {
                rename(sse, "sse_enabled", "enabled");
                rename(sse, "kms_master_key_id", "kms_key_arn");
            }
            wrap(p, "server_side_encryption");
        }
        "AWS::Lambda::Function" => wrap(p, "environment"),
        "AWS::EC2::SecurityGroup" => {
            rename(p, "group_description", "description");
            for (from, to) in [
                ("security_group_ingress", "ingress"),
                ("security_group_egress", "egress"),
            ] {
                rename(p, from, to);
                each_map(p, to, security_group_rule);
            }
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            let kind = if cfn_type.ends_with("Ingress") {
                "ingress"
            } else {
                "egress"
            };
            let at = p.values().next().map(|n| n.span).unwrap_or_default();
            p.insert("type".into(), Node::new(Value::Str(kind.into()), at));
            rename(p, "group_id", "security_group_id");
            security_group_rule(p);
        }
        "AWS::EC2::NetworkAclEntry" => {
            if let Some(range) = p.remove("port_range") {
                for (from, to) in [("from", "from_port"), ("to", "to_port")] {
                    if let Some(v) = range.get(from) {
                        p.insert(to.into(), v.clone());
                    }
                }
            }
            to_string(p, "protocol");
        }
        "AWS::S3::Bucket" => {
            rename(p, "bucket_name", "bucket");
            canned_acl(p);
            if let Some(enc) = p.remove("bucket_encryption") {
                let rules = enc
                    .get("server_side_encryption_configuration")
                    .cloned()
                    .map(|mut rules| {
                        if let Value::List(items) = &mut rules.value {
                            for rule in items.iter_mut().filter_map(Node::map_mut) {
                                rename(
                                    rule,
                                    "server_side_encryption_by_default",
                                    "apply_server_side_encryption_by_default",
                                );
                                wrap(rule, "apply_server_side_encryption_by_default");
                            }
                        }
                        rules.key_span = None;
                        rules
                    });
                let mut config = BTreeMap::new();
                if let Some(rules) = rules {
                    config.insert("rule".to_string(), rules);
                }
                let mut node = Node {
                    value: Value::Map(config),
                    ..enc
                };
                node = node.into_list();
                p.insert("server_side_encryption_configuration".into(), node);
            }
            rename(
                p,
                "public_access_block_configuration",
                "public_access_block",
            );
            wrap(p, "public_access_block");
            if let Some(v) = p.remove("versioning_configuration") {
                let enabled = v.get("status").map(|s| Node {
                    value: Value::Bool(s.as_str() == Some("Enabled")),
                    ..s.clone()
                });
                let mut m = BTreeMap::new();
                if let Some(e) = enabled {
                    m.insert("enabled".to_string(), e);
                }
                p.insert(
                    "versioning".into(),
                    Node {
                        value: Value::Map(m),
                        ..v
                    }
                    .into_list(),
                );
            }
            if let Some(mut l) = p.remove("logging_configuration") {
                if let Some(m) = l.map_mut() {
                    rename(m, "destination_bucket_name", "target_bucket");
                    rename(m, "log_file_prefix", "target_prefix");
                }
                p.insert("logging".into(), l.into_list());
            }
        }
        "AWS::EC2::FlowLog" => {
            let kind = p
                .get("resource_type")
                .and_then(Node::as_str)
                .map(str::to_string);
            let target = match kind.as_deref() {
                Some("VPC") => Some("vpc_id"),
                Some("Subnet") => Some("subnet_id"),
                Some("NetworkInterface") => Some("eni_id"),
                Some("TransitGateway") => Some("transit_gateway_id"),
                _ => None,
            };
            if let Some(target) = target {
                rename(p, "resource_id", target);
            }
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::S3::BucketPolicy" => {
            rename(p, "policy_document", "policy");
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            rename(p, "assume_role_policy_document", "assume_role_policy");
            rename(p, "policies", "inline_policy");
            each_map(p, "inline_policy", |m| {
                rename(m, "policy_name", "name");
                rename(m, "policy_document", "policy");
            });
        }
        "AWS::KMS::Key" => {
            rename(p, "key_policy", "policy");
            rename(p, "pending_window_in_days", "deletion_window_in_days");
            rename(p, "key_spec", "customer_master_key_spec");
        }
        "AWS::CloudTrail::Trail" => {
            rename(p, "is_logging", "enable_logging");
            rename(
                p,
                "cloud_watch_logs_log_group_arn",
                "cloud_watch_logs_group_arn",
            );
        }
        "AWS::AutoScaling::LaunchConfiguration" => wrap(p, "metadata_options"),
        "AWS::EC2::Instance" => {
            wrap(p, "metadata_options");
            primary_interface_to_top(p);
        }
        "AWS::EC2::LaunchTemplate" => {
            lift(p, "launch_template_data");
            wrap(p, "metadata_options");
            each_map(p, "block_device_mappings", |m| wrap(m, "ebs"));
        }
        "AWS::EC2::Route" => {
            rename(
                p,
                "egress_only_internet_gateway_id",
                "egress_only_gateway_id",
            );
        }
        "AWS::ElasticLoadBalancingV2::Listener" => {
            rename(p, "default_actions", "default_action");
            each_map(p, "default_action", |a| {
                rename(a, "redirect_config", "redirect");
                wrap(a, "redirect");
            });
        }
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            if let Some(scheme) = p.remove("scheme") {
                let internal = Value::Bool(scheme.as_str() == Some("internal"));
                p.insert(
                    "internal".into(),
                    Node {
                        value: internal,
                        ..scheme
                    },
                );
            }
            rename(p, "type", "load_balancer_type");
            lb_attributes_to_access_logs(p);
        }
        "AWS::ElasticLoadBalancing::LoadBalancer" => {
            rename(p, "access_logging_policy", "access_logs");
            wrap(p, "access_logs");
            rename(p, "listeners", "listener");
            each_map(p, "listener", |l| {
                rename(l, "load_balancer_port", "lb_port");
                rename(l, "protocol", "lb_protocol");
            });
        }
        "AWS::CloudFront::Distribution" => {
            lift(p, "distribution_config");
            rename(p, "cache_behaviors", "ordered_cache_behavior");
            rename(p, "logging", "logging_config");
            rename(p, "origins", "origin");
            if let Some(certificate) = p.get_mut("viewer_certificate").and_then(Node::map_mut) {
                let default = "cloudfront_default_certificate";
                rename(certificate, "cloud_front_default_certificate", default);
            }
            for key in [
                "default_cache_behavior",
                "viewer_certificate",
                "logging_config",
            ] {
                wrap(p, key);
            }
        }
        "AWS::Config::ConfigurationRecorder" => wrap(p, "recording_group"),
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

/// Moves the entries of the map at `key` to the top level (e.g. `LaunchTemplateData`).
fn lift(p: &mut Props, key: &str) {
    if let Some(Value::Map(inner)) = p.remove(key).map(|n| n.value) {
        p.extend(inner);
    }
}

/// The public IP and subnet of an instance's primary network interface
/// (`DeviceIndex` 0) as the top-level `associate_public_ip_address` and `subnet_id`.
fn primary_interface_to_top(p: &mut Props) {
    let primary = p
        .get("network_interfaces")
        .and_then(Node::as_list)
        .and_then(|l| {
            l.iter().find(|i| {
                i.get("device_index")
                    .is_some_and(|d| matches!(&d.value, Value::Int(0)) || d.as_str() == Some("0"))
            })
        })
        .cloned();
    for key in ["associate_public_ip_address", "subnet_id"] {
        if let Some(v) = primary.as_ref().and_then(|i| i.get(key)) {
            p.entry(key.to_string()).or_insert_with(|| v.clone());
        }
    }
}

/// `LoadBalancerAttributes: [{Key: access_logs.s3.enabled, Value: "true"}, ...]`
/// into `access_logs: [{enabled, bucket, prefix}]`.
fn lb_attributes_to_access_logs(p: &mut Props) {
    let Some(attrs) = p.get("load_balancer_attributes") else {
        return;
    };
    let mut logs = BTreeMap::new();
    for a in attrs.as_list().unwrap_or_default() {
        let (Some(k), Some(v)) = (a.get("key").and_then(Node::as_str), a.get("value")) else {
            continue;
        };
        let field = match k {
            "access_logs.s3.enabled" => "enabled",
            "access_logs.s3.bucket" => "bucket",
            "access_logs.s3.prefix" => "prefix",
            _ => continue,
        };
        let mut v = v.clone();
        if field == "enabled" {
            if let Some(text) = v.as_str() {
                v.value = Value::Bool(text.eq_ignore_ascii_case("true"));
            }
        }
        logs.insert(field.to_string(), v);
    }
    if let Some(first) = logs.values().next() {
        let node = Node::new(Value::Map(logs.clone()), first.span);
        p.insert("access_logs".into(), node.into_list());
    }
}

/// `ip_protocol`, `cidr_ip`, `cidr_ipv6` → `protocol`, `cidr_blocks`, `ipv6_cidr_blocks`.
fn security_group_rule(rule: &mut Props) {
    rename(rule, "ip_protocol", "protocol");
    to_string(rule, "protocol");
    for port in ["from_port", "to_port"] {
        to_int(rule, port);
    }
    for (from, to) in [
        ("cidr_ip", "cidr_blocks"),
        ("cidr_ipv6", "ipv6_cidr_blocks"),
        ("source_security_group_id", "security_groups"),
    ] {
        rename(rule, from, to);
        wrap(rule, to);
    }
}

fn rename(p: &mut Props, from: &str, to: &str) {
    if from != to {
        if let Some(v) = p.remove(from) {
            p.insert(to.to_string(), v);
        }
    }
}

/// Wraps a single value into a one-element list (Terraform's nested-block shape).
fn wrap(p: &mut Props, key: &str) {
    if let Some(v) = p.remove(key) {
        let v = match v.value {
            Value::List(_) => v,
            _ => v.into_list(),
        };
        p.insert(key.to_string(), v);
    }
}

fn each_map(p: &mut Props, key: &str, f: impl Fn(&mut Props)) {
    if let Some(Value::List(items)) = p.get_mut(key).map(|n| &mut n.value) {
        items.iter_mut().filter_map(Node::map_mut).for_each(f);
    }
}

fn to_int(p: &mut Props, key: &str) {
    if let Some(n) = p.get_mut(key) {
        if let Value::Str(s) = &n.value {
            if let Ok(i) = s.trim().parse::<i64>() {
                n.value = Value::Int(i);
            }
        }
    }
}

fn to_string(p: &mut Props, key: &str) {
    if let Some(n) = p.get_mut(key) {
        if let Value::Int(i) = n.value {
            n.value = Value::Str(i.to_string());
        }
    }
}

/// `AccessControl: PublicRead` → `acl = "public-read"` (Terraform's canned ACL names).
fn canned_acl(p: &mut Props) {
    if let Some(mut acl) = p.remove("access_control") {
        if let Value::Str(s) = &acl.value {
            acl.value = Value::Str(super::canonical::snake_case(s).replace('_', "-"));
        }
        p.insert("acl".into(), acl);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Node, Unit, Value};
    use crate::source::{SourceFile, SourceMap};

    fn unit(template: &str) -> Unit {
        let mut sources = SourceMap::default();
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), template.into());
        let id = sources.add(file);
        let doc = crate::cfn::parse_document(sources.get(id), id).unwrap();
        crate::cfn::normalize_template(&doc).0
    }

    fn props<'a>(unit: &'a Unit, address: &str) -> &'a Node {
        &unit
            .resources
            .iter()
            .find(|r| r.address == address)
            .unwrap()
            .props
    }

    fn first<'a>(node: &'a Node, key: &str) -> &'a Node {
        &node.get(key).and_then(Node::as_list).unwrap()[0]
    }

    #[test]
    fn listener_actions_take_terraform_block_shapes() {
        let u = unit(
            "Resources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Protocol: HTTP\n      DefaultActions:\n        - Type: redirect\n          RedirectConfig: {Protocol: HTTPS}\n",
        );
        let action = first(props(&u, "L"), "default_action");
        let redirect = first(action, "redirect");
        assert_eq!(
            redirect.get("protocol").and_then(Node::as_str),
            Some("HTTPS")
        );
    }

    #[test]
    fn load_balancer_scheme_and_attributes_become_internal_and_access_logs() {
        let u = unit(
            "Resources:\n  Lb:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Scheme: internal\n      Type: network\n      LoadBalancerAttributes:\n        - {Key: idle_timeout.timeout_seconds, Value: '60'}\n        - {Key: access_logs.s3.enabled, Value: 'true'}\n        - {Key: access_logs.s3.bucket, Value: logs}\n",
        );
        let lb = props(&u, "Lb");
        assert_eq!(
            lb.get("internal").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            lb.get("load_balancer_type").and_then(Node::as_str),
            Some("network")
        );
        let logs = first(lb, "access_logs");
        assert_eq!(
            logs.get("enabled").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(logs.get("bucket").and_then(Node::as_str), Some("logs"));
    }

    #[test]
    fn launch_template_data_and_primary_interface_are_lifted() {
        let u = unit(
            "Resources:\n  T:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        MetadataOptions: {HttpTokens: required}\n        BlockDeviceMappings:\n          - DeviceName: /dev/xvda\n            Ebs: {Encrypted: true}\n  I:\n    Type: AWS::EC2::Instance\n    Properties:\n      NetworkInterfaces:\n        - {DeviceIndex: '1', SubnetId: subnet-b, AssociatePublicIpAddress: false}\n        - {DeviceIndex: '0', SubnetId: subnet-a, AssociatePublicIpAddress: true}\n",
        );
        let t = props(&u, "T");
        let options = first(t, "metadata_options");
        assert_eq!(
            options.get("http_tokens").and_then(Node::as_str),
            Some("required")
        );
        let ebs = first(first(t, "block_device_mappings"), "ebs");
        assert_eq!(
            ebs.get("encrypted").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        let i = props(&u, "I");
        assert_eq!(i.get("subnet_id").and_then(Node::as_str), Some("subnet-a"));
        assert_eq!(
            i.get("associate_public_ip_address").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
    }

    #[test]
    fn cloudfront_distribution_config_is_lifted_into_blocks() {
        let u = unit(
            "Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        WebACLId: acl\n        DefaultCacheBehavior: {ViewerProtocolPolicy: allow-all}\n        CacheBehaviors: [{ViewerProtocolPolicy: https-only}]\n        Logging: {Bucket: logs}\n        ViewerCertificate: {CloudFrontDefaultCertificate: true}\n",
        );
        let d = props(&u, "D");
        assert_eq!(d.get("web_acl_id").and_then(Node::as_str), Some("acl"));
        let certificate = first(d, "viewer_certificate");
        let default = certificate.get("cloudfront_default_certificate");
        assert_eq!(default.map(|n| &n.value), Some(&Value::Bool(true)));
        for (block, key, value) in [
            (
                "default_cache_behavior",
                "viewer_protocol_policy",
                "allow-all",
            ),
            (
                "ordered_cache_behavior",
                "viewer_protocol_policy",
                "https-only",
            ),
            ("logging_config", "bucket", "logs"),
        ] {
            assert_eq!(first(d, block).get(key).and_then(Node::as_str), Some(value));
        }
    }

    #[test]
    fn network_acl_entries_fold_into_their_acl_or_stand_alone() {
        let u = unit(
            "Resources:\n  Acl:\n    Type: AWS::EC2::NetworkAcl\n  In:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, RuleAction: allow, Protocol: 6}\n  Out:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 90, RuleAction: deny, Protocol: -1, Egress: true}\n  Other:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {NetworkAclId: acl-123, RuleNumber: 1, RuleAction: allow, Protocol: -1}\n",
        );
        let addresses: Vec<&str> = u.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addresses, ["Acl", "Other"]);
        let acl = props(&u, "Acl");
        let inbound = first(acl, "ingress");
        assert_eq!(
            inbound.get("rule_no").map(|n| &n.value),
            Some(&Value::Int(100))
        );
        assert_eq!(inbound.get("action").and_then(Node::as_str), Some("allow"));
        assert_eq!(inbound.get("protocol").and_then(Node::as_str), Some("6"));
        assert_eq!(
            first(acl, "egress").get("action").and_then(Node::as_str),
            Some("deny")
        );
        let other = &u.resources[1];
        assert_eq!(other.canonical_type, "aws_network_acl");
        assert_eq!(
            first(&other.props, "ingress")
                .get("protocol")
                .and_then(Node::as_str),
            Some("-1")
        );
    }
}
