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
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: rules::ListFormat,
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
    /// Terraform: read variable values from this file (repeatable), like `terraform -var-file`.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Terraform: set a variable (repeatable), like `terraform -var 'NAME=VALUE'`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// CloudFormation: set a parameter (repeatable; pseudo parameters too,
    /// e.g. `AWS::Region=eu-west-1`).
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parse_var)]
    parameters: Vec<(String, String)>,
    /// CloudFormation: read parameter values from a file (repeatable): AWS CLI
    /// `[{"ParameterKey", "ParameterValue"}]`, `["Name=Value"]` or `{"Name": "Value"}`.
    #[arg(long = "parameters", value_name = "FILE")]
    parameter_files: Vec<PathBuf>,
}

/// `NAME=VALUE` of `--var` and `--parameter`.
fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(n, v)| (n.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("expected NAME=VALUE, got '{text}'"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => rules(args),
        Command::Explain { id, policy_dirs } => explain(&id, &policy_dirs),
        Command::Test { dir, only } => test(dir, only),
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
        terraform: tenken::terraform::Inputs {
            var_files: args.var_files,
            vars: args.vars,
            env: std::env::vars()
                .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                .collect(),
        },
        parameters: args.parameters,
        parameter_files: args.parameter_files,
    };
    let outcome = pipeline::run(&options);
    for note in &outcome.notes {
        let file = outcome.sources.get(note.span.file);
        let at = file.line_col(note.span.start as usize);
        eprintln!(
            "note: {}:{}:{}: {}",
            file.name, at.line, at.column, note.message
        );
    }
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
    print!("{}", rules::render(&chosen, args.format));
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
