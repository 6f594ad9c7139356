//! ElastiCache replication groups.

use super::types::{attr, Ty};
use super::Service;

const GROUP: &[&str] = &["aws_elasticache_replication_group"];

pub const SERVICE: Service = Service {
    types: &[(
        "AWS::ElastiCache::ReplicationGroup",
        "aws_elasticache_replication_group",
    )],
    attributes: &[&[
        attr(GROUP, "at_rest_encryption_enabled", Ty::Bool),
        attr(GROUP, "transit_encryption_enabled", Ty::Bool),
        attr(GROUP, "auth_token", Ty::Str),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn replication_groups_have_parity() {
        super::super::parity::assert_parity(
            "G:\n  Type: AWS::ElastiCache::ReplicationGroup\n  Properties: {AtRestEncryptionEnabled: 'true', TransitEncryptionEnabled: false}\n",
            r#"resource "aws_elasticache_replication_group" "g" {
              at_rest_encryption_enabled = true
              transit_encryption_enabled = "false"
            }"#,
        );
    }
}
