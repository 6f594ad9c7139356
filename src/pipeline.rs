//! One run: discover → parse → normalize → evaluate → filter.
//! Each stage takes the previous stage's output; reporting is left to the caller.
//! The filter stage applies, in order: configuration overrides (rules off and
//! severities per path), suppressions, the reported files, the baseline.

use crate::baseline::Baseline;
use crate::config::Overrides;
use crate::diag::Problem;
use crate::discover::{discover, Discovered};
use crate::engine::{self, Checked, Finding};
use crate::model::Unit;
use crate::policy::{self, Policy, Severity};
use crate::source::{FileId, LineCol, SourceFile, SourceMap, Span};
use crate::suppress::{self, Directive, Suppressed};
use crate::{cfn, terraform};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Files larger than this are refused with an error.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What to lint and with which policies.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub policy_dirs: Vec<PathBuf>,
    pub selection: Selection,
    /// Report undecided checks (a needed value is unknown) as `info` findings.
    pub strict: bool,
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
    pub policies: Vec<Policy>,
    pub findings: Vec<Finding>,
    pub errors: Vec<Problem>,
    /// Problems that do not stop the run (suppressions that are unused, expired, ...).
    pub warnings: Vec<Problem>,
    /// Findings silenced by a suppression.
    pub suppressed: Vec<Suppressed>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Every policy × resource evaluated on the reported files.
    pub checks: Vec<Checked>,
    /// Remarks that are not errors (e.g. a module that was not followed).
    pub notes: Vec<Problem>,
    pub files: usize,
    pub resources: usize,
    pub elapsed: Duration,
}

/// Loads the built-in policies, then those in `dirs` (a user policy with a
/// built-in's id replaces it).
pub fn load_policies(
    dirs: &[PathBuf],
    sources: &mut SourceMap,
    errors: &mut Vec<Problem>,
) -> Vec<Policy> {
    let env = policy::cel_env();
    let mut ids: Vec<(FileId, bool)> = policy::builtin_sources(sources)
        .into_iter()
        .map(|id| (id, true))
        .collect();
    for dir in dirs {
        match policy::user_sources(dir, sources) {
            Ok(found) => ids.extend(found.into_iter().map(|id| (id, false))),
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
    let mut policies: Vec<Policy> = Vec::new();
    for (id, builtin) in ids {
        match policy::compile(sources.get(id), id, &env, builtin) {
            Ok(p) => {
                policies.retain(|q| q.spec.id != p.spec.id || !q.builtin || p.builtin);
                if policies.iter().any(|q| q.spec.id == p.spec.id) {
                    errors.push(Problem::new(
                        Span::new(id, 0, 0),
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

fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid glob '{p}': {e}"))?);
    }
    b.build().map_err(|e| e.to_string())
}

impl Selection {
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
        let id = p.spec.id.as_str();
        let only = glob_set(&self.only)?;
        if !self.only.is_empty() && !only.is_match(id) {
            return Ok(false);
        }
        if glob_set(&self.skip)?.is_match(id) || self.skip_packs.contains(&p.spec.pack) {
            return Ok(false);
        }
        let in_pack = p.spec.pack == "default"
            || self.packs.contains(&p.spec.pack)
            || only.is_match(id)
            || glob_set(&self.enable)?.is_match(id);
        Ok(in_pack && self.min_severity.is_none_or(|m| p.spec.severity >= m))
    }
}

/// A unit of work: one template, one Terraform folder on its own, or a
/// Terraform root module with the modules it calls.
pub enum Job {
    Template(FileId),
    Module(Vec<FileId>),
    Terraform(Arc<terraform::Project>, PathBuf),
}

/// Runs the whole check.
pub fn run(options: &Options) -> Outcome {
    let start = Instant::now();
    let mut out = Outcome::default();
    let policies = load_policies(&options.policy_dirs, &mut out.sources, &mut out.errors);
    let mut selected = Vec::new();
    for p in &policies {
        match options.selection.selects(p) {
            Ok(true) => selected.push(p),
            Ok(false) => {}
            Err(e) => {
                let id = out.sources.add(SourceFile::new(
                    "<arguments>".into(),
                    PathBuf::new(),
                    String::new(),
                ));
                out.errors.push(Problem::new(Span::new(id, 0, 0), e));
                break;
            }
        }
    }
    let exclude = match glob_set(&options.exclude) {
        Ok(set) => set,
        Err(e) => {
            let id = out.sources.add(SourceFile::new(
                "<arguments>".into(),
                PathBuf::new(),
                String::new(),
            ));
            out.errors.push(Problem::new(Span::new(id, 0, 0), e));
            GlobSet::empty()
        }
    };
    let mut found = discover(&options.paths, &exclude);
    let (mut jobs, extra) = read_files(&found, &options.terraform, &mut out);
    found.reported.extend(extra);
    let inputs = cfn_inputs(options, &mut jobs, &mut found, &mut out);
    let env = Arc::new(policy::cel_env());
    let linted = lint_all(
        &out.sources,
        &jobs,
        &selected,
        &env,
        options.strict,
        &inputs,
    );
    out.resources = linted.resources;
    out.errors.extend(linted.problems);
    out.notes.extend(linted.notes);
    let findings = options.overrides.apply(&out.sources, linted.findings);
    let applied = apply_suppressions(findings, &linted.directives, &policies, &selected);
    drop(selected);
    let sources = &out.sources;
    let reported = |span: &Span| found.reported.contains(&sources.get(span.file).path);
    let findings = applied.findings.into_iter().filter(|f| reported(&f.span));
    out.findings = match &options.baseline {
        Some(b) => {
            let (kept, baselined) = b.filter(sources, findings.collect());
            out.baselined = baselined;
            kept
        }
        None => findings.collect(),
    };
    out.suppressed = applied.suppressed;
    out.suppressed.retain(|s| reported(&s.finding.span));
    out.warnings = applied.warnings;
    out.warnings.retain(|w| reported(&w.span));
    out.checks = linted.checked;
    out.checks.retain(|c| reported(&c.span));
    out.policies = policies;
    sort(&out.sources, &mut out.findings, &mut out.errors);
    sort_problems(&out.sources, &mut out.warnings);
    sort_problems(&out.sources, &mut out.notes);
    out.suppressed
        .sort_by_cached_key(|s| finding_key(&out.sources, &s.finding));
    out.checks
        .sort_by(|a, b| (a.span, &a.rule_id, &a.resource).cmp(&(b.span, &b.rule_id, &b.resource)));
    out.checks.dedup();
    out.elapsed = start.elapsed();
    out
}

/// Parameter values for templates (from files, then arguments), and nested
/// stack templates read ahead; a template nested in another is linted
/// through its parent only, and its findings are reported.
fn cfn_inputs(
    options: &Options,
    jobs: &mut Vec<Job>,
    found: &mut Discovered,
    out: &mut Outcome,
) -> cfn::Inputs {
    let mut inputs = cfn::Inputs::default();
    for path in &options.parameter_files {
        let name = path.display().to_string();
        let (text, error) = match read_text(path) {
            Ok(text) => (text, None),
            Err(e) => (String::new(), Some(e)),
        };
        let id = out.sources.add(SourceFile::new(name, path.clone(), text));
        let result = match error {
            Some(e) => Err(Problem::new(Span::new(id, 0, 0), e)),
            None => cfn::parameters::from_file(out.sources.get(id), id),
        };
        match result {
            Ok(values) => inputs.overrides.extend(values),
            Err(problem) => out.errors.push(problem),
        }
    }
    inputs
        .overrides
        .extend(cfn::parameters::from_arguments(&options.parameters));
    let templates: Vec<FileId> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Template(id) => Some(*id),
            _ => None,
        })
        .collect();
    let ahead = cfn::nested::read_ahead(&mut out.sources, &templates, read_text);
    jobs.retain(|j| !matches!(j, Job::Template(id) if ahead.children.contains(id)));
    for &child in &ahead.children {
        found.reported.insert(out.sources.get(child).path.clone());
    }
    out.errors.extend(ahead.problems);
    inputs.templates = ahead.templates;
    inputs
}

/// Parses, normalizes and evaluates every job (in parallel), and collects
/// the suppressions written in them.
pub fn lint(
    sources: &SourceMap,
    jobs: &[Job],
    policies: &[&Policy],
    env: &Arc<cel::Env>,
    strict: bool,
) -> Linted {
    lint_all(
        sources,
        jobs,
        policies,
        env,
        strict,
        &cfn::Inputs::default(),
    )
}

/// Applies the suppressions written in the linted files, as of today:
/// `policies` are all the loaded ones, `selected` those that ran.
pub fn apply_suppressions(
    findings: Vec<Finding>,
    directives: &[Directive],
    policies: &[Policy],
    selected: &[&Policy],
) -> suppress::Applied {
    let ran: BTreeSet<String> = selected.iter().map(|p| p.spec.id.clone()).collect();
    let today = chrono::Local::now().date_naive();
    suppress::apply(findings, directives, policies, &ran, today)
}

/// What linting jobs produced.
#[derive(Default)]
pub struct Linted {
    pub resources: usize,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// Remarks that are not errors.
    pub notes: Vec<Problem>,
    pub checked: Vec<Checked>,
    /// Suppressions written in the files and templates.
    pub directives: Vec<Directive>,
}

/// Like [`lint`], with CloudFormation parameter values and nested templates.
pub fn lint_all(
    sources: &SourceMap,
    jobs: &[Job],
    policies: &[&Policy],
    env: &Arc<cel::Env>,
    strict: bool,
    inputs: &cfn::Inputs,
) -> Linted {
    let results: Vec<(usize, engine::Evaluation, Vec<Problem>, Vec<Directive>)> = jobs
        .par_iter()
        .map(|job| {
            let (unit, mut problems, notes) = normalize(job, sources, inputs);
            let mut eval = engine::evaluate(&unit, policies, env, strict);
            problems.append(&mut eval.problems);
            eval.problems = problems;
            let files: BTreeSet<FileId> = unit.resources.iter().map(|r| r.span.file).collect();
            let files: Vec<FileId> = files.into_iter().collect();
            let directives = suppress::collect(&unit, &files, sources);
            (unit.resources.len(), eval, notes, directives)
        })
        .collect();
    let mut out = Linted::default();
    for (n, eval, notes, directives) in results {
        out.resources += n;
        out.findings.extend(eval.findings);
        out.problems.extend(eval.problems);
        out.notes.extend(notes);
        out.checked.extend(eval.checked);
        out.directives.extend(directives);
    }
    out
}

/// Sorts findings by file, line, column, rule and resource, and errors by
/// file and position; exact duplicates are dropped.
pub fn sort(sources: &SourceMap, findings: &mut Vec<Finding>, errors: &mut Vec<Problem>) {
    findings.sort_by_cached_key(|f| finding_key(sources, f));
    findings.dedup();
    sort_problems(sources, errors);
}

fn finding_key(sources: &SourceMap, f: &Finding) -> (String, LineCol, String, String, u32) {
    let file = sources.get(f.span.file);
    let at = file.line_col(f.span.start as usize);
    (
        file.name.clone(),
        at,
        f.rule_id.clone(),
        f.resource.clone(),
        f.span.end,
    )
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

/// Reads every discovered file (in parallel) and groups them into jobs; also
/// returns the files read beyond those (called modules, variables files).
fn read_files(
    found: &Discovered,
    inputs: &terraform::Inputs,
    out: &mut Outcome,
) -> (Vec<Job>, Vec<PathBuf>) {
    for (path, message) in &found.errors {
        let id = out.sources.add(SourceFile::new(
            path.display().to_string(),
            path.clone(),
            String::new(),
        ));
        out.errors
            .push(Problem::new(Span::new(id, 0, 0), message.clone()));
    }
    let mut paths: Vec<&PathBuf> = found.templates.iter().collect();
    paths.extend(found.terraform.values().flatten());
    let texts: Vec<(PathBuf, Result<String, String>)> = paths
        .par_iter()
        .map(|p| ((*p).clone(), read_text(p)))
        .collect();
    let mut ids = std::collections::HashMap::new();
    for (path, text) in texts {
        let name = path.display().to_string();
        let id = match text {
            Ok(text) => out.sources.add(SourceFile::new(name, path.clone(), text)),
            Err(message) => {
                let id = out
                    .sources
                    .add(SourceFile::new(name, path.clone(), String::new()));
                out.errors.push(Problem::new(Span::new(id, 0, 0), message));
                continue;
            }
        };
        ids.insert(path, id);
    }
    out.files = ids.len();
    let mut jobs: Vec<Job> = found
        .templates
        .iter()
        .filter_map(|p| ids.get(p))
        .map(|&id| Job::Template(id))
        .collect();
    let folders: Vec<(PathBuf, Vec<FileId>)> = found
        .terraform
        .iter()
        .map(|(dir, files)| {
            let ids = files.iter().filter_map(|p| ids.get(p).copied()).collect();
            (dir.clone(), ids)
        })
        .filter(|(_, ids): &(PathBuf, Vec<FileId>)| !ids.is_empty())
        .collect();
    if folders.is_empty() {
        return (jobs, Vec::new());
    }
    let loaded = terraform::modules::load(folders, &mut out.sources, inputs, &read_text);
    out.errors.extend(loaded.problems);
    out.files += loaded.extra_files.len();
    let project = Arc::new(loaded.project);
    jobs.extend(
        loaded
            .roots
            .into_iter()
            .map(|root| Job::Terraform(project.clone(), root)),
    );
    (jobs, loaded.extra_files)
}

/// Reads a file as text; a UTF-8 byte order mark is dropped.
pub fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("file is larger than {} MiB", MAX_FILE_BYTES >> 20));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()))?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// Parses and normalizes one job into a unit of resources, with problems and notes.
fn normalize(
    job: &Job,
    sources: &SourceMap,
    inputs: &cfn::Inputs,
) -> (Unit, Vec<Problem>, Vec<Problem>) {
    match job {
        Job::Template(id) => {
            let file = sources.get(*id);
            match cfn::parse_document(file, *id) {
                Ok(doc) if terraform::plan::looks_like_plan(&doc) => {
                    let (unit, notes) = terraform::plan::normalize(&doc, &file.text);
                    (unit, Vec::new(), notes)
                }
                Ok(doc) => {
                    let (unit, problems) = cfn::load_template(sources, *id, &doc, inputs);
                    (unit, problems, Vec::new())
                }
                Err(problem) if cfn::might_be_template(&file.text) => {
                    (Unit::default(), vec![problem], Vec::new())
                }
                Err(_) => (Unit::default(), Vec::new(), Vec::new()),
            }
        }
        Job::Module(ids) => {
            let mut problems = Vec::new();
            let mut parsed = Vec::new();
            for &id in ids {
                match terraform::parse(sources.get(id).clone(), id) {
                    Ok(file) => parsed.push(file),
                    Err(problem) => problems.push(problem),
                }
            }
            let (unit, more, notes) = terraform::Project::single(parsed).normalize(Path::new(""));
            problems.extend(more);
            (unit, problems, notes)
        }
        Job::Terraform(project, root) => project.normalize(root),
    }
}
