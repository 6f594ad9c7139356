//! Redshift clusters.

use super::shape::rename;
use super::types::{attr, Ty};
use super::{Props, Service};

const CLUSTER: &[&str] = &["aws_redshift_cluster"];

pub const SERVICE: Service = Service {
    types: &[("AWS::Redshift::Cluster", "aws_redshift_cluster")],
    attributes: &[&[
        attr(CLUSTER, "encrypted", Ty::Bool),
        attr(CLUSTER, "master_password", Ty::Str),
        attr(CLUSTER, "publicly_accessible", Ty::Bool),
    ]],
    cloudformation,
    ..Service::NONE
};

fn cloudformation(cfn_type: &str, p: &mut Props) {
    if cfn_type == "AWS::Redshift::Cluster" {
        rename(p, "master_user_password", "master_password");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clusters_have_parity() {
        super::super::parity::assert_parity(
            "C:\n  Type: AWS::Redshift::Cluster\n  Properties: {Encrypted: 'false', MasterUserPassword: hunter2, PubliclyAccessible: true}\n",
            r#"resource "aws_redshift_cluster" "c" {
              encrypted           = false
              master_password     = "hunter2"
              publicly_accessible = "true"
            }"#,
        );
    }
}
