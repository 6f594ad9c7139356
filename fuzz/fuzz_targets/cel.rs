//! Any assertion, evaluated on a small Terraform module: in this build (with
//! debug assertions) every check decided directly over the model is decided
//! by the cel crate too, and the engine panics if the two differ.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use tenken::engine::Settings;
use tenken::pipeline::{self, Job};
use tenken::policy::{self, Policy};
use tenken::source::{SourceFile, SourceMap};

const MODULE: &str = r#"
variable "open" { type = bool }
resource "aws_s3_bucket" "b" {
  bucket = "x"
  tags   = { Name = "n", Env = "dev" }
}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = ["s3:*"], Principal = "*",
    Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })
}
resource "aws_security_group" "web" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port        = 443
    to_port          = 443
    protocol         = "-1"
    cidr_blocks      = var.open ? ["0.0.0.0/0"] : ["10.0.0.0/8"]
    ipv6_cidr_blocks = ["::/0"]
  }
}
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
"#;

/// A policy checking every resource (or every ingress rule) with `assert`.
fn policy(sources: &mut SourceMap, assert: &str, for_each: &str) -> Option<Policy> {
    // A block scalar holds the assertion as it is.
    let assert: String = assert.lines().map(|l| format!("  {l}\n")).collect();
    let text = format!(
        "id: T\ntitle: t\nseverity: low\nchecklist: c\nrationale: r\nremediation: r\n\
         resource_types: [\"*\"]\n{for_each}message: \"m {{meta.address}}\"\nassert: |\n{assert}"
    );
    let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text);
    let id = sources.add(file);
    let policy = policy::load(&Arc::clone(sources.get(id)), id, false, policy::Cases::Read).ok()?;
    policy.compiled().ok()?;
    Some(policy)
}

fuzz_target!(|data: &[u8]| {
    let Ok(assert) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::default();
    let module = sources.add(SourceFile::new(
        "main.tf".into(),
        "main.tf".into(),
        MODULE.into(),
    ));
    let policies: Vec<Policy> = ["", "for_each: resource.ingress\n"]
        .iter()
        .filter_map(|for_each| policy(&mut sources, assert, for_each))
        .collect();
    let policies: Vec<&Policy> = policies.iter().collect();
    let settings = Settings {
        strict: true,
        record_checks: false,
        all_values: false,
        fixes: false,
    };
    pipeline::lint(&sources, &[Job::Module(vec![module])], &policies, settings);
});
