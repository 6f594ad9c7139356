//! One module per command, as `main.rs` dispatches them, and what they share:
//! the lint options of `check` and `baseline create`, the run with its
//! progress bar, and errors on standard error.

pub mod baseline;
pub mod check;
pub mod completions;
pub mod explain;
pub mod manpage;
pub mod rules;
pub mod test;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tenken::diag::Problem;
use tenken::discover::STDIN;
use tenken::gate::Gate;
use tenken::pipeline::{self, Options, Outcome, Progress, Selection};
use tenken::policy::{Cases, Policy, Severity};
use tenken::report::human::{self, ColorChoice};
use tenken::request::{ConfigAt, Configured, Request};
use tenken::source::{SourceFile, SourceMap, Span};

/// What to lint and with which policies (shared by `check` and `baseline create`).
#[derive(clap::Args)]
pub struct LintArgs {
    /// Files and folders to lint; `-` reads standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The name of standard input (`-`): where it is reported and whether it
    /// is Terraform (`.tf`) or a template; a `.tf` is linted with its folder.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
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
    /// Also lint under every allowed value of inputs that have a default
    /// (CloudFormation `AllowedValues`, Terraform `bool` and `contains(...)`-validated
    /// variables), as if deployed with another value.
    #[arg(long)]
    all_values: bool,
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

impl LintArgs {
    /// The run's options, the configuration read (see [`Request`]); or the
    /// outcome of a run that could not start (an invalid configuration,
    /// unreadable standard input).
    pub fn configure(mut self) -> Result<Configured, Box<Outcome>> {
        let stdin = self.read_stdin()?;
        let mut gate = Gate::for_paths(&self.paths);
        for dir in &self.policy_dirs {
            gate.add_root(dir);
        }
        let request = Request {
            paths: self.paths,
            gate,
            config: match self.config {
                Some(file) => ConfigAt::File(file),
                None => ConfigAt::SearchFrom(PathBuf::from(".")),
            },
            exclude: self.exclude,
            policy_dirs: self.policy_dirs,
            selection: Selection {
                only: self.only,
                skip: self.skip,
                packs: self.pack,
                min_severity: self.min_severity,
                ..Default::default()
            },
            strict: self.strict,
            all_values: self.all_values,
            parameters: self.parameters,
            parameter_files: self.parameter_files,
            terraform: tenken::terraform::Inputs {
                var_files: self.var_files,
                vars: self.vars,
                env: std::env::vars()
                    .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                    .collect(),
                workspace: std::env::var("TF_WORKSPACE").ok(),
            },
        };
        let mut configured = request.configure()?;
        configured.options.overlay.extend(stdin);
        Ok(configured)
    }

    /// Standard input's text under its name, when a path is `-` (which is
    /// then replaced by that name).
    fn read_stdin(&mut self) -> Result<Option<(PathBuf, String)>, Box<Outcome>> {
        if !self.paths.iter().any(|p| p == Path::new(STDIN)) {
            return Ok(None);
        }
        let name =
            (self.stdin_filename.as_deref()).map_or(PathBuf::from(STDIN), tenken::discover::clean);
        for p in self.paths.iter_mut().filter(|p| *p == Path::new(STDIN)) {
            p.clone_from(&name);
        }
        let unnamed = name == Path::new(STDIN);
        let message = match tenken::gate::read_limited(std::io::stdin().lock(), 0) {
            // Text without a name is read as a template: anything else
            // would be linted as nothing.
            Ok(text) if unnamed && !tenken::cfn::might_be_template(&text) => {
                "standard input is not a CloudFormation template; give Terraform a name with \
                 --stdin-filename (e.g. main.tf)"
                    .to_string()
            }
            Ok(text) => return Ok(Some((name, text))),
            Err(e) => e.message,
        };
        let mut sources = SourceMap::default();
        let file = SourceFile::new(name.display().to_string(), name, String::new());
        let id = sources.add(file);
        Err(Box::new(Outcome {
            sources,
            errors: vec![Problem::new(Span::new(id, 0, 0), message)],
            ..Default::default()
        }))
    }
}

/// Runs the pipeline with a progress bar on standard error when that is a
/// terminal and the run takes more than a second.
pub fn run_with_progress(mut options: Options, run: impl FnOnce(&Options) -> Outcome) -> Outcome {
    if !std::io::stderr().is_terminal() {
        return run(&options);
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    let style = ProgressStyle::with_template("{spinner} checking {pos}/{len} units {wide_bar}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let tell = bar.clone();
    options.progress = Some(Progress(Arc::new(move |done, total| {
        tell.set_length(total as u64);
        tell.set_position(done as u64);
    })));
    let (finished, wait) = mpsc::channel::<()>();
    let shown = bar.clone();
    let delay = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_secs(1)).is_err() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(100));
        }
    });
    let outcome = run(&options);
    let _ = finished.send(());
    let _ = delay.join();
    bar.finish_and_clear();
    outcome
}

/// Prints the errors of an outcome on standard error.
pub fn print_errors(outcome: &Outcome, color: ColorChoice) {
    let color = color.enabled(std::io::stderr().is_terminal());
    eprint!("{}", human::render_errors(outcome, color));
}

/// Loads the policies, printing any problem with them; `None` if there was one.
pub fn load_policies(dirs: &[PathBuf], color: ColorChoice) -> Option<Vec<Policy>> {
    let mut sources = SourceMap::default();
    let mut errors = Vec::new();
    let mut gate = Gate::default();
    for dir in dirs {
        gate.add_root(dir);
    }
    let policies = pipeline::load_policies(dirs, &gate, Cases::Read, &mut sources, &mut errors);
    if errors.is_empty() {
        return Some(policies);
    }
    let outcome = Outcome {
        sources,
        errors,
        ..Default::default()
    };
    print_errors(&outcome, color);
    None
}
