//! `tenken test [DIR]`: the test cases that policies carry.

use super::load_policies;
use std::path::PathBuf;
use tenken::pipeline::Selection;
use tenken::policy::Policy;
use tenken::policy_tests;
use tenken::report::human::ColorChoice;

#[derive(clap::Args)]
pub struct Args {
    /// A folder of policies to test (default: the built-in policies).
    dir: Option<PathBuf>,
    /// Test only these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
}

pub fn run(args: Args, color: ColorChoice) -> i32 {
    let dirs: Vec<PathBuf> = args.dir.iter().cloned().collect();
    let Some(policies) = load_policies(&dirs, color) else {
        return 2;
    };
    let selection = Selection {
        only: args.only,
        ..Default::default()
    };
    let chosen: Vec<&Policy> = policies
        .iter()
        .filter(|p| args.dir.is_none() || !p.builtin)
        .filter(|p| selection.selects_any_pack(p))
        .collect();
    let report = policy_tests::run(&chosen);
    print!("{}", report.text);
    if report.failed > 0 {
        1
    } else {
        0
    }
}
