//! Elastic Load Balancing: application and network load balancers, their
//! listeners and rules, and classic load balancers.

use super::shape::{each_map, rename, wrap};
use super::types::{attr, Ty};
use super::{Props, Service};
use crate::model::{Map, Node, Value};

const LB: &[&str] = &["aws_lb", "aws_alb"];
const LISTENER: &[&str] = &["aws_lb_listener", "aws_alb_listener"];
const LOGGED: &[&str] = &["aws_lb", "aws_alb", "aws_elb"];
const CLASSIC: &[&str] = &["aws_elb"];

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::ElasticLoadBalancing::LoadBalancer", "aws_elb"),
        ("AWS::ElasticLoadBalancingV2::Listener", "aws_lb_listener"),
        (
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            "aws_lb_listener_rule",
        ),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "aws_lb"),
    ],
    attributes: &[&[
        attr(LB, "internal", Ty::Bool),
        attr(LB, "load_balancer_type", Ty::Str),
        attr(LB, "idle_timeout", Ty::Int),
        attr(LB, "enable_deletion_protection", Ty::Bool),
        attr(LB, "drop_invalid_header_fields", Ty::Bool),
        attr(LB, "enable_http2", Ty::Bool),
        attr(LB, "enable_cross_zone_load_balancing", Ty::Bool),
        attr(LOGGED, "access_logs", Ty::Blocks),
        attr(LOGGED, "access_logs.enabled", Ty::Bool),
        attr(LOGGED, "access_logs.bucket", Ty::Str),
        attr(LOGGED, "access_logs.prefix", Ty::Str),
        attr(LISTENER, "protocol", Ty::Str),
        attr(LISTENER, "port", Ty::Int),
        attr(LISTENER, "ssl_policy", Ty::Str),
        attr(LISTENER, "default_action", Ty::Blocks),
        attr(LISTENER, "default_action.type", Ty::Str),
        attr(LISTENER, "default_action.redirect", Ty::Blocks),
        attr(LISTENER, "default_action.redirect.protocol", Ty::Str),
        attr(CLASSIC, "listener", Ty::Blocks),
        attr(CLASSIC, "listener.lb_protocol", Ty::Str),
        attr(CLASSIC, "listener.lb_port", Ty::Int),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
        "AWS::ElasticLoadBalancingV2::Listener" => {
            rename(p, "default_actions", "default_action");
            each_map(p, "default_action", |a| {
                rename(a, "redirect_config", "redirect");
                wrap(a, "redirect");
            });
        }
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            if let Some(scheme) = p.remove("scheme") {
                let internal = match &scheme.value {
                    Value::Str(s) => Value::Bool(s == "internal"),
                    other => other.clone(),
                };
                let internal = Node {
                    value: internal,
                    ..scheme
                };
                p.insert("internal".into(), internal);
            }
            rename(p, "type", "load_balancer_type");
            load_balancer_attributes(p);
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
        _ => {}
    }
}

/// `LoadBalancerAttributes` keys and the Terraform attributes they are:
/// a field of the `access_logs` block, or a top-level attribute.
const LB_ATTRIBUTES: &[(&str, Option<&str>, &str)] = &[
    ("access_logs.s3.bucket", Some("access_logs"), "bucket"),
    ("access_logs.s3.enabled", Some("access_logs"), "enabled"),
    ("access_logs.s3.prefix", Some("access_logs"), "prefix"),
    (
        "deletion_protection.enabled",
        None,
        "enable_deletion_protection",
    ),
    ("idle_timeout.timeout_seconds", None, "idle_timeout"),
    (
        "load_balancing.cross_zone.enabled",
        None,
        "enable_cross_zone_load_balancing",
    ),
    (
        "routing.http.drop_invalid_header_fields.enabled",
        None,
        "drop_invalid_header_fields",
    ),
    ("routing.http2.enabled", None, "enable_http2"),
];

/// `LoadBalancerAttributes: [{Key: access_logs.s3.enabled, Value: "true"}, ...]`
/// into Terraform's attributes (`access_logs { enabled }`, `idle_timeout`, ...);
/// keys Terraform has no attribute for stay in `load_balancer_attributes`.
fn load_balancer_attributes(p: &mut Props) {
    let Some(mut attrs) = p.remove("load_balancer_attributes") else {
        return;
    };
    let mut logs = Map::new();
    if let Value::List(items) = &mut attrs.value {
        items.retain(|a| {
            let (Some(k), Some(v)) = (a.get("key").and_then(Node::as_str), a.get("value")) else {
                return true;
            };
            let Some(&(_, block, field)) = LB_ATTRIBUTES.iter().find(|(key, ..)| *key == k) else {
                return true;
            };
            let v = v.clone();
            match block {
                Some(_) => logs.insert(field.to_string(), v),
                None => p.insert(field.to_string(), v),
            };
            false
        });
    }
    if attrs.as_list().is_some_and(|l| !l.is_empty()) {
        p.insert("load_balancer_attributes".into(), attrs);
    }
    if let Some(first) = logs.values().next() {
        let node = Node::new(Value::Map(logs.clone()), first.span);
        p.insert("access_logs".into(), node.into_list());
    }
}

#[cfg(test)]
mod tests {
    use super::super::parity::assert_parity;

    #[test]
    fn load_balancers_and_listeners_have_parity() {
        assert_parity(
            "Lb:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n  Properties:\n    Scheme: internal\n    Type: network\n    LoadBalancerAttributes:\n      - {Key: idle_timeout.timeout_seconds, Value: '60'}\n      - {Key: access_logs.s3.enabled, Value: 'true'}\n      - {Key: access_logs.s3.bucket, Value: logs}\nL:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n    Protocol: HTTP\n    Port: '80'\n    DefaultActions:\n      - Type: redirect\n        RedirectConfig: {Protocol: HTTPS}\n",
            r#"resource "aws_lb" "lb" {
              internal           = true
              load_balancer_type = "network"
              idle_timeout       = 60
              access_logs {
                enabled = "true"
                bucket  = "logs"
              }
            }
            resource "aws_lb_listener" "l" {
              protocol = "HTTP"
              port     = 80
              default_action {
                type = "redirect"
                redirect { protocol = "HTTPS" }
              }
            }"#,
        );
    }

    #[test]
    fn classic_load_balancers_have_parity() {
        assert_parity(
            "Elb:\n  Type: AWS::ElasticLoadBalancing::LoadBalancer\n  Properties:\n    Listeners: [{LoadBalancerPort: '80', Protocol: HTTP, InstancePort: 80}]\n    AccessLoggingPolicy: {Enabled: true, S3BucketName: logs}\n",
            r#"resource "aws_elb" "elb" {
              listener {
                lb_port       = 80
                lb_protocol   = "HTTP"
                instance_port = 80
              }
              access_logs {
                enabled        = true
                s3_bucket_name = "logs"
              }
            }"#,
        );
    }
}
