//! `tenken baseline create`: the current findings, written as accepted.

use super::{print_errors, run_with_progress, LintArgs};
use std::path::PathBuf;
use tenken::baseline::{self, Baseline};
use tenken::pipeline;
use tenken::report::human::ColorChoice;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Write the current findings to a baseline file.
    Create {
        #[command(flatten)]
        lint: LintArgs,
        /// The baseline file to write.
        #[arg(long, short, value_name = "FILE", default_value = baseline::FILE_NAME)]
        output: PathBuf,
    },
}

pub fn run(action: Action, color: ColorChoice) -> i32 {
    let Action::Create { lint, output } = action;
    let options = match lint.configure() {
        Ok(c) => c.options,
        Err(outcome) => {
            print_errors(&outcome, color);
            return 2;
        }
    };
    let outcome = run_with_progress(options, pipeline::run);
    if !outcome.errors.is_empty() {
        print_errors(&outcome, color);
        return 2;
    }
    let b = Baseline::of(&outcome.sources, &outcome.findings);
    if let Err(e) = std::fs::write(&output, b.to_json()) {
        eprintln!("error: cannot write {}: {e}", output.display());
        return 2;
    }
    eprintln!(
        "wrote {} findings to {}",
        b.findings.len(),
        output.display()
    );
    0
}
