//! `tenken check`: lint, then write each requested format.

use super::{print_errors, run_with_progress, LintArgs};
use clap::ValueEnum;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use tenken::baseline::Baseline;
use tenken::fix;
use tenken::pipeline::{self, Options, Outcome, Policies};
use tenken::policy::Severity;
use tenken::report::{self, human, human::ColorChoice, json, Format};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    lint: LintArgs,
    /// Output format, optionally to a file: `human`, `json`, `sarif`,
    /// `junit`, `github`, `gitlab`, e.g. `--format sarif=results.sarif` (repeatable).
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_format)]
    format: Vec<FormatArg>,
    /// Write the format given without `=FILE` here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity (default: low).
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// Exit with 0 whatever the findings (2 still on errors).
    #[arg(long)]
    exit_zero: bool,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also list suppressed findings, with the reason.
    #[arg(long)]
    show_suppressed: bool,
    /// Print only findings (and errors): no warnings, no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Apply the policies' safe fixes to the files in place, then report what remains.
    #[arg(long)]
    fix: bool,
    /// Print the fixes as a unified diff; write nothing.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// With --fix or --diff, also apply unsafe fixes: AWS replaces the resource,
    /// or they change what the resource does.
    #[arg(long)]
    unsafe_fixes: bool,
}

/// `FORMAT` or `FORMAT=FILE`.
#[derive(Clone, Debug)]
struct FormatArg {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<FormatArg, String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some(_) => return Err(format!("'{s}': missing file name after '='")),
        None => (s, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = (Format::value_variants().iter())
            .filter_map(|f| Some(f.to_possible_value()?.get_name().to_string()))
            .collect();
        format!("unknown format '{name}' (expected {})", names.join(", "))
    })?;
    Ok(FormatArg { format, file })
}

pub fn run(args: Args, color: ColorChoice) -> i32 {
    let (mut options, fail_on, not_started) = match args.lint.configure() {
        Ok(c) => (c.options, c.fail_on, None),
        // A run that could not start is reported in every requested format.
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
    let formats = if args.format.is_empty() {
        vec![FormatArg {
            format: Format::Human,
            file: None,
        }]
    } else {
        args.format
    };
    if args.output.is_some() && formats.iter().filter(|f| f.file.is_none()).count() > 1 {
        eprintln!("error: --output needs exactly one --format without =FILE");
        return 2;
    }
    options.engine.record_checks = formats.iter().any(|f| f.format.needs_checks());
    options.engine.fixes = formats.iter().any(|f| f.format.shows_fixes());
    let targets: Vec<(Format, Option<PathBuf>)> = formats
        .into_iter()
        .map(|f| (f.format, f.file.or_else(|| args.output.clone())))
        .collect();
    let human_on_stdout = targets.contains(&(Format::Human, None));
    let started = not_started.is_none();
    if started && args.diff {
        return show_diff(&options, args.unsafe_fixes, color);
    }
    let written = !(started && args.fix) || apply_fixes(&options, args.unsafe_fixes);
    // A lone JSON report is written as the run goes.
    let mut streamed = None;
    let outcome = match not_started {
        Some(outcome) => outcome,
        None if targets.len() == 1 && targets[0].0 == Format::Json => {
            let (outcome, written) = stream_json(options, targets[0].1.as_deref());
            streamed = Some(written);
            outcome
        }
        None => run_with_progress(options, pipeline::run),
    };
    // Errors go to standard error when people read standard output, and
    // when the run could not start.
    if human_on_stdout || !started {
        print_errors(&outcome, color);
    }
    let fail_on = match args.exit_zero {
        true => None,
        false => Some(args.fail_on.or(fail_on).unwrap_or(Severity::Low)),
    };
    let mut code = report::exit_code(&outcome, fail_on);
    if !written {
        code = 2;
    }
    for (format, target) in targets {
        if !started && target.is_none() && format == Format::Human {
            continue;
        }
        let style = human::Style {
            color: target.is_none() && color.enabled(std::io::stdout().is_terminal()),
            show_suppressed: args.show_suppressed,
            quiet: args.quiet,
            errors: target.is_some(),
        };
        let written = match (streamed.take(), &target) {
            (Some(written), _) => written,
            (None, Some(path)) => std::fs::File::create(path)
                .and_then(|f| write_report(format, &outcome, style, f))
                .map_err(|e| format!("cannot write {}: {e}", path.display())),
            (None, None) => write_report(format, &outcome, style, std::io::stdout().lock())
                .map_err(|e| format!("cannot write to standard output: {e}")),
        };
        if let Err(message) = written {
            eprintln!("error: {message}");
            code = 2;
        }
    }
    code
}

/// Runs the check with the JSON report written to `file` (or standard
/// output) as findings are ready, so that they are not all held at once.
fn stream_json(options: Options, file: Option<&Path>) -> (Outcome, Result<(), String>) {
    let (out, target): (Box<dyn Write + Send>, String) = match file {
        None => (Box::new(std::io::stdout()), "standard output".to_string()),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => (Box::new(f), path.display().to_string()),
            Err(e) => {
                let outcome = run_with_progress(options, pipeline::run);
                return (
                    outcome,
                    Err(format!("cannot write {}: {e}", path.display())),
                );
            }
        },
    };
    let policies = Policies::load(&options);
    let mut stream = json::Stream::start(BufWriter::new(out), &policies.list);
    let outcome = run_with_progress(options, |o| pipeline::check_into(o, &policies, &mut stream));
    let written = (stream.finish(&outcome))
        .and_then(|mut out| out.flush())
        .map_err(|e| format!("cannot write to {target}: {e}"));
    (outcome, written)
}

/// `--diff`: the fixes as a unified diff on standard output, nothing
/// written; exits with 1 when there is something to fix.
fn show_diff(options: &Options, replacing: bool, color: ColorChoice) -> i32 {
    let fixed = fix::run(options, replacing);
    print_errors(&fixed.outcome, color);
    let mut out = std::io::stdout().lock();
    for c in &fixed.changed {
        // A byte order mark `--fix` keeps is shown, so the diff applies.
        let bom = match options.overlay.contains_key(&c.path) {
            true => "",
            false => fix::bom_of(&options.gate, &c.path),
        };
        let (old, new) = (format!("{bom}{}", c.original), format!("{bom}{}", c.fixed));
        let _ = out.write_all(fix::unified(&c.name, &old, &new).as_bytes());
    }
    print_fix_notes(&fixed, replacing);
    eprintln!(
        "{} fix(es) would change {} file(s); nothing written",
        fixed.applied,
        fixed.changed.len()
    );
    match (fixed.outcome.errors.is_empty(), fixed.changed.is_empty()) {
        (false, _) => 2,
        (true, false) => 1,
        (true, true) => 0,
    }
}

/// `--fix`: writes the fixed files through the gate; false when one could
/// not be written.
fn apply_fixes(options: &Options, replacing: bool) -> bool {
    let fixed = fix::run(options, replacing);
    let mut written = 0;
    for c in &fixed.changed {
        let written_file = match options.overlay.contains_key(&c.path) {
            true => Err("standard input is not written; use --diff".to_string()),
            false => fix::write(&options.gate, &c.path, &c.original, &c.fixed),
        };
        match written_file {
            Ok(()) => written += 1,
            Err(message) => eprintln!("error: {}: {message}", c.name),
        }
    }
    print_fix_notes(&fixed, replacing);
    eprintln!(
        "applied {} fix(es), {written} file(s) written",
        fixed.applied
    );
    written == fixed.changed.len()
}

/// Why the findings left have no fix applied, and the files left as they
/// were, on standard error.
fn print_fix_notes(fixed: &fix::Fixed, replacing: bool) {
    for (name, why) in &fixed.refused {
        eprintln!("note: {name}: {why}");
    }
    for f in &fixed.outcome.fixes {
        let why = match &f.edits {
            Err(reason) => format!("not fixed: {reason}"),
            Ok(_) if f.replaces && !replacing => {
                "not fixed: the fix is unsafe (AWS replaces the resource, or it changes what \
                 the resource does); apply it with --unsafe-fixes"
                    .to_string()
            }
            Ok(_) => continue,
        };
        eprintln!("note: {} on {}: {why}", f.rule_id, f.resource);
    }
}

/// Writes one report through a buffer, as it is rendered.
fn write_report(
    format: Format,
    outcome: &Outcome,
    style: human::Style,
    out: impl Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    format.write(outcome, style, &mut out)?;
    out.flush()
}
