//! IAM: roles, users, groups and their policies; and IAM policy documents
//! in one shape, `Statement` always a list, and `Action`, `NotAction`,
//! `Resource`, `NotResource` always lists.

use super::shape::{each_map, rename};
use super::types::{attr, Ty};
use super::{Props, Service};
use crate::model::{Node, Value};

const POLICIES: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
];
const PRINCIPALS: &[&str] = &["aws_iam_role", "aws_iam_user", "aws_iam_group"];

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::IAM::Group", "aws_iam_group"),
        ("AWS::IAM::ManagedPolicy", "aws_iam_policy"),
        ("AWS::IAM::Policy", "aws_iam_policy"),
        ("AWS::IAM::Role", "aws_iam_role"),
        ("AWS::IAM::User", "aws_iam_user"),
    ],
    attributes: &[&[
        attr(POLICIES, "policy", Ty::Document),
        attr(PRINCIPALS, "inline_policy", Ty::Blocks),
        attr(PRINCIPALS, "inline_policy.policy", Ty::Document),
        attr(&["aws_iam_role"], "assume_role_policy", Ty::Document),
        attr(
            &["aws_iam_role", "aws_iam_user"],
            "permissions_boundary",
            Ty::Str,
        ),
        attr(
            &[
                "aws_iam_role",
                "aws_iam_user",
                "aws_iam_group",
                "aws_iam_policy",
            ],
            "managed_policy_arns",
            Ty::Strs,
        ),
        attr(
            &["aws_iam_user_policy", "aws_iam_user_policy_attachment"],
            "user",
            Ty::Str,
        ),
        attr(
            &["aws_iam_policy_attachment", "aws_iam_policy"],
            "users",
            Ty::Strs,
        ),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
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
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => rename(p, "policy_document", "policy"),
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            rename(p, "assume_role_policy_document", "assume_role_policy");
            rename(p, "policies", "inline_policy");
            each_map(p, "inline_policy", |m| {
                rename(m, "policy_name", "name");
                rename(m, "policy_document", "policy");
            });
        }
        _ => {}
    }
}

/// Normalizes a policy document in place; anything that is not a map is left as is.
pub fn normalize_document(doc: &mut Node) {
    let Value::Map(map) = &mut doc.value else {
        return;
    };
    if let Some(statements) = map.get_mut("Statement") {
        as_list(statements);
        if let Value::List(items) = &mut statements.value {
            for statement in items.iter_mut().filter_map(Node::map_mut) {
                for key in ["Action", "NotAction", "Resource", "NotResource"] {
                    if let Some(v) = statement.get_mut(key) {
                        as_list(v);
                    }
                }
            }
        }
    }
}

fn as_list(node: &mut Node) {
    if matches!(node.value, Value::Str(_) | Value::Map(_)) {
        *node = std::mem::replace(node, Node::new(Value::Null, node.span)).into_list();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn single_statement_and_action_become_lists() {
        let doc = crate::json::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*"]}}"#,
            FileId(0),
        )
        .unwrap();
        let mut n = doc;
        normalize_document(&mut n);
        let st = &n.get("Statement").unwrap().as_list().unwrap()[0];
        assert_eq!(st.get("Action").unwrap().as_list().unwrap().len(), 1);
        assert_eq!(st.get("Resource").unwrap().as_list().unwrap().len(), 1);
    }

    #[test]
    fn policies_have_parity() {
        super::super::parity::assert_parity(
            "R:\n  Type: AWS::IAM::Role\n  Properties:\n    AssumeRolePolicyDocument:\n      Statement:\n        Effect: Allow\n        Principal: {Service: ec2.amazonaws.com}\n        Action: sts:AssumeRole\n    PermissionsBoundary: arn:aws:iam::1:policy/b\n    Policies:\n      - PolicyName: p\n        PolicyDocument: '{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}'\n",
            r#"resource "aws_iam_role" "x" {
              assume_role_policy = jsonencode({
                Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = ["sts:AssumeRole"] }]
              })
              permissions_boundary = "arn:aws:iam::1:policy/b"
              inline_policy {
                name   = "p"
                policy = jsonencode({ Statement = { Effect = "Allow", Action = "s3:*", Resource = ["*"] } })
              }
            }"#,
        );
    }
}
