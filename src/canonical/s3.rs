//! S3 buckets and the settings Terraform writes as resources of their own
//! (ACL, encryption, logging, policy, public access block, versioning).

use super::fold::Fold;
use super::shape::{append, rename, wrap};
use super::types::{attr, Ty};
use super::{snake_case, Props, Service};
use crate::model::{Map, Node, Value};

const BUCKET: &[&str] = &["aws_s3_bucket"];
const ENCRYPTION: &str = "server_side_encryption_configuration";

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::S3::Bucket", "aws_s3_bucket"),
        ("AWS::S3::BucketPolicy", "aws_s3_bucket_policy"),
    ],
    attributes: &[&[
        attr(BUCKET, "bucket", Ty::Str),
        attr(&["aws_s3_bucket", "aws_s3_bucket_acl"], "acl", Ty::Str),
        attr(BUCKET, ENCRYPTION, Ty::Blocks),
        attr(BUCKET, "server_side_encryption_configuration.rule", Ty::Blocks),
        attr(
            BUCKET,
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default",
            Ty::Blocks,
        ),
        attr(
            BUCKET,
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm",
            Ty::Str,
        ),
        attr(
            BUCKET,
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.kms_master_key_id",
            Ty::Str,
        ),
        attr(BUCKET, "public_access_block", Ty::Blocks),
        attr(BUCKET, "public_access_block.block_public_acls", Ty::Bool),
        attr(BUCKET, "public_access_block.block_public_policy", Ty::Bool),
        attr(BUCKET, "public_access_block.ignore_public_acls", Ty::Bool),
        attr(BUCKET, "public_access_block.restrict_public_buckets", Ty::Bool),
        attr(BUCKET, "versioning", Ty::Blocks),
        attr(BUCKET, "versioning.enabled", Ty::Bool),
        attr(BUCKET, "logging", Ty::Blocks),
        attr(BUCKET, "logging.target_bucket", Ty::Str),
        attr(BUCKET, "logging.target_prefix", Ty::Str),
        attr(BUCKET, "bucket_policy", Ty::Blocks),
        attr(BUCKET, "bucket_policy.policy", Ty::Document),
        attr(&["aws_s3_bucket_policy"], "policy", Ty::Document),
        attr(&["aws_s3_bucket_policy"], "bucket", Ty::Str),
    ]],
    cloudformation,
    folds: &[
        child("aws_s3_bucket_acl", "acl", set_acl),
        child("aws_s3_bucket_logging", "logging", append),
        child("aws_s3_bucket_policy", "bucket_policy", append),
        child("aws_s3_bucket_public_access_block", "public_access_block", append),
        child("aws_s3_bucket_server_side_encryption_configuration", ENCRYPTION, append),
        child("aws_s3_bucket_versioning", "versioning", |p, attr, item| {
            append(p, attr, versioning(item))
        }),
    ],
    native: &[
        (
            "AWS::S3::Bucket",
            "public_access_block",
            "PublicAccessBlockConfiguration",
        ),
        (
            "AWS::S3::Bucket",
            "server_side_encryption_configuration",
            "BucketEncryption",
        ),
        (
            "AWS::S3::Bucket",
            "server_side_encryption_configuration.rule",
            "BucketEncryption.ServerSideEncryptionConfiguration[]",
        ),
        (
            "AWS::S3::Bucket",
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default",
            "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault",
        ),
        (
            "AWS::S3::Bucket",
            "server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm",
            "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.SSEAlgorithm",
        ),
    ],
    ..Service::NONE
};

/// A bucket setting written as a resource naming its bucket, by reference or by name.
const fn child(child: &'static str, attr: &'static str, merge: fn(&mut Node, &str, Node)) -> Fold {
    Fold {
        child,
        refers: "bucket",
        parent: "aws_s3_bucket",
        attr,
        by_name: true,
        merge,
    }
}

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
        "AWS::S3::Bucket" => {
            rename(p, "bucket_name", "bucket");
            canned_acl(p);
            encryption(p);
            rename(
                p,
                "public_access_block_configuration",
                "public_access_block",
            );
            wrap(p, "public_access_block");
            if let Some(v) = p.remove("versioning_configuration") {
                let status = v.get("status").cloned();
                let enabled = status.map(|s| enabled_if(s, "Enabled"));
                let m = Map::from_iter(enabled.map(|e| ("enabled".to_string(), e)));
                let versioning = Node {
                    value: Value::Map(m),
                    ..v
                };
                p.insert("versioning".into(), versioning.into_list());
            }
            if let Some(mut l) = p.remove("logging_configuration") {
                if let Some(m) = l.map_mut() {
                    rename(m, "destination_bucket_name", "target_bucket");
                    rename(m, "log_file_prefix", "target_prefix");
                }
                p.insert("logging".into(), l.into_list());
            }
        }
        "AWS::S3::BucketPolicy" => rename(p, "policy_document", "policy"),
        _ => {}
    }
}

/// `BucketEncryption.ServerSideEncryptionConfiguration` into Terraform's
/// `server_side_encryption_configuration { rule { apply_server_side_encryption_by_default {...} } }`.
fn encryption(p: &mut Props) {
    let Some(enc) = p.remove("bucket_encryption") else {
        return;
    };
    let rules = enc.get(ENCRYPTION).cloned().map(|mut rules| {
        if let Value::List(items) = &mut rules.value {
            for rule in items.iter_mut().filter_map(Node::map_mut) {
                rename(
                    rule,
                    "server_side_encryption_by_default",
                    "apply_server_side_encryption_by_default",
                );
            }
        }
        rules.key_span = None;
        rules
    });
    let config = Map::from_iter(rules.map(|r| ("rule".to_string(), r)));
    let node = Node {
        value: Value::Map(config),
        ..enc
    };
    p.insert(ENCRYPTION.into(), node.into_list());
}

/// `AccessControl: PublicRead` → `acl = "public-read"` (Terraform's canned ACL names).
fn canned_acl(p: &mut Props) {
    if let Some(mut acl) = p.remove("access_control") {
        if let Value::Str(s) = &acl.value {
            acl.value = Value::Str(snake_case(s).replace('_', "-"));
        }
        p.insert("acl".into(), acl);
    }
}

/// `aws_s3_bucket_acl`'s canned `acl` becomes the bucket's `acl` attribute.
fn set_acl(bucket: &mut Node, _: &str, item: Node) {
    if let (Some(map), Some(acl)) = (bucket.map_mut(), item.get("acl")) {
        map.insert("acl".to_string(), acl.clone());
    }
}

/// A status as a boolean: whether it is `on`; an unknown stays unknown.
fn enabled_if(status: Node, on: &str) -> Node {
    let value = match &status.value {
        Value::Str(text) => Value::Bool(text == on),
        other => other.clone(),
    };
    Node { value, ..status }
}

/// `versioning_configuration { status = "Enabled" }` into the bucket's `versioning { enabled }` shape.
fn versioning(item: Node) -> Node {
    let status = item
        .get("versioning_configuration")
        .and_then(Node::as_list)
        .and_then(<[Node]>::first)
        .and_then(|c| c.get("status"))
        .cloned();
    let out = Map::from_iter(status.map(|s| ("enabled".to_string(), enabled_if(s, "Enabled"))));
    Node {
        value: Value::Map(out),
        ..item
    }
}

#[cfg(test)]
mod tests {
    use super::super::parity::assert_parity;

    #[test]
    fn buckets_and_their_split_settings_have_parity() {
        assert_parity(
            "B:\n  Type: AWS::S3::Bucket\n  Properties:\n    BucketName: logs\n    AccessControl: PublicRead\n    BucketEncryption:\n      ServerSideEncryptionConfiguration:\n        - ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms'}\n    PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: 'true', IgnorePublicAcls: true, RestrictPublicBuckets: false}\n    VersioningConfiguration: {Status: Suspended}\n    LoggingConfiguration: {DestinationBucketName: audit, LogFilePrefix: b/}\n",
            r#"resource "aws_s3_bucket" "b" { bucket = "logs" }
            resource "aws_s3_bucket_acl" "b" {
              bucket = aws_s3_bucket.b.id
              acl    = "public-read"
            }
            resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
              bucket = "logs"
              rule {
                apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
              }
            }
            resource "aws_s3_bucket_public_access_block" "b" {
              bucket                  = aws_s3_bucket.b.id
              block_public_acls       = true
              block_public_policy     = true
              ignore_public_acls      = "true"
              restrict_public_buckets = false
            }
            resource "aws_s3_bucket_versioning" "b" {
              bucket = aws_s3_bucket.b.id
              versioning_configuration { status = "Suspended" }
            }
            resource "aws_s3_bucket_logging" "b" {
              bucket        = aws_s3_bucket.b.id
              target_bucket = "audit"
              target_prefix = "b/"
            }"#,
        );
    }
}
