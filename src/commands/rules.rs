//! `tenken rules`: the policy catalogue.

use super::load_policies;
use std::path::PathBuf;
use tenken::pipeline::Selection;
use tenken::policy::{Policy, Severity};
use tenken::report::human::ColorChoice;
use tenken::rules::{self, ListFormat};

#[derive(clap::Args)]
pub struct Args {
    /// Also load the policies in this folder (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
    /// Only these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
    /// Leave out these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    skip: Vec<String>,
    /// Only policies of this pack.
    #[arg(long, value_name = "NAME")]
    pack: Option<String>,
    /// Only policies of at least this severity.
    #[arg(long, value_enum)]
    min_severity: Option<Severity>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: ListFormat,
}

pub fn run(args: Args, color: ColorChoice) -> i32 {
    let Some(policies) = load_policies(&args.policy_dirs, color) else {
        return 2;
    };
    let selection = Selection {
        only: args.only,
        skip: args.skip,
        min_severity: args.min_severity,
        packs: args.pack.iter().cloned().collect(),
        ..Default::default()
    };
    let chosen: Vec<&Policy> = policies
        .iter()
        .filter(|p| {
            selection.selects_any_pack(p) && args.pack.as_ref().is_none_or(|k| &p.spec.pack == k)
        })
        .collect();
    print!("{}", rules::render(&chosen, args.format));
    0
}
