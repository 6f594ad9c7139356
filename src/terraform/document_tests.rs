//! Data sources evaluated without an account: policy documents as the
//! provider builds and merges them, the partition, ARNs.

use super::tests::{resources, show};
use crate::model::Node;

/// The `policy` of the resource `aws_iam_policy.p`, rendered.
fn policy(text: &str) -> String {
    let rs = resources(text);
    let p = rs.iter().find(|r| r.address == "aws_iam_policy.p").unwrap();
    show(p.props.get("policy").expect("a policy"))
}

fn statements(text: &str) -> Vec<Node> {
    let rs = resources(text);
    let p = rs.iter().find(|r| r.address == "aws_iam_policy.p").unwrap();
    let doc = p.props.get("policy").unwrap();
    doc.get("Statement").unwrap().as_list().unwrap().to_vec()
}

#[test]
fn statements_become_the_document_the_provider_writes() {
    let got = policy(
        r#"
        data "aws_iam_policy_document" "d" {
          policy_id = "p1"
          statement {
            sid       = "All"
            actions   = ["s3:GetObject", "s3:PutObject"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
            condition {
              test     = "Bool"
              variable = "aws:SecureTransport"
              values   = ["false"]
            }
            condition {
              test     = "StringEquals"
              variable = "aws:PrincipalOrgID"
              values   = ["o-1", "o-2"]
            }
          }
          statement {
            effect        = "Deny"
            not_actions   = ["iam:*"]
            not_resources = []
            not_principals {
              type        = "AWS"
              identifiers = ["arn:aws:iam::111122223333:root"]
            }
            principals {
              type        = "*"
              identifiers = ["*", "x"]
            }
          }
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
        "#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{Id:"p1",Statement:["#,
            r#"{Action:["s3:GetObject","s3:PutObject"],Condition:{Bool:{aws:SecureTransport:"false"},"#,
            r#"StringEquals:{aws:PrincipalOrgID:["o-1","o-2"]}},Effect:"Allow",Principal:"*",Resource:["*"],Sid:"All"},"#,
            r#"{Effect:"Deny",NotAction:["iam:*"],NotPrincipal:{AWS:["arn:aws:iam::111122223333:root"]},"#,
            r#"Principal:{*:["*","x"]}}],Version:"2012-10-17"}"#
        )
    );
}

#[test]
fn dynamic_statements_and_minified_json_through_a_local() {
    let got = policy(
        r#"
        variable "grants" {
          default = { read = ["s3:GetObject"], admin = ["*"] }
        }
        data "aws_iam_policy_document" "d" {
          version = "2008-10-17"
          dynamic "statement" {
            for_each = var.grants
            content {
              sid       = statement.key
              actions   = statement.value
              resources = ["*"]
            }
          }
        }
        locals { doc = data.aws_iam_policy_document.d.minified_json }
        resource "aws_iam_policy" "p" {
          policy = local.doc
        }
        "#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{Statement:[{Action:["*"],Effect:"Allow",Resource:["*"],Sid:"admin"},"#,
            r#"{Action:["s3:GetObject"],Effect:"Allow",Resource:["*"],Sid:"read"}],Version:"2008-10-17"}"#
        )
    );
}

#[test]
fn source_and_override_documents_merge_by_sid() {
    let got = policy(
        r#"
        data "aws_iam_policy_document" "source" {
          statement {
            sid     = "Kept"
            actions = ["s3:ListBucket"]
          }
          statement {
            sid     = "Replaced"
            actions = ["s3:*"]
          }
        }
        data "aws_iam_policy_document" "override" {
          statement {
            sid     = "Current"
            actions = ["sqs:SendMessage"]
          }
          statement {
            actions = ["sns:Publish"]
          }
        }
        data "aws_iam_policy_document" "d" {
          source_policy_documents   = [data.aws_iam_policy_document.source.json]
          override_policy_documents = [
            data.aws_iam_policy_document.override.json,
            jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "Last", Effect = "Deny", Action = "*", Resource = "*" }] }),
          ]
          statement {
            sid     = "Replaced"
            actions = ["s3:GetObject"]
          }
          statement {
            sid     = "Current"
            actions = ["kms:Decrypt"]
          }
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
        "#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{Statement:[{Action:["s3:ListBucket"],Effect:"Allow",Sid:"Kept"},"#,
            r#"{Action:["s3:GetObject"],Effect:"Allow",Sid:"Replaced"},"#,
            r#"{Action:["sqs:SendMessage"],Effect:"Allow",Sid:"Current"},"#,
            r#"{Action:["sns:Publish"],Effect:"Allow"},"#,
            r#"{Action:["*"],Effect:"Deny",Resource:["*"],Sid:"Last"}],Version:"2012-10-17"}"#
        )
    );
}

#[test]
fn a_heredoc_source_document_keeps_its_spans() {
    let text = r#"
data "aws_iam_policy_document" "d" {
  source_policy_documents = [<<EOF
{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
EOF
  ]
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.d.json
}
"#;
    let st = statements(text);
    let action = st[0].get("Action").unwrap();
    assert_eq!(show(action), r#"["*"]"#);
    let at = action.as_list().unwrap()[0].span;
    assert_eq!(&text[at.start as usize..at.end as usize], r#""*""#);
    assert!(text[..at.start as usize].ends_with(r#""Action": "#));
}

#[test]
fn unknown_parts_stay_unknown() {
    let got = policy(
        r#"
        variable "actions" {}
        variable "extra" {}
        variable "test" {}
        data "aws_iam_policy_document" "d" {
          override_policy_documents = [var.extra]
          statement {
            actions   = var.actions
            resources = ["*"]
            condition {
              test     = var.test
              variable = "aws:SourceVpce"
              values   = ["vpce-1"]
            }
          }
          statement {
            sid       = "MayBeReplaced"
            actions   = ["s3:GetObject"]
            resources = ["*"]
          }
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
        "#,
    );
    assert_eq!(
        got,
        r#"{Id:?,Statement:[{Action:?,Condition:?,Effect:"Allow",Resource:["*"]},?,?],Version:?}"#
    );
}

#[test]
fn unknown_principal_type_or_sid_is_unknown() {
    let got = policy(
        r#"
        variable "type" {}
        variable "sid" {}
        data "aws_iam_policy_document" "source" {
          statement {
            sid     = "A"
            actions = ["s3:*"]
          }
          statement {
            actions = ["sqs:*"]
          }
        }
        data "aws_iam_policy_document" "d" {
          source_policy_documents = [data.aws_iam_policy_document.source.json]
          statement {
            sid     = var.sid
            actions = ["kms:*"]
            principals {
              type        = var.type
              identifiers = ["*"]
            }
          }
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
        "#,
    );
    assert_eq!(
        got,
        concat!(
            r#"{Statement:[?,{Action:["sqs:*"],Effect:"Allow"},"#,
            r#"{Action:["kms:*"],Effect:"Allow",Principal:?,Sid:?}],Version:"2012-10-17"}"#
        )
    );
}

#[test]
fn duplicate_sids_make_the_document_unknown_with_a_note() {
    let text = r#"
        data "aws_iam_policy_document" "d" {
          statement {
            sid     = "A"
            actions = ["*"]
          }
          statement {
            sid     = "A"
            actions = ["s3:*"]
          }
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d.json
        }
    "#;
    assert_eq!(policy(text), "?");
    let notes = super::tests::unit(text).1;
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("duplicate sid \"A\" in statement")),
        "{notes:?}"
    );
}

#[test]
fn findings_point_at_the_data_block_with_the_use_as_origin() {
    let text = r#"
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.d.json
}
"#;
    let st = statements(text);
    let action = st[0].get("Action").unwrap();
    let written = action.label_span();
    assert_eq!(
        &text[written.start as usize..written.end as usize],
        r#"actions   = ["*"]"#
    );
    let origin = action.origin.as_ref().expect("an origin");
    assert_eq!(origin.label, "data.aws_iam_policy_document.d used here");
    assert_eq!(
        &text[origin.span.start as usize..origin.span.end as usize],
        "data.aws_iam_policy_document.d.json"
    );
}

#[test]
fn counted_documents_and_a_cycle() {
    let got = policy(
        r#"
        data "aws_iam_policy_document" "d" {
          count = 2
          statement {
            actions = ["s3:Get${count.index}"]
          }
        }
        data "aws_iam_policy_document" "a" {
          source_policy_documents = [data.aws_iam_policy_document.b.json]
        }
        data "aws_iam_policy_document" "b" {
          source_policy_documents = [data.aws_iam_policy_document.a.json]
        }
        resource "aws_iam_policy" "p" {
          policy = data.aws_iam_policy_document.d[1].json
          other  = data.aws_iam_policy_document.a.json
        }
        "#,
    );
    assert_eq!(
        got,
        r#"{Statement:[{Action:["s3:Get1"],Effect:"Allow"}],Version:"2012-10-17"}"#
    );
}

#[test]
fn partition_and_arn_are_known_other_data_sources_are_not() {
    let rs = resources(
        r#"
        data "aws_partition" "current" {}
        data "aws_arn" "role" {
          arn = "arn:aws-cn:iam::111122223333:role/app/x"
        }
        data "aws_caller_identity" "current" {}
        resource "x" "y" {
          a = "arn:${data.aws_partition.current.partition}:s3:::b"
          b = data.aws_partition.current.dns_suffix
          c = data.aws_partition.current.reverse_dns_prefix
          d = data.aws_arn.role.resource
          e = data.aws_arn.role.partition
          f = data.aws_caller_identity.current.account_id
        }
        "#,
    );
    let got: Vec<String> = match &rs[0].props.value {
        crate::model::Value::Map(m) => m.iter().map(|(k, v)| format!("{k}={}", show(v))).collect(),
        _ => panic!(),
    };
    assert_eq!(
        got,
        [
            r#"a="arn:aws:s3:::b""#,
            r#"b="amazonaws.com""#,
            r#"c="com.amazonaws""#,
            r#"d="role/app/x""#,
            r#"e="aws-cn""#,
            "f=?",
        ]
    );
}

#[test]
fn the_document_lands_in_every_resource_policy() {
    let rs = resources(
        r#"
        data "aws_iam_policy_document" "d" {
          statement {
            actions   = ["sqs:SendMessage"]
            resources = ["*"]
          }
        }
        resource "aws_sqs_queue_policy" "q" {
          policy = data.aws_iam_policy_document.d.json
        }
        resource "aws_sqs_queue" "q" {
          policy = data.aws_iam_policy_document.d.json
        }
        resource "aws_sns_topic_policy" "t" {
          policy = data.aws_iam_policy_document.d.json
        }
        resource "aws_kms_key" "k" {
          policy = data.aws_iam_policy_document.d.minified_json
        }
        resource "aws_opensearch_domain" "o" {
          access_policies = data.aws_iam_policy_document.d.json
        }
        resource "aws_cloudwatch_log_resource_policy" "l" {
          policy_document = data.aws_iam_policy_document.d.json
        }
        "#,
    );
    for r in &rs {
        let map = match &r.props.value {
            crate::model::Value::Map(m) => m,
            _ => panic!(),
        };
        let (_, doc) = map.iter().next().expect("one attribute");
        let statements = doc.get("Statement").and_then(Node::as_list);
        let action = statements.and_then(|s| s[0].get("Action")).map(show);
        assert_eq!(
            action.as_deref(),
            Some(r#"["sqs:SendMessage"]"#),
            "{}",
            r.address
        );
    }
}
