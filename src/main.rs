//! The `tenken` command line.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tenken::baseline::{self, Baseline};
use tenken::config;
use tenken::gate::{Gate, Trust};
use tenken::pipeline::{self, Options, Selection};
use tenken::policy::{self, Severity};
use tenken::{engine, policy_tests, report, rules, source};

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
    /// Record the current findings as accepted (`baseline create`).
    Baseline {
        #[command(subcommand)]
        action: BaselineAction,
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

#[derive(Subcommand)]
enum BaselineAction {
    /// Write the current findings to a baseline file.
    Create {
        #[command(flatten)]
        lint: LintArgs,
        /// The baseline file to write.
        #[arg(long, short, value_name = "FILE", default_value = baseline::FILE_NAME)]
        output: PathBuf,
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
    format: rules::ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
}

/// `FORMAT` or `FORMAT=FILE`.
#[derive(Clone, Debug)]
struct FormatArg {
    format: OutputFormat,
    file: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<FormatArg, String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some(_) => return Err(format!("'{s}': missing file name after '='")),
        None => (s, None),
    };
    let format = OutputFormat::from_str(name, true).map_err(|_| {
        format!("unknown format '{name}' (expected human, json, sarif, junit or github)")
    })?;
    Ok(FormatArg { format, file })
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    lint: LintArgs,
    /// Output format, optionally to a file: `human`, `json`, `sarif`,
    /// `junit`, `github`, e.g. `--format sarif=results.sarif` (repeatable).
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_format)]
    format: Vec<FormatArg>,
    /// Write the format given without `=FILE` here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity (default: low).
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also list suppressed findings, with the reason.
    #[arg(long)]
    show_suppressed: bool,
    /// Print only findings (and errors): no warnings, no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// What to lint and with which policies (shared by `check` and `baseline create`).
#[derive(clap::Args)]
struct LintArgs {
    /// Files and folders to lint.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The configuration file (default: the first `.tenken.yaml` in the
    /// working directory or a folder above it).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
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
    /// Set a CloudFormation parameter, `Key=Value` (repeatable; pseudo
    /// parameters too, e.g. `AWS::Region=eu-west-1`).
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_var)]
    parameters: Vec<(String, String)>,
    /// Read CloudFormation parameter values from a file (repeatable): AWS CLI
    /// `[{"ParameterKey", "ParameterValue"}]`, `["Key=Value"]` or `{"Key": "Value"}`.
    #[arg(long = "parameters", value_name = "FILE")]
    parameter_files: Vec<PathBuf>,
    /// Terraform: read variable values from this file (repeatable), like `terraform -var-file`.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Terraform: set a variable (repeatable), like `terraform -var 'NAME=VALUE'`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
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
        Command::Baseline {
            action: BaselineAction::Create { lint, output },
        } => baseline_create(lint, &output),
        Command::Rules(args) => rules(args),
        Command::Explain { id, policy_dirs } => explain(&id, &policy_dirs),
        Command::Test { dir, only } => test(dir, only),
        Command::Lsp => tenken::lsp::run(),
    };
    ExitCode::from(code as u8)
}

/// Prints problems (with their source) on standard error.
fn print_problems(sources: source::SourceMap, errors: Vec<tenken::diag::Problem>) {
    print_outcome(&pipeline::Outcome {
        sources,
        errors,
        ..Default::default()
    });
}

/// Prints the errors of an outcome on standard error.
fn print_outcome(outcome: &pipeline::Outcome) {
    let color = report::human::use_color(std::io::stderr().is_terminal());
    let style = report::human::Style {
        color,
        quiet: true,
        ..Default::default()
    };
    eprint!("{}", report::human::render_with(outcome, style));
}

/// The run's options: the configuration file, then the command line on top
/// (lists are joined, single values replace). Also the configured `fail_on`;
/// or the outcome of a run stopped by an invalid configuration.
fn options(args: LintArgs) -> Result<(Options, Option<Severity>), Box<pipeline::Outcome>> {
    let mut gate = Gate::for_paths(&args.paths);
    for dir in &args.policy_dirs {
        gate.add_root(dir);
    }
    let path = match &args.config {
        Some(p) => Some((p.clone(), Trust::Named)),
        None => config::find(Path::new("."), &gate).map(|p| (p, Trust::Confined)),
    };
    let mut sources = source::SourceMap::default();
    let loaded = path.map(|(p, trust)| config::load(&p, trust, &gate, &mut sources));
    let loaded = match loaded.transpose() {
        Ok(loaded) => loaded,
        Err(problem) => {
            return Err(Box::new(pipeline::Outcome {
                sources,
                errors: vec![problem],
                ..Default::default()
            }))
        }
    };
    let c = loaded
        .as_ref()
        .map(|l| &l.config)
        .cloned()
        .unwrap_or_default();
    let mut selection = Selection {
        only: args.only,
        skip: args.skip,
        packs: args.pack,
        min_severity: args.min_severity,
        ..Default::default()
    };
    selection.add_config(&c);
    let options = Options {
        paths: args.paths,
        gate,
        exclude: c.exclude.iter().cloned().chain(args.exclude).collect(),
        policy_dirs: loaded
            .iter()
            .flat_map(|l| l.policy_dirs())
            .chain(args.policy_dirs)
            .collect(),
        selection,
        engine: engine::Settings {
            strict: args.strict,
            record_checks: false,
        },
        overrides: loaded.as_ref().map(|l| l.overrides()).unwrap_or_default(),
        baseline: None,
        parameters: args.parameters,
        parameter_files: args.parameter_files,
        terraform: tenken::terraform::Inputs {
            var_files: args.var_files,
            vars: args.vars,
            env: std::env::vars()
                .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                .collect(),
            workspace: std::env::var("TF_WORKSPACE").ok(),
        },
    };
    Ok((options, c.fail_on))
}

/// Runs the pipeline, showing that it is working on standard error when
/// that is a terminal and the run takes more than a second.
fn run_with_progress(options: &Options) -> pipeline::Outcome {
    if !std::io::stderr().is_terminal() {
        return pipeline::run(options);
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let spinner = std::thread::spawn(move || {
        let mut shown = false;
        for tick in 0.. {
            std::thread::sleep(Duration::from_millis(100));
            if flag.load(Ordering::Relaxed) {
                break;
            }
            if tick >= 10 {
                eprint!("\rtenken: checking{:<3}", ".".repeat(tick / 5 % 4));
                shown = true;
            }
        }
        if shown {
            eprint!("\r{:20}\r", "");
        }
    });
    let outcome = pipeline::run(options);
    done.store(true, Ordering::Relaxed);
    let _ = spinner.join();
    outcome
}

fn check(args: CheckArgs) -> i32 {
    let (mut options, fail_on, outcome) = match options(args.lint) {
        Ok((options, fail_on)) => (options, fail_on, None),
        // An invalid configuration is reported in every requested format.
        Err(outcome) => (Options::default(), None, Some(*outcome)),
    };
    if let Some(path) = &args.baseline {
        match Baseline::read(path) {
            Ok(b) => options.baseline = Some(b),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        }
    }
    // JUnit lists passed checks, SARIF the rules that ran.
    options.engine.record_checks = args
        .format
        .iter()
        .any(|f| matches!(f.format, OutputFormat::Junit | OutputFormat::Sarif));
    // A run that could not start says why on standard error too.
    let not_started = outcome.is_some();
    let outcome = outcome.unwrap_or_else(|| run_with_progress(&options));
    if not_started {
        print_outcome(&outcome);
    }
    let formats = if args.format.is_empty() {
        vec![FormatArg {
            format: OutputFormat::Human,
            file: None,
        }]
    } else {
        args.format
    };
    if args.output.is_some() && formats.iter().filter(|f| f.file.is_none()).count() > 1 {
        eprintln!("error: --output needs exactly one --format without =FILE");
        return 2;
    }
    let mut code = report::exit_code(&outcome, args.fail_on.or(fail_on).unwrap_or(Severity::Low));
    for f in formats {
        let target = f.file.or_else(|| args.output.clone());
        if not_started && target.is_none() && matches!(f.format, OutputFormat::Human) {
            continue;
        }
        let text = match f.format {
            OutputFormat::Human => report::human::render_with(
                &outcome,
                report::human::Style {
                    color: target.is_none()
                        && report::human::use_color(std::io::stdout().is_terminal()),
                    show_suppressed: args.show_suppressed,
                    quiet: args.quiet,
                },
            ),
            OutputFormat::Json => report::json::render(&outcome),
            OutputFormat::Sarif => report::sarif::render(&outcome),
            OutputFormat::Junit => report::junit::render(&outcome),
            OutputFormat::Github => report::github::render(&outcome),
        };
        let written = match &target {
            Some(path) => std::fs::write(path, &text)
                .map_err(|e| format!("cannot write {}: {e}", path.display())),
            None => std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| format!("cannot write to standard output: {e}")),
        };
        if let Err(message) = written {
            eprintln!("error: {message}");
            code = 2;
        }
    }
    code
}

fn baseline_create(args: LintArgs, output: &Path) -> i32 {
    let (options, _) = match options(args) {
        Ok(o) => o,
        Err(outcome) => {
            print_outcome(&outcome);
            return 2;
        }
    };
    let outcome = run_with_progress(&options);
    if !outcome.errors.is_empty() {
        print_problems(outcome.sources, outcome.errors);
        return 2;
    }
    let b = Baseline::of(&outcome.sources, &outcome.findings);
    if let Err(e) = std::fs::write(output, b.to_json()) {
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

/// Loads the policies, printing any problem with them; `None` if there was one.
fn load(dirs: &[PathBuf]) -> Option<(source::SourceMap, Vec<policy::Policy>)> {
    let mut sources = source::SourceMap::default();
    let mut errors = Vec::new();
    let mut gate = Gate::default();
    for dir in dirs {
        gate.add_root(dir);
    }
    let policies = pipeline::load_policies(dirs, &gate, &mut sources, &mut errors);
    if errors.is_empty() {
        return Some((sources, policies));
    }
    print_problems(sources, errors);
    None
}

fn rules(args: RulesArgs) -> i32 {
    let Some((_, policies)) = load(&args.policy_dirs) else {
        return 2;
    };
    let selection = Selection {
        only: args.only,
        skip: args.skip,
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

/// mimalloc: runs spend much of their time allocating syntax trees and CEL
/// values, and it makes a whole-corpus run about 20% faster than the system
/// allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
