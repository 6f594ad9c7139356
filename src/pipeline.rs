//! One run: discover → parse → normalize → evaluate → filter.
//! Each stage takes the previous stage's output; reporting is left to the caller.
//! The filter stage applies, in order: configuration overrides (rules off and
//! severities per path), suppressions, the reported files, the baseline.

mod assemble;
mod held;
mod order;
mod reported;

pub use assemble::Tally;

use crate::baseline::Baseline;
use crate::choices;
use crate::config::{Config, Overrides};
use crate::diag::Problem;
use crate::discover::{discover, is_variables_file, Discovered, Overlay, Scope};
use crate::engine::{self, Checked, Finding};
use crate::fix::{self, Fix};
use crate::gate::{Gate, ReadError, Trust};
use crate::model::compare::order;
use crate::model::{Node, Unit};
use crate::policy::{self, Policy, Severity};
use crate::source::{FileId, FileSet, SourceFile, SourceMap, Span};
use crate::suppress::{self, Directive, Suppressed};
use crate::{cfn, terraform};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What to lint and with which policies.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// What may be read: the scan roots and the policy folders the command line names.
    pub gate: Gate,
    pub exclude: Vec<String>,
    pub policy_dirs: Vec<PathBuf>,
    pub selection: Selection,
    /// Strictness, and whether to keep every check (for reports listing passes).
    pub engine: engine::Settings,
    /// Terraform variables from `--var-file`, `--var` and `TF_VAR_` variables.
    pub terraform: terraform::Inputs,
    /// CloudFormation parameter values given as `Key=Value` arguments.
    pub parameters: Vec<(String, String)>,
    /// CloudFormation parameter files (`--parameters FILE`).
    pub parameter_files: Vec<PathBuf>,
    /// Severity changes and rules off per path, from the configuration.
    pub overrides: Overrides,
    /// Findings already accepted: not reported, only counted.
    pub baseline: Option<Baseline>,
    /// Text read instead of files on disk (an editor's buffers, standard input).
    pub overlay: Overlay,
    /// Told how many units are linted, as they are.
    pub progress: Option<Progress>,
}

/// A function called with the number of units (templates, Terraform root
/// modules) linted so far and their total.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Which policies run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Policy ids or globs to run exclusively.
    pub only: Vec<String>,
    /// Policy ids or globs to leave out.
    pub skip: Vec<String>,
    /// Opt-in packs to add to `default`.
    pub packs: Vec<String>,
    /// Packs to leave out (`default` included).
    pub skip_packs: Vec<String>,
    /// Policy ids or globs to run whatever their pack.
    pub enable: Vec<String>,
    pub min_severity: Option<Severity>,
}

/// Everything a run produced, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub sources: SourceMap,
    pub policies: Arc<Vec<Policy>>,
    pub findings: Vec<Finding>,
    pub errors: Vec<Problem>,
    /// Problems that do not stop the run (suppressions that are unused, expired, ...).
    pub warnings: Vec<Problem>,
    /// The fixes of reported findings (when [`engine::Settings::fixes`]).
    pub fixes: Vec<Fix>,
    /// Findings silenced by a suppression.
    pub suppressed: Vec<Suppressed>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Every policy × resource evaluated on the reported files.
    pub checks: Vec<Checked>,
    /// Remarks that are not errors (e.g. a module that was not followed).
    pub notes: Vec<Problem>,
    /// Findings per severity, when they went to a [`Sink`] instead of
    /// `findings` ([`check_into`]).
    pub streamed: Option<Tally>,
    /// Files linted and reported on.
    pub files: usize,
    pub resources: usize,
    pub elapsed: Duration,
}

/// Loads the built-in policies (with their test cases when `cases` says
/// so), then those in `dirs`, read through `gate` (a user policy with a
/// built-in's id replaces it). User policies are compiled now, so their
/// mistakes are reported whatever is linted; built-in ones (whose tests
/// compile them all) when first needed.
pub fn load_policies(
    dirs: &[PathBuf],
    gate: &Gate,
    cases: policy::Cases,
    sources: &mut SourceMap,
    errors: &mut Vec<Problem>,
) -> Vec<Policy> {
    let mut ids: Vec<(FileId, bool)> = policy::builtin_sources(sources)
        .into_iter()
        .map(|id| (id, true))
        .collect();
    for dir in dirs {
        match policy::user_sources(dir, sources, |p| gate.read_text(p, Trust::Confined)) {
            Ok((found, refused)) => {
                ids.extend(found.into_iter().map(|id| (id, false)));
                errors.extend(refused);
            }
            Err(message) => {
                let id = sources.add(SourceFile::new(
                    dir.display().to_string(),
                    dir.clone(),
                    String::new(),
                ));
                errors.push(Problem::new(Span::new(id, 0, 0), message));
            }
        }
    }
    init_workers();
    let shared: &SourceMap = sources;
    let loaded: Vec<Result<Policy, Problem>> = ids
        .par_iter()
        .map(|&(id, builtin)| {
            let p = policy::load(shared.get(id), id, builtin, cases)?;
            if !builtin {
                p.compiled().map_err(Problem::clone)?;
            }
            Ok(p)
        })
        .collect();
    let mut policies: Vec<Policy> = Vec::new();
    for result in loaded {
        match result {
            Ok(p) => {
                policies.retain(|q| q.spec.id != p.spec.id || !q.builtin || p.builtin);
                if policies.iter().any(|q| q.spec.id == p.spec.id) {
                    errors.push(Problem::new(
                        Span::new(p.file, 0, 0),
                        format!("duplicate policy id {}", p.spec.id),
                    ));
                } else {
                    policies.push(p);
                }
            }
            Err(problem) => errors.push(problem),
        }
    }
    policies.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    policies
}

/// The policies a run uses, with their files and the problems met loading
/// them; loaded once, they can serve many runs (the language server's).
#[derive(Clone, Debug, Default)]
pub struct Policies {
    pub sources: SourceMap,
    pub list: Arc<Vec<Policy>>,
    pub errors: Vec<Problem>,
}

impl Policies {
    /// The built-in policies and those of the run's folders.
    pub fn load(options: &Options) -> Policies {
        let mut sources = SourceMap::default();
        let mut errors = Vec::new();
        let list = load_policies(
            &options.policy_dirs,
            &options.gate,
            policy::Cases::Skipped,
            &mut sources,
            &mut errors,
        );
        Policies {
            sources,
            list: Arc::new(list),
            errors,
        }
    }
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid glob '{p}': {e}"))?);
    }
    b.build().map_err(|e| e.to_string())
}

impl Selection {
    /// Adds the rules and packs a project configuration turns on and off;
    /// a minimum severity already set wins over the configuration's.
    pub fn add_config(&mut self, c: &Config) {
        self.skip.extend(c.rules.disable.iter().cloned());
        self.enable.extend(c.rules.enable.iter().cloned());
        self.packs.extend(c.packs.enable.iter().cloned());
        self.skip_packs.extend(c.packs.disable.iter().cloned());
        self.min_severity = self.min_severity.or(c.min_severity);
    }

    /// Like [`Selection::selects`], but counting every pack as selected; a bad glob selects nothing.
    pub fn selects_any_pack(&self, p: &Policy) -> bool {
        let all = Selection {
            packs: vec![p.spec.pack.clone()],
            ..self.clone()
        };
        all.selects(p).unwrap_or(false)
    }

    /// True if the policy runs under this selection.
    pub fn selects(&self, p: &Policy) -> Result<bool, String> {
        Ok(self.matcher()?.selects(p))
    }

    /// The selection with its globs built, to test many policies.
    pub fn matcher(&self) -> Result<Matcher<'_>, String> {
        Ok(Matcher {
            selection: self,
            only: glob_set(&self.only)?,
            skip: glob_set(&self.skip)?,
            enable: glob_set(&self.enable)?,
        })
    }
}

/// A [`Selection`] with its globs built once.
pub struct Matcher<'a> {
    selection: &'a Selection,
    only: GlobSet,
    skip: GlobSet,
    enable: GlobSet,
}

impl Matcher<'_> {
    /// True if the policy runs under this selection.
    pub fn selects(&self, p: &Policy) -> bool {
        let id = p.spec.id.as_str();
        let s = self.selection;
        let skipped = self.skip.is_match(id) || s.skip_packs.contains(&p.spec.pack);
        if (!s.only.is_empty() && !self.only.is_match(id)) || skipped {
            return false;
        }
        let in_pack = p.spec.pack == "default"
            || s.packs.contains(&p.spec.pack)
            || self.only.is_match(id)
            || self.enable.is_match(id);
        in_pack && s.min_severity.is_none_or(|m| p.spec.severity >= m)
    }
}

/// A unit of work: one template, one Terraform folder on its own, or a
/// Terraform root module with the modules it calls.
pub enum Job {
    Template(FileId),
    Module(Vec<FileId>),
    Terraform(Arc<terraform::Project>, PathBuf),
}

impl Job {
    /// The files the job reads itself: the template, the snippet, or the
    /// folder of a root calling no module (`None` for a root that does).
    fn own_files(&self) -> Option<&[FileId]> {
        match self {
            Job::Template(id) => Some(std::slice::from_ref(id)),
            Job::Module(ids) => Some(ids),
            Job::Terraform(project, root) => project.own_files(root),
        }
    }
}

/// Stack size of the worker threads: parsers and the expression evaluator
/// recurse (within their nesting limits), so workers get more than the default.
pub const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Sets up the global thread pool (once; `RAYON_NUM_THREADS` still applies).
fn init_workers() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        held::reserve();
        // Fails only if the pool already exists, which is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .build_global();
    });
}

/// Runs the whole check: loads the policies, then [`check`]s.
pub fn run(options: &Options) -> Outcome {
    check(options, &Policies::load(options))
}

/// Receives the reported findings in report order, with their fixes, as
/// soon as no unfinished job can add to the files they are in (on the
/// worker threads).
pub trait Sink: Send {
    fn take(&mut self, sources: &SourceMap, findings: Vec<Finding>, fixes: Vec<Fix>);

    /// What renders findings ahead, on the worker that found them, when
    /// this sink takes them rendered (with [`Sink::take_rendered`]).
    fn renderer(&self) -> Option<Box<dyn Render>> {
        None
    }

    /// Takes findings its [`Sink::renderer`] rendered, in report order.
    fn take_rendered(&mut self, _rendered: Vec<u8>) {
        unreachable!("a sink without a renderer is given no rendered findings")
    }
}

/// Renders a group's findings (sorted, with their fixes) as its sink writes them.
pub trait Render: Sync {
    fn render(&self, sources: &SourceMap, findings: &[Finding], fixes: &[Fix]) -> Vec<u8>;
}

/// A sink that keeps every finding.
#[derive(Default)]
struct Collect {
    findings: Vec<Finding>,
    fixes: Vec<Fix>,
}

impl Sink for Collect {
    fn take(&mut self, _: &SourceMap, mut findings: Vec<Finding>, mut fixes: Vec<Fix>) {
        self.findings.append(&mut findings);
        self.fixes.append(&mut fixes);
    }
}

/// Checks the files of `options` with policies already loaded.
pub fn check(options: &Options, policies: &Policies) -> Outcome {
    let mut all = Collect::default();
    let mut out = check_with(options, policies, &mut all, None);
    out.streamed = None;
    out.findings = all.findings;
    out.fixes = all.fixes;
    out.fixes
        .sort_by(|a, b| (a.at, &a.rule_id).cmp(&(b.at, &b.rule_id)));
    out
}

/// Like [`check`], but the findings and their fixes go to `sink` as the
/// run goes, and only their count is kept ([`Outcome::streamed`]).
pub fn check_into(options: &Options, policies: &Policies, sink: &mut dyn Sink) -> Outcome {
    let keep = Keep {
        bytes: KEPT_BYTES,
        files: held::most(),
    };
    check_with(options, policies, sink, Some(keep))
}

/// What a streamed run keeps of the texts it leaves to their jobs: at most
/// `bytes` of them; of the others, at most `files` files held open.
#[derive(Clone, Copy)]
struct Keep {
    bytes: usize,
    files: usize,
}

/// The run; with `keep`, the texts only one job reads are left to it (some
/// kept, the others read again by it, see [`Keep`]) and
/// dropped once its findings are written (see [`read_files`]), so
/// the outcome holds the texts of the files its errors, warnings, notes and
/// suppressed findings point into, and the names of the others.
fn check_with(
    options: &Options,
    policies: &Policies,
    sink: &mut dyn Sink,
    keep: Option<Keep>,
) -> Outcome {
    let start = Instant::now();
    init_workers();
    let mut out = Outcome {
        sources: policies.sources.clone(),
        errors: policies.errors.clone(),
        ..Default::default()
    };
    let selected: Vec<&Policy> = match options.selection.matcher() {
        Ok(matcher) => policies
            .list
            .iter()
            .filter(|p| matcher.selects(p))
            .collect(),
        Err(e) => {
            argument_error(&mut out, e);
            Vec::new()
        }
    };
    // Resources keep what is written only for a policy that may read it.
    let skip_native = !selected.iter().any(|p| p.may_read_native());
    let exclude = match glob_set(&options.exclude) {
        Ok(set) => set,
        Err(e) => {
            argument_error(&mut out, e);
            GlobSet::empty()
        }
    };
    let inputs: Vec<PathBuf> = (options.parameter_files.iter())
        .chain(&options.terraform.var_files)
        .cloned()
        .collect();
    let scope = Scope {
        exclude: &exclude,
        overlay: &options.overlay,
        inputs: &inputs,
    };
    let first_file = out.sources.iter().count() as u32;
    let mut found = discover(&options.paths, scope);
    let reader = Reader {
        gate: &options.gate,
        overlay: &options.overlay,
    };
    // The modules a reported Terraform file calls are reported with it;
    // variables files only when named, since every value they hold is the
    // provenance of some finding.
    let report_called = (found.terraform.values().flatten()).any(|(_, reported)| *reported);
    let Read {
        mut jobs,
        extra,
        reported,
        deferred,
        kept,
        held,
    } = read_files(
        &mut found,
        &reader,
        &options.terraform,
        &mut out,
        keep,
        skip_native,
    );
    if report_called {
        let called = extra.into_iter().filter(|p| !is_variables_file(p));
        found.reported.extend(called);
    }
    let mut reported = reported::Reported::new(reported, std::mem::take(&mut found.reported));
    // Of what the walk found, only the files named are needed from here.
    let (named, widened) = (std::mem::take(&mut found.named), found.widened);
    drop(found);
    let (mut cfn, parents) = cfn_inputs(
        options,
        &reader,
        &mut jobs,
        &mut reported,
        &mut out,
        &deferred,
    );
    cfn.skip_native = skip_native;
    let sources = &out.sources;
    let reported_ids = reported.ids(sources);
    let (groups, order) = order::Order::new(
        sources,
        reach(sources, &jobs, first_file, &parents, &inputs),
    );
    let schedule = order.schedule();
    let baseline = options.baseline.as_ref().map(Baseline::filter);
    let cx = assemble::Context {
        sources,
        overrides: &options.overrides,
        policies: &policies.list,
        ran: selected.iter().map(|p| p.spec.id.clone()).collect(),
        today: chrono::Local::now().date_naive(),
        reported: &reported_ids,
        groups,
        render: sink.renderer().filter(|_| baseline.is_none()),
    };
    let mut assembler = assemble::Assembler::new(&cx, baseline, order, sink);
    let run = Run {
        sources,
        jobs: &jobs,
        selected: engine::Selected::new(&selected),
        settings: options.engine,
        inputs: &cfn,
        progress: options.progress.as_ref(),
        again: Some(Again {
            reader: &reader,
            named: &named,
            deferred: &deferred,
            kept: Mutex::new(kept),
            held: Mutex::new(held),
        }),
    };
    if jobs.len() >= COMPILED_FIRST {
        prepare_shared(&selected);
    }
    let file = |job, sources: &SourceMap, done| assemble::file(&cx, job, sources, done);
    run.each(&schedule, file, |job, filed| assembler.take(job, filed));
    let linted = assembler.finish();
    drop(selected);
    for (id, file) in linted.texts {
        out.sources.replace(id, file);
    }
    let sources = &out.sources;
    let reported = |span: &Span| reported_ids.contains(span.file);
    let linted_paths: Vec<&Path> = (reported_ids.iter())
        .filter(|id| !linted.skipped.contains(id))
        .map(|id| sources.get(id).path())
        .collect();
    // Sized at once: paths hash name by name.
    let mut linted_files = HashSet::with_capacity(linted_paths.len());
    linted_files.extend(linted_paths);
    out.files = linted_files.len();
    out.resources = linted.resources;
    out.errors.extend(linted.problems);
    out.notes.extend(linted.notes);
    // A run widened for an input file reports the errors of the files it
    // was asked about, not those of every file it read for context.
    if widened {
        let asked = |id: FileId| {
            id.0 < first_file || reported_ids.contains(id) || named.contains(sources.get(id).path())
        };
        out.errors.retain(|e| asked(e.span.file));
    }
    out.baselined = linted.baselined;
    out.streamed = Some(linted.tally);
    out.suppressed = linted.suppressed;
    out.warnings = linted.warnings;
    out.warnings.retain(|w| reported(&w.span));
    out.checks = linted.checked;
    out.policies = policies.list.clone();
    sort_problems(&out.sources, &mut out.errors);
    sort_problems(&out.sources, &mut out.warnings);
    sort_problems(&out.sources, &mut out.notes);
    out.suppressed
        .sort_by(|a, b| finding_order(&out.sources, &a.finding, &b.finding));
    out.checks
        .sort_by(|a, b| (a.span, &a.rule_id, &a.resource).cmp(&(b.span, &b.rule_id, &b.resource)));
    out.checks.dedup();
    out.elapsed = start.elapsed();
    out
}

/// From this many jobs on, a run makes what the workers share on the
/// calling thread before they start ([`prepare_shared`]), rather than each
/// part when a worker first needs it: what a worker makes lies in that
/// worker's memory among what its jobs allocate and free, so that the other
/// worker, reading it, keeps missing on lines the first keeps writing
/// (tenken's two threads lost 23% of their time, instead of 18%, when the
/// host made such misses slow). A smaller run makes only what it needs.
const COMPILED_FIRST: usize = 64;

/// Makes what the workers share and would otherwise make on first use: the
/// policies compiled, what their fixes do, the canonical tables and the
/// pseudo parameters' values.
fn prepare_shared(selected: &[&Policy]) {
    for p in selected {
        let _ = p.compiled();
        if let Some(fix) = &p.spec.fix {
            let _ = fix.planned();
        }
    }
    crate::canonical::prepare();
    cfn::parameters::prepare();
}

/// The files each job may report findings in. A template nesting none, a
/// Terraform folder on its own, and a snippet reach their own files and
/// the input files named on the command line; a template nesting others
/// and a Terraform root calling modules reach every file no such job owns.
fn reach(
    sources: &SourceMap,
    jobs: &[Job],
    first_file: u32,
    parents: &BTreeSet<FileId>,
    inputs: &[PathBuf],
) -> order::Reach {
    let owned: Vec<Option<&[FileId]>> = (jobs.iter())
        .map(|job| match job {
            Job::Template(id) if parents.contains(id) => None,
            job => job.own_files(),
        })
        .collect();
    let mut taken = vec![false; sources.iter().count()];
    for &id in owned.iter().flatten().copied().flatten() {
        taken[id.0 as usize] = true;
    }
    let pool: Vec<FileId> = (sources.iter())
        .map(|(id, _)| id)
        .filter(|id| id.0 >= first_file && !taken[id.0 as usize])
        .collect();
    let named: Vec<FileId> = (pool.iter().copied())
        .filter(|&id| inputs.iter().any(|i| i == sources.get(id).path()))
        .collect();
    let mut reach = order::Reach::default();
    for (owned, job) in owned.into_iter().zip(jobs) {
        match owned {
            Some(own) => {
                // A folder's own variables files (`terraform.tfvars`) too.
                let root = match job {
                    Job::Terraform(_, root) => Some(root.as_path()),
                    _ => None,
                };
                let beside = root.into_iter().flat_map(|root| {
                    (pool.iter()).filter(move |id| sources.get(**id).path().parent() == Some(root))
                });
                reach.push(own.iter().chain(beside).chain(&named).copied());
            }
            None => reach.push(pool.iter().copied()),
        }
    }
    reach
}

/// Reads a file's text from the overlay, else through the gate.
struct Reader<'a> {
    gate: &'a Gate,
    overlay: &'a Overlay,
}

impl Reader<'_> {
    fn read(&self, path: &Path, trust: Trust) -> Result<String, ReadError> {
        self.read_open(path, trust).0
    }

    fn text(&self, path: &Path, trust: Trust) -> Result<String, String> {
        self.read(path, trust).map_err(|e| e.message)
    }

    /// The text, and the file it was read from when that is a regular one,
    /// still open.
    fn read_open(&self, path: &Path, trust: Trust) -> (Result<String, ReadError>, Option<File>) {
        if let Some(text) = self.overlay.get(path) {
            return (Ok(text.clone()), None);
        }
        match self.gate.open(path, trust) {
            Ok((file, meta)) => {
                let text = crate::gate::read_limited(&file, meta.len());
                (text, meta.is_file().then_some(file))
            }
            Err(e) => (Err(e), None),
        }
    }
}

/// Parameter values for templates (from files, then arguments), and nested
/// stack templates read ahead; a template nested in another is linted
/// through its parent only, and its findings are reported. Also returns
/// the templates that nest others.
fn cfn_inputs(
    options: &Options,
    reader: &Reader<'_>,
    jobs: &mut Vec<Job>,
    reported: &mut reported::Reported,
    out: &mut Outcome,
    deferred: &FileSet,
) -> (cfn::Inputs, BTreeSet<FileId>) {
    let mut inputs = cfn::Inputs::default();
    for path in &options.parameter_files {
        let read = reader.text(path, Trust::Named);
        let result = out
            .sources
            .add_read(path, read)
            .and_then(|id| cfn::parameters::from_file(out.sources.get(id), id));
        match result {
            Ok(values) => inputs.overrides.extend(values),
            Err(problem) => out.errors.push(problem),
        }
    }
    inputs
        .overrides
        .extend(cfn::parameters::from_arguments(&options.parameters));
    // A template whose text was left to its job nests none; one that
    // another nests is read again for it, and linted through it only.
    let templates: Vec<FileId> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Template(id) if !deferred.contains(*id) => Some(*id),
            _ => None,
        })
        .collect();
    let ahead = cfn::nested::read_ahead(&mut out.sources, &templates, |p| {
        reader.text(p, Trust::Confined)
    });
    let children: HashSet<&Path> = (ahead.children.iter())
        .map(|&id| out.sources.get(id).path())
        .collect();
    jobs.retain(
        |j| !matches!(j, Job::Template(id) if children.contains(out.sources.get(*id).path())),
    );
    for child in children {
        reported.insert(child.to_path_buf());
    }
    out.errors.extend(ahead.problems);
    inputs.templates = ahead.templates;
    (inputs, ahead.parents)
}

/// Parses, normalizes and evaluates every job (in parallel).
pub fn lint(
    sources: &SourceMap,
    jobs: &[Job],
    policies: &[&Policy],
    settings: engine::Settings,
) -> Linted {
    let run = Run {
        sources,
        jobs,
        selected: engine::Selected::new(policies),
        settings,
        inputs: &cfn::Inputs::default(),
        progress: None,
        again: None,
    };
    let mut out = Linted::default();
    let order: Vec<usize> = (0..jobs.len()).collect();
    run.each(
        &order,
        |_, _, done| done,
        |_, mut done: Done| {
            out.findings.append(&mut done.eval.findings);
            out.problems.append(&mut done.eval.problems);
            out.fixes.append(&mut done.fixes);
        },
    );
    out
}

/// What linting jobs produced.
#[derive(Default)]
pub struct Linted {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// The fixes of the findings (when [`engine::Settings::fixes`]).
    pub fixes: Vec<Fix>,
}

/// What linting one job produced.
struct Done {
    resources: usize,
    eval: engine::Evaluation,
    fixes: Vec<Fix>,
    notes: Vec<Problem>,
    /// Suppressions written in the job's files and templates.
    directives: Vec<Directive>,
    /// A YAML or JSON file that turned out not to be a template.
    skipped: Option<FileId>,
    /// The files the job read again (see [`read_files`]).
    texts: Vec<(FileId, Arc<SourceFile>)>,
}

impl Done {
    /// A job that did nothing, but maybe meet `problems`.
    fn nothing(problems: Vec<Problem>) -> Done {
        Done {
            resources: 0,
            eval: engine::Evaluation {
                problems,
                ..Default::default()
            },
            fixes: Vec::new(),
            notes: Vec::new(),
            directives: Vec::new(),
            skipped: None,
            texts: Vec::new(),
        }
    }
}

/// What reading the files left to their jobs again needs.
struct Again<'a> {
    reader: &'a Reader<'a>,
    /// The files named on the command line.
    named: &'a BTreeSet<PathBuf>,
    deferred: &'a FileSet,
    /// Texts of deferred files kept rather than dropped (see [`KEPT_BYTES`]):
    /// each is taken by its job.
    kept: Mutex<HashMap<FileId, String>>,
    /// Deferred files held open, each read again by its job.
    held: Mutex<HashMap<FileId, held::Held>>,
}

impl Again<'_> {
    /// Reads again the files of `job` whose text was dropped.
    fn read(
        &self,
        job: &Job,
        sources: &SourceMap,
    ) -> Result<Vec<(FileId, Arc<SourceFile>)>, Problem> {
        let own = job.own_files().unwrap_or_default();
        let again = own.iter().filter(|&&id| self.deferred.contains(id));
        again
            .map(|&id| {
                let file = sources.get(id);
                let kept = self.kept.lock().ok().and_then(|mut k| k.remove(&id));
                let held = || self.held.lock().ok().and_then(|mut h| h.remove(&id));
                let read = match kept.map(Ok).or_else(|| held().map(held::Held::read)) {
                    Some(read) => read,
                    None => (self.reader).read(file.path(), trust(self.named, file.path())),
                };
                let text = read.map_err(|e| {
                    let at = e.text.map_or(0, |(_, at)| at);
                    Problem::new(Span::new(id, at, at), e.message)
                })?;
                Ok((id, Arc::new(file.with_text(text))))
            })
            .collect()
    }
}

/// Jobs to lint, and what linting them needs.
struct Run<'a> {
    sources: &'a SourceMap,
    jobs: &'a [Job],
    selected: engine::Selected<'a>,
    settings: engine::Settings,
    inputs: &'a cfn::Inputs,
    progress: Option<&'a Progress>,
    /// Reads again the files whose text was dropped.
    again: Option<Again<'a>>,
}

impl Run<'_> {
    /// Lints the jobs on the worker threads, started in the order of
    /// `order`; `then` makes each job's result of what it did, on the
    /// worker that did it, with the files it read. Hands each result to
    /// `take` as it is done, telling the progress. The worker finishing a
    /// job takes it, with the results waiting, unless another one is
    /// taking: then the result waits for it. No thread beside the workers runs.
    fn each<R: Send>(
        &self,
        order: &[usize],
        then: impl Fn(usize, &SourceMap, Done) -> R + Sync,
        take: impl FnMut(usize, R) + Send,
    ) {
        init_workers();
        let total = self.jobs.len();
        let done = AtomicUsize::new(0);
        let waiting = Mutex::new(Vec::new());
        let taker = Mutex::new(take);
        let hand_over = || {
            while let Ok(mut take) = taker.try_lock() {
                let ready =
                    std::mem::take(&mut *waiting.lock().unwrap_or_else(PoisonError::into_inner));
                if ready.is_empty() {
                    return;
                }
                for (j, result) in ready {
                    take(j, result);
                }
            }
        };
        // Taken one at a time in order, so that groups of files are
        // released early.
        (order.iter().par_bridge()).for_each(|&j| {
            let result = lint_job(&self.jobs[j], self, |sources, done| then(j, sources, done));
            if let Some(Progress(tell)) = self.progress {
                tell(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
            (waiting.lock().unwrap_or_else(PoisonError::into_inner)).push((j, result));
            hand_over();
        });
        // What was left waiting while a worker was taking.
        hand_over();
    }
}

/// Lints a job; its result is what `then` makes of it.
fn lint_job<R>(job: &Job, run: &Run<'_>, then: impl Fn(&SourceMap, Done) -> R) -> R {
    let texts = match run.again.as_ref().map(|a| a.read(job, run.sources)) {
        Some(Err(problem)) => return then(run.sources, Done::nothing(vec![problem])),
        Some(Ok(texts)) => texts,
        None => Vec::new(),
    };
    let with_texts;
    let sources = match texts.is_empty() {
        true => run.sources,
        false => {
            with_texts = run.sources.with(texts.clone());
            &with_texts
        }
    };
    let mut done = lint_read(job, sources, run);
    done.texts = texts;
    then(sources, done)
}

/// Lints a job whose files are read.
fn lint_read(job: &Job, sources: &SourceMap, run: &Run<'_>) -> Done {
    let (policies, settings) = (run.selected.list, run.settings);
    let inputs = run.inputs;
    let evaluate = |unit: &Unit| engine::evaluate(unit, &run.selected, settings);
    let Some(normalized) = normalize(job, sources, inputs, settings.all_values, &evaluate) else {
        let mut nothing = Done::nothing(Vec::new());
        if let Job::Template(id) = job {
            nothing.skipped = Some(*id);
        }
        return nothing;
    };
    let Normalized {
        inputs: open,
        mut runs,
        unit,
        mut problems,
        mut notes,
        template,
    } = normalized;
    let mut eval = match runs.len() {
        1 => runs.pop().map(|(_, e)| e).unwrap_or_default(),
        _ => choices::merge(&open, runs),
    };
    dedup_problems(&mut notes);
    let fixes = match settings.fixes {
        true => fix::plan(&unit, &eval.findings, policies, sources, template),
        false => Vec::new(),
    };
    problems.append(&mut eval.problems);
    eval.problems = problems;
    let files: BTreeSet<FileId> = unit.resources.iter().map(|r| r.span.file).collect();
    let files: Vec<FileId> = files.into_iter().collect();
    let directives = suppress::collect(&unit, &files, sources);
    // Template parameters are linted like resources but not counted as such.
    let resources = unit
        .resources
        .iter()
        .filter(|r| r.native_type != cfn::PARAMETER_TYPE)
        .count();
    Done {
        resources,
        eval,
        fixes,
        notes,
        directives,
        skipped: None,
        texts: Vec::new(),
    }
}

/// Sorts findings by file, line, column, rule and resource; exact
/// duplicates are dropped.
pub fn sort_findings(sources: &SourceMap, findings: &mut Vec<Finding>) {
    // Sorted through their indices, then moved into place: no copy of a
    // run's findings, nor of their keys, is made.
    let mut order: Vec<u32> = (0..findings.len() as u32).collect();
    order.sort_by(|&a, &b| finding_order(sources, &findings[a as usize], &findings[b as usize]));
    // `now[i]`: where the finding first at `i` is; `first[j]`: where the
    // finding now at `j` was first.
    let mut now: Vec<u32> = (0..findings.len() as u32).collect();
    let mut first = now.clone();
    for (to, &wanted) in order.iter().enumerate() {
        let from = now[wanted as usize] as usize;
        findings.swap(to, from);
        let displaced = first[to];
        first.swap(to, from);
        now[displaced as usize] = from as u32;
        now[wanted as usize] = to as u32;
    }
    findings.dedup();
}

/// The order of findings: by file name, position, rule, resource and end.
fn finding_order(sources: &SourceMap, a: &Finding, b: &Finding) -> std::cmp::Ordering {
    let (fa, fb) = (sources.get(a.span.file), sources.get(b.span.file));
    let position = || match a.span.file == b.span.file {
        // Within a file, offsets are in the order of lines and columns.
        true => a.span.start.cmp(&b.span.start),
        false => (fa.line_col(a.span.start as usize)).cmp(&fb.line_col(b.span.start as usize)),
    };
    let name = match a.span.file == b.span.file {
        true => std::cmp::Ordering::Equal,
        false => fa.name.cmp(&fb.name),
    };
    name.then_with(position)
        .then_with(|| order(&a.rule_id, &b.rule_id))
        .then_with(|| order(&a.resource, &b.resource))
        .then_with(|| a.span.end.cmp(&b.span.end))
}

/// Sorts problems by file, position and message; exact duplicates are dropped.
pub fn sort_problems(sources: &SourceMap, errors: &mut Vec<Problem>) {
    errors.sort_by_cached_key(|e| {
        let file = sources.get(e.span.file);
        (
            file.name.clone(),
            file.line_col(e.span.start as usize),
            e.message.clone(),
        )
    });
    errors.dedup();
}

/// Files read before the jobs run, and those left to their job.
struct Read {
    jobs: Vec<Job>,
    /// The files read beyond those discovered (called modules, variables files).
    extra: Vec<PathBuf>,
    /// The files discovered that are reported on.
    reported: FileSet,
    /// Files whose text is left to their job: it takes it from `kept`, or
    /// reads it again, from `held` or by its path.
    deferred: FileSet,
    kept: HashMap<FileId, String>,
    held: HashMap<FileId, held::Held>,
}

/// What reading one file gave, whether its text is left to its job, and
/// the file held open for the job when that text was dropped.
type Text = (Result<String, ReadError>, bool, Option<held::Held>);

/// At most this many bytes of the texts left to their jobs are kept until
/// their job takes them when findings are streamed ([`check_into`]); the
/// others are dropped once read and read again by their job. Memory stays
/// flat whatever the size of the repository, and one of usual size is read
/// once.
const KEPT_BYTES: usize = 8 << 20;

/// Reads every discovered file (in parallel) and groups them into jobs;
/// the paths of templates and Terraform folders move from `found` to the
/// source map. With `keep`, the text of a template that nests none, and of
/// the files of a Terraform folder that calls no module and no file
/// function, is left to its job, the only one needing it: kept aside while
/// the texts kept come to at most `keep.bytes`, else dropped once read,
/// its file held open while at most `keep.files` are. Terraform resources
/// are built without their native properties when `skip_native`.
fn read_files(
    found: &mut Discovered,
    reader: &Reader<'_>,
    inputs: &terraform::Inputs,
    out: &mut Outcome,
    keep: Option<Keep>,
    skip_native: bool,
) -> Read {
    for (path, message) in &found.errors {
        let id = out.sources.add(SourceFile::new(
            path.display().to_string(),
            path.clone(),
            String::new(),
        ));
        out.errors
            .push(Problem::new(Span::new(id, 0, 0), message.clone()));
    }
    let named = &found.named;
    let read = |p: &PathBuf| reader.read_open(p, trust(named, p));
    let Keep { bytes, files } = keep.unwrap_or(Keep { bytes: 0, files: 0 });
    let (kept_bytes, held_files) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Takes room for `more` of what `now` counts, if there is.
    let room = |now: &AtomicUsize, more: usize, most: usize| {
        let grown = |k: usize| Some(k + more).filter(|&k| k <= most);
        (now.fetch_update(Ordering::Relaxed, Ordering::Relaxed, grown)).is_ok()
    };
    let length = |t: &Result<String, _>| t.as_ref().map_or(0, String::len);
    // A text left to its job is dropped as soon as it is read, unless kept;
    // its file is held open while there is room. Only a regular file's text
    // is dropped: a FIFO or a device named on the command line, or an
    // editor's buffer, cannot be read again, and is kept.
    let leave = |alone: bool, kept: bool, (text, file): (_, Option<File>)| match (alone, file) {
        (true, Some(file)) if !kept => {
            let length = length(&text);
            let held = room(&held_files, 1, files).then(|| held::Held::new(file, length));
            (Ok(String::new()), true, held)
        }
        _ => (text, alone, None),
    };
    let templates = std::mem::take(&mut found.templates);
    let terraform = std::mem::take(&mut found.terraform);
    let template_texts: Vec<Text> = (templates.par_iter())
        .map(|(p, _)| {
            let (text, file) = read(p);
            let alone = keep.is_some() && text.as_ref().is_ok_and(|t| !cfn::nested::may_nest(t));
            let kept = alone && room(&kept_bytes, length(&text), bytes);
            leave(alone, kept, (text, file))
        })
        .collect();
    let folder_texts: Vec<Vec<Text>> = (terraform.par_iter())
        .map(|(_, files)| {
            let texts: Vec<_> = files.iter().map(|(p, _)| read(p)).collect();
            let ok = |(t, _): &(Result<String, _>, _)| {
                t.as_ref().is_ok_and(|t| terraform::modules::standalone(t))
            };
            let alone = keep.is_some() && texts.iter().all(ok);
            let size = texts.iter().map(|(t, _)| length(t)).sum();
            let kept = alone && room(&kept_bytes, size, bytes);
            texts.into_iter().map(|t| leave(alone, kept, t)).collect()
        })
        .collect();
    let (mut reported, mut deferred) = (FileSet::default(), FileSet::default());
    let (mut kept, mut held) = (HashMap::new(), HashMap::new());
    // The file's id, when it was read.
    let mut add = |(path, report): (PathBuf, bool), (text, alone, file): Text| {
        let name = path.display().to_string();
        let (id, read) = match text {
            Ok(text) if alone => {
                let id = out.sources.add(SourceFile::new(name, path, String::new()));
                deferred.insert(id);
                if !text.is_empty() {
                    kept.insert(id, text);
                }
                if let Some(file) = file {
                    held.insert(id, file);
                }
                (id, true)
            }
            Ok(text) => (out.sources.add(SourceFile::new(name, path, text)), true),
            Err(crate::gate::ReadError { message, text }) => {
                let (text, at) = text.unwrap_or_default();
                let id = out.sources.add(SourceFile::new(name, path, text));
                out.errors
                    .push(Problem::new(Span::new(id, at, at), message));
                (id, false)
            }
        };
        if report {
            reported.insert(id);
        }
        read.then_some(id)
    };
    let mut jobs: Vec<Job> = (templates.into_iter().zip(template_texts))
        .filter_map(|(file, text)| add(file, text))
        .map(Job::Template)
        .collect();
    let folders: Vec<(PathBuf, Vec<FileId>)> = (terraform.into_iter().zip(folder_texts))
        .map(|((dir, files), texts)| {
            let ids = (files.into_iter().zip(texts))
                .filter_map(|(file, text)| add(file, text))
                .collect();
            (dir, ids)
        })
        .filter(|(_, ids): &(PathBuf, Vec<FileId>)| !ids.is_empty())
        .collect();
    out.files = jobs.len() + folders.iter().map(|(_, ids)| ids.len()).sum::<usize>();
    if folders.is_empty() {
        return Read {
            jobs,
            extra: Vec::new(),
            reported,
            deferred,
            kept,
            held,
        };
    }
    let read = |p: &Path, trust| reader.text(p, trust);
    let sources = &mut out.sources;
    let beside = std::mem::take(&mut found.beside);
    let loaded = terraform::modules::load(
        folders,
        sources,
        inputs,
        reader.gate,
        &read,
        &deferred,
        &beside,
    );
    out.errors.extend(loaded.problems);
    out.files += loaded.extra_files.len();
    let mut project = loaded.project;
    project.skip_native = skip_native;
    let project = Arc::new(project);
    jobs.extend(
        loaded
            .roots
            .into_iter()
            .map(|root| Job::Terraform(project.clone(), root)),
    );
    Read {
        jobs,
        extra: loaded.extra_files,
        reported,
        deferred,
        kept,
        held,
    }
}

/// How far a discovered file is trusted: named on the command line, or
/// confined to the repository.
fn trust(named: &BTreeSet<PathBuf>, path: &Path) -> Trust {
    match named.contains(path) {
        true => Trust::Named,
        false => Trust::Confined,
    }
}

/// An error in the command-line arguments (an invalid glob).
fn argument_error(out: &mut Outcome, message: String) {
    let id = out.sources.add(SourceFile::new(
        "<arguments>".into(),
        PathBuf::new(),
        String::new(),
    ));
    out.errors.push(Problem::new(Span::new(id, 0, 0), message));
}

/// A job normalized and evaluated: once per combination of the values of
/// its open inputs (see [`choices`]), or once when it has none.
struct Normalized {
    inputs: Vec<choices::Input>,
    /// The evaluation of each combination's unit.
    runs: Vec<(Vec<usize>, engine::Evaluation)>,
    /// The first combination's unit (its suppressions, resources and fixes);
    /// the others are dropped as soon as they are evaluated.
    unit: Unit,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
    /// The template a template job parsed (fixes plan their edits in it).
    template: Option<(FileId, Arc<Node>)>,
}

/// How a job's units are evaluated.
type Evaluate<'a> = &'a dyn Fn(&Unit) -> engine::Evaluation;

impl Normalized {
    fn one(
        (mut unit, problems, mut notes): (Unit, Vec<Problem>, Vec<Problem>),
        evaluate: Evaluate,
    ) -> Normalized {
        notes.append(&mut unit.notes);
        Normalized {
            inputs: Vec::new(),
            runs: vec![(Vec::new(), evaluate(&unit))],
            unit,
            problems,
            notes,
            template: None,
        }
    }

    /// Normalizes with `under` and evaluates once per combination of the
    /// values of `inputs`; over the bounds (combinations, or resources over
    /// all of them), once with the inputs unknown and a note.
    fn each(
        inputs: Vec<choices::Input>,
        under: impl Fn(&[(String, Node)]) -> (Unit, Vec<Problem>, Vec<Problem>),
        evaluate: Evaluate,
    ) -> Normalized {
        let combos = match choices::combinations(&inputs) {
            Ok(combos) => combos,
            Err(count) => {
                let mut one = Normalized::one(under(&[]), evaluate);
                one.notes.push(choices::too_many(&inputs, count));
                return one;
            }
        };
        let count = combos.len();
        let mut out = Normalized {
            inputs,
            runs: Vec::with_capacity(count),
            unit: Unit::default(),
            problems: Vec::new(),
            notes: Vec::new(),
            template: None,
        };
        let mut first = None;
        for combo in combos {
            let values: Vec<(String, Node)> = (combo.iter().enumerate())
                .map(|(i, &v)| (out.inputs[i].name.clone(), out.inputs[i].values[v].clone()))
                .collect();
            let (mut unit, problems, notes) = under(&values);
            let resources = unit.resources.len();
            if first.is_none()
                && count > 1
                && resources.saturating_mul(count) > choices::MAX_RESOURCE_RUNS
            {
                let mut one = Normalized::one(under(&[]), evaluate);
                one.notes
                    .push(choices::too_large(&out.inputs, count, resources));
                return one;
            }
            out.problems.extend(problems);
            out.notes.extend(notes);
            out.notes.append(&mut unit.notes);
            out.runs.push((combo, evaluate(&unit)));
            first.get_or_insert(unit);
        }
        out.unit = first.unwrap_or_default();
        dedup_problems(&mut out.problems);
        dedup_problems(&mut out.notes);
        out
    }
}

/// Drops problems met before (the same message at the same place).
fn dedup_problems(problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    problems.retain(|p| seen.insert((p.span, p.message.clone())));
}

/// Parses, normalizes and evaluates one job; `None` for a YAML or JSON
/// file that is not a template.
fn normalize(
    job: &Job,
    sources: &SourceMap,
    inputs: &cfn::Inputs,
    all_values: bool,
    evaluate: Evaluate,
) -> Option<Normalized> {
    Some(match job {
        Job::Template(id) => {
            let file = sources.get(*id);
            match cfn::parse_document(file, *id) {
                Ok(doc) if terraform::plan::looks_like_plan(&doc) => {
                    let (unit, notes) = terraform::plan::normalize(&doc, &file.text);
                    Normalized::one((unit, Vec::new(), notes), evaluate)
                }
                Ok(doc) if cfn::looks_like_template(&doc) => {
                    let doc = Arc::new(doc);
                    let open = cfn::parameters::open_inputs(&doc, &inputs.overrides, all_values);
                    let under = |values: &[(String, Node)]| {
                        let mut given = std::borrow::Cow::Borrowed(inputs);
                        for (name, value) in values {
                            let overrides = &mut given.to_mut().overrides;
                            overrides.insert(name.clone(), value.clone());
                        }
                        let (unit, problems) = cfn::load_template(sources, *id, &doc, &given);
                        (unit, problems, Vec::new())
                    };
                    let mut out = Normalized::each(open, under, evaluate);
                    out.template = Some((*id, doc));
                    out
                }
                Err(problem) if cfn::might_be_template(&file.text) => {
                    let nothing = (Unit::default(), vec![problem], Vec::new());
                    Normalized::one(nothing, evaluate)
                }
                _ => return None,
            }
        }
        Job::Module(ids) => {
            let root = Path::new("");
            let (mut project, problems) = terraform::Project::parsed(root, sources, ids);
            project.skip_native = inputs.skip_native;
            terraform_root(&project, root, problems, all_values, evaluate)
        }
        Job::Terraform(project, root) => match project.root(root, sources) {
            Some((own, problems)) => terraform_root(&own, root, problems, all_values, evaluate),
            None => terraform_root(project, root, Vec::new(), all_values, evaluate),
        },
    })
}

/// Normalizes and evaluates the root module `root` of `project`; `problems`
/// (met parsing it) come first.
fn terraform_root(
    project: &terraform::Project,
    root: &Path,
    mut problems: Vec<Problem>,
    all_values: bool,
    evaluate: Evaluate,
) -> Normalized {
    let open = project.open_inputs(root, all_values);
    let under = |values: &[(String, Node)]| project.normalize_with(root, values);
    let mut out = Normalized::each(open, under, evaluate);
    problems.append(&mut out.problems);
    out.problems = problems;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_left_to_their_jobs_give_the_same_findings_kept_or_read_again() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let options = Options {
            gate: Gate::for_paths(std::slice::from_ref(&examples)),
            paths: vec![examples],
            ..Default::default()
        };
        let policies = Policies::load(&options);
        let findings = |keep| {
            let mut all = Collect::default();
            let out = check_with(&options, &policies, &mut all, keep);
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            all.findings
        };
        let whole = findings(None);
        assert!(whole.len() > 10, "{}", whole.len());
        let keep = |bytes, files| Some(Keep { bytes, files });
        assert_eq!(findings(keep(KEPT_BYTES, 0)), whole);
        // Nothing kept: every text left to a job is read again, from its
        // file held open or by its path.
        assert_eq!(findings(keep(0, usize::MAX)), whole);
        assert_eq!(findings(keep(0, 1)), whole);
        assert_eq!(findings(keep(0, 0)), whole);
    }

    #[test]
    fn a_run_of_many_jobs_compiles_its_policies_first_and_finds_the_same() {
        let template =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cloudformation/vulnerable.yaml");
        let dir = tempfile::tempdir().unwrap();
        let findings = |paths: Vec<PathBuf>| {
            let options = Options {
                gate: Gate::for_paths(&[dir.path().to_path_buf()]),
                paths,
                ..Default::default()
            };
            let out = check(&options, &Policies::load(&options));
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            out.findings
        };
        let copies: Vec<PathBuf> = (0..COMPILED_FIRST)
            .map(|i| dir.path().join(format!("t{i:03}.yaml")))
            .collect();
        for copy in &copies {
            std::fs::copy(&template, copy).unwrap();
        }
        let one = findings(vec![copies[0].clone()]);
        assert!(one.len() > 10, "{}", one.len());
        let all = findings(vec![dir.path().to_path_buf()]);
        let first: Vec<&Finding> = all
            .iter()
            .filter(|f| f.span.file == all[0].span.file)
            .collect();
        assert_eq!(all.len(), one.len() * COMPILED_FIRST);
        let rules = |f: &[&Finding]| {
            f.iter()
                .map(|f| (f.rule_id.clone(), f.span.start))
                .collect::<Vec<_>>()
        };
        assert_eq!(rules(&first), rules(&one.iter().collect::<Vec<_>>()));
    }

    #[test]
    fn a_fifo_named_is_read_once_whatever_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("t.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        let text = include_str!("../examples/cloudformation/vulnerable.yaml");
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, text))
        };
        let options = Options {
            gate: Gate::for_paths(std::slice::from_ref(&fifo)),
            paths: vec![fifo.clone()],
            ..Default::default()
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let policies = Policies::load(&options);
            let mut all = Collect::default();
            // Nothing kept and nothing held: a regular file would be read again.
            let keep = Some(Keep { bytes: 0, files: 0 });
            check_with(&options, &policies, &mut all, keep);
            let _ = tx.send(all.findings.len());
        });
        let done = rx.recv_timeout(Duration::from_secs(60));
        // A reader waiting on the FIFO again gets its end, and the test its failure.
        if done.is_err() {
            let _ = std::fs::write(&fifo, "");
        }
        writer.join().unwrap().unwrap();
        assert!(done.is_ok_and(|n| n > 5), "{done:?}");
    }

    #[test]
    fn findings_sort_by_file_position_rule_and_resource_and_lose_duplicates() {
        let mut sources = SourceMap::default();
        let mut add = |name: &str, text: &str| {
            sources.add(SourceFile::new(name.into(), name.into(), text.into()))
        };
        let (b, a) = (add("b.tf", "x\ny\nz\n"), add("a.yaml", "p\nq\n"));
        // A second file named like the first sorts with it, by line and column.
        let a2 = add("a.yaml", "long line\nq\n");
        let finding = |file, start: usize, rule: &str, resource: &str| Finding {
            rule_id: rule.into(),
            severity: Severity::High,
            title: String::new(),
            message: format!("{rule} {resource}"),
            resource: resource.into(),
            resource_type: String::new(),
            span: Span::new(file, start, start + 1),
            related: Vec::new(),
            undecided: false,
            secrets: Vec::new(),
            when: Vec::new(),
        };
        let expected = vec![
            finding(a, 0, "R1", "r"),
            finding(a2, 3, "R1", "r"),
            finding(a, 2, "R1", "r"),
            finding(a, 2, "R2", "a"),
            finding(a, 2, "R2", "b"),
            finding(b, 0, "R1", "r"),
            finding(b, 4, "R0", "r"),
        ];
        // Every rotation and the reverse of the expected order, with a duplicate.
        for turn in 0..=expected.len() {
            let mut findings = expected.clone();
            match turn {
                0 => findings.reverse(),
                n => findings.rotate_left(n - 1),
            }
            findings.push(expected[3].clone());
            sort_findings(&sources, &mut findings);
            assert_eq!(findings, expected, "turn {turn}");
        }
    }
}
