//! EC2 and VPC: security groups and their rules, network ACLs, instances,
//! launch templates and configurations, volumes, VPCs, subnets, routes,
//! endpoints and flow logs.

use super::fold::Fold;
use super::shape::{each_map, lift, rename, wrap};
use super::types::{attr, Attr, Ty};
use super::{Props, Service};
use crate::model::{Node, Resource, Value};

const SG: &[&str] = &["aws_security_group", "aws_default_security_group"];
const ACL: &[&str] = &["aws_network_acl"];
const INSTANCE: &[&str] = &["aws_instance"];
const LAUNCH: &[&str] = &["aws_instance", "aws_launch_configuration"];
const TEMPLATE: &[&str] = &["aws_launch_template"];
const IMDS: &[&str] = &[
    "aws_instance",
    "aws_launch_configuration",
    "aws_launch_template",
];
const IN_VPC: &[&str] = &[
    "aws_subnet",
    "aws_route_table",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_flow_log",
    "aws_vpc_endpoint",
    "aws_security_group",
    "aws_network_acl",
    "aws_vpc_ipv6_cidr_block_association",
];
const SNAPSHOTS: &[&str] = &["aws_db_snapshot", "aws_db_cluster_snapshot"];

/// The attributes of a security group's `ingress` and `egress` rules.
macro_rules! sg_rules {
    ($($dir:literal),*) => {[$(
        attr(SG, $dir, Ty::Blocks),
        attr(SG, concat!($dir, ".cidr_blocks"), Ty::Strs),
        attr(SG, concat!($dir, ".ipv6_cidr_blocks"), Ty::Strs),
        attr(SG, concat!($dir, ".security_groups"), Ty::Strs),
        attr(SG, concat!($dir, ".prefix_list_ids"), Ty::Strs),
        attr(SG, concat!($dir, ".protocol"), Ty::Str),
        attr(SG, concat!($dir, ".from_port"), Ty::Int),
        attr(SG, concat!($dir, ".to_port"), Ty::Int),
        attr(SG, concat!($dir, ".description"), Ty::Str),
        attr(SG, concat!($dir, ".self"), Ty::Bool),
        attr(ACL, $dir, Ty::Blocks),
        attr(ACL, concat!($dir, ".cidr_block"), Ty::Str),
        attr(ACL, concat!($dir, ".ipv6_cidr_block"), Ty::Str),
        attr(ACL, concat!($dir, ".action"), Ty::Str),
        attr(ACL, concat!($dir, ".protocol"), Ty::Str),
        attr(ACL, concat!($dir, ".from_port"), Ty::Int),
        attr(ACL, concat!($dir, ".to_port"), Ty::Int),
        attr(ACL, concat!($dir, ".rule_no"), Ty::Int),
    )*]};
}

/// The attributes of the block devices at `$at` of `$types`.
macro_rules! block_devices {
    ($types:expr, $($at:literal),*) => {[$(
        attr($types, $at, Ty::Blocks),
        attr($types, concat!($at, ".encrypted"), Ty::Bool),
        attr($types, concat!($at, ".snapshot_id"), Ty::Str),
        attr($types, concat!($at, ".kms_key_id"), Ty::Str),
    )*]};
}

const RULES: &[Attr] = &sg_rules!("ingress", "egress");
const DEVICES: &[Attr] = &block_devices!(
    LAUNCH,
    "root_block_device",
    "ebs_block_device",
    "block_device_mappings.ebs"
);
const TEMPLATE_DEVICES: &[Attr] = &block_devices!(
    TEMPLATE,
    "block_device_mappings.ebs",
    "launch_template_data.block_device_mappings.ebs"
);

const OTHERS: &[Attr] = &[
    attr(LAUNCH, "block_device_mappings", Ty::Blocks),
    attr(TEMPLATE, "block_device_mappings", Ty::Blocks),
    attr(TEMPLATE, "launch_template_data", Ty::Blocks),
    attr(
        TEMPLATE,
        "launch_template_data.block_device_mappings",
        Ty::Blocks,
    ),
    attr(IMDS, "metadata_options", Ty::Blocks),
    attr(IMDS, "metadata_options.http_tokens", Ty::Str),
    attr(IMDS, "metadata_options.http_endpoint", Ty::Str),
    attr(IMDS, "user_data", Ty::Str),
    attr(IMDS, "user_data_base64", Ty::Str),
    attr(INSTANCE, "launch_template", Ty::Blocks),
    attr(INSTANCE, "associate_public_ip_address", Ty::Bool),
    attr(INSTANCE, "subnet_id", Ty::Str),
    attr(
        &["aws_instance", "aws_network_interface"],
        "source_dest_check",
        Ty::Bool,
    ),
    attr(&["aws_ebs_volume"], "encrypted", Ty::Bool),
    attr(&["aws_ebs_volume"], "kms_key_id", Ty::Str),
    attr(&["aws_subnet"], "map_public_ip_on_launch", Ty::Bool),
    attr(IN_VPC, "vpc_id", Ty::Str),
    attr(&["aws_vpc"], "assign_generated_ipv6_cidr_block", Ty::Bool),
    attr(
        &["aws_vpc_ipv6_cidr_block_association"],
        "assign_generated_ipv6_cidr_block",
        Ty::Bool,
    ),
    attr(
        &["aws_vpc_ipv6_cidr_block_association"],
        "amazon_provided_ipv6_cidr_block",
        Ty::Bool,
    ),
    attr(
        &["aws_vpc", "aws_vpc_ipv6_cidr_block_association"],
        "ipv6_ipam_pool_id",
        Ty::Str,
    ),
    attr(
        &["aws_vpc", "aws_vpc_ipv6_cidr_block_association"],
        "ipv6_cidr_block",
        Ty::Str,
    ),
    attr(&["aws_vpc_endpoint"], "service_name", Ty::Str),
    attr(&["aws_vpc_endpoint"], "vpc_endpoint_type", Ty::Str),
    attr(&["aws_route_table"], "route", Ty::Blocks),
    attr(&["aws_route_table"], "route.gateway_id", Ty::Str),
    attr(&["aws_route"], "gateway_id", Ty::Str),
    attr(
        &["aws_route", "aws_route_table_association"],
        "route_table_id",
        Ty::Str,
    ),
    attr(&["aws_route_table_association"], "subnet_id", Ty::Str),
    attr(&["aws_ami_launch_permission"], "group", Ty::Str),
    attr(SNAPSHOTS, "shared_accounts", Ty::Strs),
];

pub const SERVICE: Service = Service {
    types: &[
        (
            "AWS::AutoScaling::AutoScalingGroup",
            "aws_autoscaling_group",
        ),
        (
            "AWS::AutoScaling::LaunchConfiguration",
            "aws_launch_configuration",
        ),
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
    ],
    attributes: &[RULES, DEVICES, TEMPLATE_DEVICES, OTHERS],
    cloudformation,
    terraform,
    native: &[(
        "AWS::EC2::LaunchTemplate",
        "metadata_options",
        "LaunchTemplateData.MetadataOptions",
    )],
    folds: &[
        Fold::append(
            "aws_network_acl_rule",
            "network_acl_id",
            "aws_network_acl",
            "",
        ),
        Fold::append(
            "aws_security_group_rule",
            "security_group_id",
            "aws_security_group",
            "",
        ),
    ],
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
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
        }
        "AWS::EC2::FlowLog" => {
            let target = match p.get("resource_type").and_then(Node::as_str) {
                Some("VPC") => "vpc_id",
                Some("Subnet") => "subnet_id",
                Some("NetworkInterface") => "eni_id",
                Some("TransitGateway") => "transit_gateway_id",
                _ => return,
            };
            rename(p, "resource_id", target);
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
        "AWS::EC2::Route" => rename(
            p,
            "egress_only_internet_gateway_id",
            "egress_only_gateway_id",
        ),
        _ => {}
    }
}

/// `ip_protocol`, `cidr_ip`, `cidr_ipv6` → `protocol`, `cidr_blocks`, `ipv6_cidr_blocks`.
fn security_group_rule(rule: &mut Props) {
    rename(rule, "ip_protocol", "protocol");
    for (from, to) in [
        ("cidr_ip", "cidr_blocks"),
        ("cidr_ipv6", "ipv6_cidr_blocks"),
        ("source_security_group_id", "security_groups"),
    ] {
        rename(rule, from, to);
        wrap(rule, to);
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
            p.get_or_insert_with(key.to_string(), || v.clone());
        }
    }
}

/// Rules written in their alternative Terraform forms take the shape of
/// `aws_security_group_rule` and of `aws_network_acl`'s inline rules.
fn terraform(r: &mut Resource) {
    match r.canonical_type.as_str() {
        "aws_vpc_security_group_ingress_rule" => vpc_rule(r, "ingress"),
        "aws_vpc_security_group_egress_rule" => vpc_rule(r, "egress"),
        "aws_network_acl_rule" => {
            if let Some(p) = r.props.map_mut() {
                rename(p, "rule_number", "rule_no");
                rename(p, "rule_action", "action");
            }
        }
        _ => {}
    }
}

/// `aws_vpc_security_group_{ingress,egress}_rule` into the `aws_security_group_rule` shape.
fn vpc_rule(r: &mut Resource, direction: &str) {
    r.canonical_type = "aws_security_group_rule".into();
    let span = r.span;
    let Some(p) = r.props.map_mut() else { return };
    p.insert("type".into(), Node::new(Value::Str(direction.into()), span));
    rename(p, "ip_protocol", "protocol");
    for (from, to) in [
        ("cidr_ipv4", "cidr_blocks"),
        ("cidr_ipv6", "ipv6_cidr_blocks"),
        ("referenced_security_group_id", "security_groups"),
    ] {
        rename(p, from, to);
        wrap(p, to);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parity::assert_parity;
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
    fn security_groups_have_parity() {
        assert_parity(
            "Sg:\n  Type: AWS::EC2::SecurityGroup\n  Properties:\n    GroupDescription: web\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: '22', ToPort: 22, CidrIp: 0.0.0.0/0}\n    SecurityGroupEgress:\n      - {IpProtocol: -1, FromPort: 0, ToPort: 0, CidrIpv6: ::/0}\n",
            r#"resource "aws_security_group" "sg" {
              description = "web"
              ingress {
                protocol    = "tcp"
                from_port   = 22
                to_port     = "22"
                cidr_blocks = ["0.0.0.0/0"]
              }
              egress {
                protocol         = -1
                from_port        = 0
                to_port          = 0
                ipv6_cidr_blocks = ["::/0"]
              }
            }"#,
        );
    }

    #[test]
    fn network_acls_have_parity() {
        assert_parity(
            "Acl:\n  Type: AWS::EC2::NetworkAcl\n  Properties: {VpcId: vpc-1}\nIn:\n  Type: AWS::EC2::NetworkAclEntry\n  Properties: {NetworkAclId: !Ref Acl, RuleNumber: '100', RuleAction: allow, Protocol: 6, CidrBlock: 0.0.0.0/0, PortRange: {From: 22, To: '22'}}\n",
            r#"resource "aws_network_acl" "acl" { vpc_id = "vpc-1" }
            resource "aws_network_acl_rule" "in" {
              network_acl_id = aws_network_acl.acl.id
              rule_number    = 100
              rule_action    = "allow"
              protocol       = "6"
              cidr_block     = "0.0.0.0/0"
              from_port      = "22"
              to_port        = 22
            }"#,
        );
    }

    #[test]
    fn instances_have_parity() {
        assert_parity(
            "I:\n  Type: AWS::EC2::Instance\n  Properties:\n    MetadataOptions: {HttpTokens: required}\n    SourceDestCheck: 'false'\n    SubnetId: subnet-a\n    UserData: echo\n",
            r#"resource "aws_instance" "i" {
              metadata_options { http_tokens = "required" }
              source_dest_check = "false"
              subnet_id         = "subnet-a"
              user_data         = "echo"
            }"#,
        );
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
