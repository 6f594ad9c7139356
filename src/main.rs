//! tenken (点検): a security linter for CloudFormation and Terraform, with
//! policies written in CEL.

mod cfn;
mod diag;
mod discover;
mod engine;
mod json;
mod model;
mod pipeline;
mod policy;
mod report;
mod source;
mod terraform;

use clap::{Parser, Subcommand, ValueEnum};
use pipeline::{Options, Selection};
use policy::Severity;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tenken", version, about = "Security linter for CloudFormation and Terraform, with CEL policies")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and folders.
    Check(CheckArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files and folders to lint.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "low")]
    fail_on: Severity,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Also load the policies in this folder (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
    /// Run only these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
    /// Do not run these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    skip: Vec<String>,
    /// Add an opt-in policy pack (repeatable), e.g. `account-baseline`.
    #[arg(long, value_name = "NAME")]
    pack: Vec<String>,
    /// Only run policies of at least this severity.
    #[arg(long, value_enum)]
    min_severity: Option<Severity>,
    /// Report checks that cannot be decided (a value is unknown before deployment) as info.
    #[arg(long)]
    strict: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check(args),
    };
    ExitCode::from(code as u8)
}

fn check(args: CheckArgs) -> i32 {
    let options = Options {
        paths: args.paths,
        exclude: args.exclude,
        policy_dirs: args.policy_dirs,
        selection: Selection {
            only: args.only,
            skip: args.skip,
            packs: args.pack,
            min_severity: args.min_severity,
        },
        strict: args.strict,
    };
    let outcome = pipeline::run(&options);
    let text = match args.format {
        OutputFormat::Human => {
            report::human::render(&outcome, report::human::use_color(std::io::stdout().is_terminal()))
        }
        OutputFormat::Json => report::json::render(&outcome),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    report::exit_code(&outcome, args.fail_on)
}
