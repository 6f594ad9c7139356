//! RDS (and DocumentDB, which shares its API): instances, clusters, snapshots.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

const ENCRYPTED: &[&str] = &["aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster"];
const INSTANCES: &[&str] = &["aws_db_instance", "aws_rds_cluster_instance"];

pub const SERVICE: Service = Service {
    types: &[
        ("AWS::DocDB::DBCluster", "aws_docdb_cluster"),
        ("AWS::RDS::DBCluster", "aws_rds_cluster"),
        ("AWS::RDS::DBInstance", "aws_db_instance"),
    ],
    attributes: &[&[
        attr(ENCRYPTED, "storage_encrypted", Ty::Bool),
        attr(ENCRYPTED, "kms_key_id", Ty::Str),
        attr(ENCRYPTED, "snapshot_identifier", Ty::Str),
        attr(ENCRYPTED, "engine_mode", Ty::Str),
        attr(
            &["aws_db_instance", "aws_rds_cluster_instance"],
            "db_cluster_identifier",
            Ty::Str,
        ),
        attr(&["aws_rds_cluster_instance"], "cluster_identifier", Ty::Str),
        attr(&["aws_db_instance"], "replicate_source_db", Ty::Str),
        attr(
            &["aws_db_instance"],
            "source_db_instance_identifier",
            Ty::Str,
        ),
        attr(&["aws_db_instance"], "db_snapshot_identifier", Ty::Str),
        attr(INSTANCES, "publicly_accessible", Ty::Bool),
        attr(&["aws_db_instance"], "password", Ty::Str),
        attr(
            &["aws_rds_cluster", "aws_docdb_cluster"],
            "master_password",
            Ty::Str,
        ),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    match cfn_type {
        "AWS::RDS::DBInstance" => rename(p, "master_user_password", "password"),
        "AWS::RDS::DBCluster" | "AWS::DocDB::DBCluster" => {
            rename(p, "master_user_password", "master_password");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instances_and_clusters_have_parity() {
        super::super::parity::assert_parity(
            "C:\n  Type: AWS::RDS::DBCluster\n  Properties: {StorageEncrypted: 'true', MasterUserPassword: hunter2, EngineMode: provisioned}\nI:\n  Type: AWS::RDS::DBInstance\n  Properties: {PubliclyAccessible: 'false', StorageEncrypted: false, MasterUserPassword: hunter2}\n",
            r#"resource "aws_rds_cluster" "c" {
              storage_encrypted = true
              master_password   = "hunter2"
              engine_mode       = "provisioned"
            }
            resource "aws_db_instance" "i" {
              publicly_accessible = false
              storage_encrypted   = "false"
              password            = "hunter2"
            }"#,
        );
    }
}
