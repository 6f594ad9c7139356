//! The `tenken` command line.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use tenken::pipeline::{self, Options, Selection};
use tenken::policy::{self, Severity};
use tenken::{policy_tests, report, rules, source};

#[derive(Parser)]
#[command(
    name = "tenken",
    version,
    about = "Security linter for CloudFormation and Terraform, with CEL policies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and folders.
    Check(CheckArgs),
    /// List the policies.
    Rules(RulesArgs),
    /// Show a policy's rationale, remediation and examples.
    Explain {
        /// Policy id, e.g. TKN-NET-001.
        id: String,
        /// Also load the policies in this folder (repeatable).
        #[arg(long = "policies", value_name = "DIR")]
        policy_dirs: Vec<PathBuf>,
    },
    /// Run the test cases that policies carry.
    Test {
        /// A folder of policies to test (default: the built-in policies).
        dir: Option<PathBuf>,
        /// Test only these policies (id or glob, repeatable).
        #[arg(long, value_name = "ID")]
        only: Vec<String>,
    },
    /// Run the Language Server (LSP over stdin/stdout) for editors.
    Lsp,
}

#[derive(clap::Args)]
struct RulesArgs {
    /// Also load the policies in this folder (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    policy_dirs: Vec<PathBuf>,
    /// Only these policies (id or glob, repeatable).
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
    /// Only policies of this pack.
    #[arg(long, value_name = "NAME")]
    pack: Option<String>,
    /// Only policies of at least this severity.
    #[arg(long, value_enum)]
    min_severity: Option<Severity>,
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
        Command::Rules(args) => rules(args),
        Command::Explain { id, policy_dirs } => explain(&id, &policy_dirs),
        Command::Test { dir, only } => test(dir, only),
        Command::Lsp => tenken::lsp::run(),
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
        OutputFormat::Human => report::human::render(
            &outcome,
            report::human::use_color(std::io::stdout().is_terminal()),
        ),
        OutputFormat::Json => report::json::render(&outcome),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    report::exit_code(&outcome, args.fail_on)
}

/// Loads the policies, printing any problem with them; `None` if there was one.
fn load(dirs: &[PathBuf]) -> Option<(source::SourceMap, Vec<policy::Policy>)> {
    let mut sources = source::SourceMap::default();
    let mut errors = Vec::new();
    let policies = pipeline::load_policies(dirs, &mut sources, &mut errors);
    if errors.is_empty() {
        return Some((sources, policies));
    }
    let outcome = pipeline::Outcome {
        sources,
        errors,
        ..Default::default()
    };
    let color = report::human::use_color(std::io::stderr().is_terminal());
    eprint!("{}", report::human::render(&outcome, color));
    None
}

fn rules(args: RulesArgs) -> i32 {
    let Some((_, policies)) = load(&args.policy_dirs) else {
        return 2;
    };
    let selection = Selection {
        only: args.only,
        min_severity: args.min_severity,
        packs: args.pack.iter().cloned().collect(),
        ..Default::default()
    };
    let chosen: Vec<&policy::Policy> = policies
        .iter()
        .filter(|p| {
            selection.selects_any_pack(p) && args.pack.as_ref().is_none_or(|k| &p.spec.pack == k)
        })
        .collect();
    print!("{}", rules::list(&chosen));
    0
}

fn explain(id: &str, dirs: &[PathBuf]) -> i32 {
    let Some((_, policies)) = load(dirs) else {
        return 2;
    };
    match policies.iter().find(|p| p.spec.id.eq_ignore_ascii_case(id)) {
        Some(p) => {
            print!("{}", rules::explain(p));
            0
        }
        None => {
            eprintln!("error: no policy with id {id} (see `tenken rules`)");
            2
        }
    }
}

fn test(dir: Option<PathBuf>, only: Vec<String>) -> i32 {
    let dirs: Vec<PathBuf> = dir.iter().cloned().collect();
    let Some((_, policies)) = load(&dirs) else {
        return 2;
    };
    let selection = Selection {
        only,
        ..Default::default()
    };
    let chosen: Vec<&policy::Policy> = policies
        .iter()
        .filter(|p| dir.is_none() || !p.builtin)
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
