//! The canonical view: every resource in the Terraform AWS provider's type
//! names and attribute shapes, whichever format it was written in.
//!
//! Each AWS service has one file holding its type names, the declared types
//! of the attributes policies read, its CloudFormation reshaping and its
//! Terraform folds, so adding a resource type touches one file.

mod apigateway;
mod cloudformation;
mod cloudfront;
mod cloudtrail;
mod configservice;
mod dynamodb;
mod ec2;
mod ecs;
mod efs;
mod elasticache;
mod elb;
mod fold;
mod guardduty;
pub(crate) mod iam;
mod kms;
mod lambda;
mod logs;
mod rds;
mod redshift;
mod s3;
mod secrets;
mod securityhub;
mod shape;
mod sns;
mod sqs;
mod stepfunctions;
mod types;
mod wafv2;

pub use cloudformation::{from_cloudformation, snake_case, DOCUMENT_KEYS};
pub use types::{Attr, Ty};

use crate::diag::Problem;
use crate::model::{Map, Resource, Unit};
use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

/// Properties of one resource, keyed by attribute.
pub(crate) type Props = Map;

/// What one AWS service contributes to the canonical view.
pub(crate) struct Service {
    /// CloudFormation types whose Terraform name is not the generic
    /// `aws_<service>_<resource>` form.
    pub types: &'static [(&'static str, &'static str)],
    /// The declared types of the attributes policies read, in groups.
    pub attributes: &'static [&'static [Attr]],
    /// Reshapes the snake_cased properties of a CloudFormation resource of
    /// this service (given its CloudFormation type) into the canonical form.
    pub cloudformation: fn(&str, &mut Props),
    /// Reshapes a resource of a Terraform type that has alternative forms
    /// (a rule written as a resource of its own), whichever format it came from.
    pub terraform: fn(&mut Resource),
    /// Settings written as separate resources, folded into their parent.
    pub folds: &'static [fold::Fold],
    /// Where CloudFormation writes an attribute this service's reshaping
    /// moves: (CloudFormation type, canonical path, native path), for fixes
    /// that add the attribute; a native segment ending with `[]` is a list
    /// (of one element) in CloudFormation.
    pub native: &'static [(&'static str, &'static str, &'static str)],
}

impl Service {
    /// A service with nothing to contribute but what is given.
    const NONE: Service = Service {
        types: &[],
        attributes: &[],
        cloudformation: |_, _| {},
        terraform: |_| {},
        folds: &[],
        native: &[],
    };
}

const SERVICES: &[&Service] = &[
    &apigateway::SERVICE,
    &cloudformation::SERVICE,
    &cloudfront::SERVICE,
    &cloudtrail::SERVICE,
    &configservice::SERVICE,
    &dynamodb::SERVICE,
    &ec2::SERVICE,
    &ecs::SERVICE,
    &efs::SERVICE,
    &elasticache::SERVICE,
    &elb::SERVICE,
    &guardduty::SERVICE,
    &iam::SERVICE,
    &kms::SERVICE,
    &lambda::SERVICE,
    &logs::SERVICE,
    &rds::SERVICE,
    &redshift::SERVICE,
    &s3::SERVICE,
    &secrets::SERVICE,
    &securityhub::SERVICE,
    &sns::SERVICE,
    &sqs::SERVICE,
    &stepfunctions::SERVICE,
    &wafv2::SERVICE,
];

/// Makes the tables of type names and declared attributes now rather than
/// on first use.
pub fn prepare() {
    names();
    declared();
}

/// The Terraform type name of each CloudFormation type the services map.
fn names() -> &'static HashMap<&'static str, &'static str> {
    static NAMES: OnceLock<HashMap<&str, &str>> = OnceLock::new();
    NAMES.get_or_init(|| SERVICES.iter().flat_map(|s| s.types).copied().collect())
}

/// The Terraform type name for a CloudFormation type.
pub fn canonical_type(cfn_type: &str) -> String {
    if let Some(name) = names().get(cfn_type) {
        return name.to_string();
    }
    let mut out = String::from("aws");
    for part in cfn_type.split("::").skip(1) {
        out.push('_');
        out.push_str(&snake_case(part));
    }
    out
}

/// The declared attributes of a canonical type, containers before what they
/// hold, each with its path split at the dots.
pub fn attributes(canonical_type: &str) -> &'static [Declared] {
    declared().get(canonical_type).map_or(&[], Vec::as_slice)
}

/// An attribute declared for a type, and its path split at the dots.
type Declared = (&'static Attr, Vec<&'static str>);

/// The declared attributes of each canonical type (see [`attributes`]).
fn declared() -> &'static HashMap<&'static str, Vec<Declared>> {
    static BY_TYPE: OnceLock<HashMap<&str, Vec<Declared>>> = OnceLock::new();
    BY_TYPE.get_or_init(|| {
        let mut map: HashMap<&str, Vec<Declared>> = HashMap::new();
        for attr in SERVICES
            .iter()
            .flat_map(|s| s.attributes.iter().copied().flatten())
        {
            for t in attr.types {
                let path = attr.path.split('.').collect();
                map.entry(t).or_default().push((attr, path));
            }
        }
        for attrs in map.values_mut() {
            attrs.sort_by_key(|(_, path)| path.len());
        }
        map
    })
}

/// Completes the canonical view of a unit: Terraform's alternative forms
/// reshaped, split settings folded into their parents, and every declared
/// attribute converted to its type. A value that cannot be converted is a
/// problem at the value, and unknown to policies.
pub fn finish(unit: &mut Unit) -> Vec<Problem> {
    for r in &mut unit.resources {
        for s in SERVICES {
            (s.terraform)(r);
        }
    }
    static FOLDS: OnceLock<HashMap<&str, &fold::Fold>> = OnceLock::new();
    let folds = FOLDS.get_or_init(|| {
        let folds = SERVICES.iter().flat_map(|s| s.folds);
        folds.map(|f| (f.child, f)).collect()
    });
    fold::fold_split_resources(unit, folds);
    let mut problems = Vec::new();
    for r in &mut unit.resources {
        types::convert(r, &mut problems);
    }
    problems
}

/// The CloudFormation property path of a canonical attribute path (dotted)
/// of a resource of `cfn_type`: the longest prefix a service declares as
/// moved, the rest in PascalCase (`http_tokens` → `HttpTokens`).
pub fn native_path(cfn_type: &str, path: &str) -> Vec<String> {
    let moved = SERVICES
        .iter()
        .flat_map(|s| s.native)
        .filter(|(t, from, _)| {
            *t == cfn_type
                && (path.strip_prefix(from)).is_some_and(|r| r.is_empty() || r.starts_with('.'))
        })
        .max_by_key(|(_, from, _)| from.len());
    let (mut out, rest) = match moved {
        Some((_, from, to)) => (
            to.split('.').map(str::to_string).collect(),
            path[from.len()..].trim_start_matches('.'),
        ),
        None => (Vec::new(), path),
    };
    out.extend(rest.split('.').filter(|s| !s.is_empty()).map(pascal_case));
    out
}

/// `http_tokens` → `HttpTokens`.
fn pascal_case(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// Reshapes snake_cased CloudFormation properties, service by service.
fn adapt(cfn_type: &str, props: &mut Props) {
    for s in SERVICES {
        (s.cloudformation)(cfn_type, props);
    }
}

#[cfg(test)]
mod coverage;
#[cfg(test)]
pub(crate) mod parity;
#[cfg(test)]
mod variants;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_declared_once_and_generic_fallback_works() {
        let mut seen = std::collections::HashSet::new();
        for (cfn, _) in SERVICES.iter().flat_map(|s| s.types) {
            assert!(seen.insert(cfn), "{cfn} is declared twice");
        }
        assert_eq!(
            canonical_type("AWS::EC2::SecurityGroup"),
            "aws_security_group"
        );
        assert_eq!(
            canonical_type("AWS::Neptune::DBCluster"),
            "aws_neptune_db_cluster"
        );
    }

    #[test]
    fn native_paths_follow_declared_moves_then_pascal_case() {
        assert_eq!(
            native_path("AWS::EC2::LaunchTemplate", "metadata_options.http_tokens"),
            ["LaunchTemplateData", "MetadataOptions", "HttpTokens"]
        );
        assert_eq!(
            native_path("AWS::EC2::Instance", "metadata_options.http_tokens"),
            ["MetadataOptions", "HttpTokens"]
        );
        assert_eq!(
            native_path("AWS::S3::Bucket", "public_access_block.block_public_acls"),
            ["PublicAccessBlockConfiguration", "BlockPublicAcls"]
        );
        assert_eq!(
            native_path(
                "AWS::S3::Bucket",
                "server_side_encryption_configuration.rule.bucket_key_enabled"
            ),
            [
                "BucketEncryption",
                "ServerSideEncryptionConfiguration[]",
                "BucketKeyEnabled"
            ]
        );
    }
}
