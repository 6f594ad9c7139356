//! The `tenken` command line: the commands and their options; each command
//! is a module of [`commands`].

mod commands;

use clap::{CommandFactory, Parser, Subcommand};
use commands::{baseline, check, completions, explain, manpage, rules, test};
use std::process::ExitCode;
use tenken::allocator;
use tenken::report::human::ColorChoice;

#[derive(Parser)]
#[command(
    name = "tenken",
    version,
    about = "Security linter for CloudFormation and Terraform, with CEL policies"
)]
pub struct Cli {
    /// When to colour the output: `auto` on a terminal, unless `NO_COLOR`
    /// (off), `FORCE_COLOR` or `CLICOLOR_FORCE` (on) or `TERM=dumb` (off) say otherwise.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and folders.
    Check(check::Args),
    /// List the policies.
    Rules(rules::Args),
    /// Show a policy's rationale, remediation and examples.
    Explain(explain::Args),
    /// Record the current findings as accepted (`baseline create`).
    Baseline {
        #[command(subcommand)]
        action: baseline::Action,
    },
    /// Run the test cases that policies carry.
    Test(test::Args),
    /// Run the Language Server (LSP over stdin/stdout) for editors.
    Lsp,
    /// Print a shell completion script.
    Completions(completions::Args),
    /// Print the manual page (roff), e.g. `tenken manpage > tenken.1`.
    Manpage,
}

fn main() -> ExitCode {
    allocator::configure();
    let cli = Cli::parse();
    let color = cli.color;
    let code = match cli.command {
        Command::Check(args) => check::run(args, color),
        Command::Baseline { action } => baseline::run(action, color),
        Command::Rules(args) => rules::run(args, color),
        Command::Explain(args) => explain::run(args, color),
        Command::Test(args) => test::run(args, color),
        Command::Lsp => tenken::lsp::run(),
        Command::Completions(args) => completions::run(args, Cli::command()),
        Command::Manpage => manpage::run(Cli::command()),
    };
    ExitCode::from(code as u8)
}

/// mimalloc: runs spend much of their time allocating syntax trees and CEL
/// values, and it makes a whole-corpus run about 20% faster than the system
/// allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;
