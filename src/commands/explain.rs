//! `tenken explain ID`: a policy's rationale, remediation and examples.

use super::load_policies;
use std::path::PathBuf;
use tenken::report::human::ColorChoice;

#[derive(clap::Args)]
pub struct Args {
    /// Policy id, e.g. TKN-NET-001.
    id: String,
    /// Also load the policies in this folder (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
}

pub fn run(args: Args, color: ColorChoice) -> i32 {
    let Some(policies) = load_policies(&args.policy_dirs, color) else {
        return 2;
    };
    match policies
        .iter()
        .find(|p| p.spec.id.eq_ignore_ascii_case(&args.id))
    {
        Some(p) => {
            print!("{}", tenken::rules::explain(p));
            0
        }
        None => {
            eprintln!("error: no policy with id {} (see `tenken rules`)", args.id);
            2
        }
    }
}
