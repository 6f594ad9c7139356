//! tenken (点検): a security linter for CloudFormation and Terraform, with
//! policies written in CEL.
//!
//! The flow, one module per stage: [`discover`] → parse ([`cfn`], [`terraform`])
//! → normalize into the [`model`] → evaluate ([`engine`] with [`policy`]) →
//! filter ([`pipeline`]) → [`report`].

pub mod allocator;
pub mod base64;
pub mod baseline;
pub mod budget;
pub mod canonical;
pub mod cfn;
pub mod choices;
pub mod config;
pub mod diag;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod gate;
pub mod json;
pub mod lsp;
pub mod model;
pub mod pipeline;
pub mod policy;
pub mod policy_tests;
pub mod report;
pub mod request;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod terraform;
