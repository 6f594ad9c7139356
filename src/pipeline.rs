//! One run: discover → parse → normalize → evaluate → filter.
//! Each stage takes the previous stage's output; reporting is left to the caller.

use crate::diag::Problem;
use crate::discover::{discover, Discovered};
use crate::engine::{self, Finding};
use crate::model::Unit;
use crate::policy::{self, Policy, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::{cfn, terraform};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Files larger than this are refused with an error (CloudFormation itself
/// accepts templates of at most 1 MB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What to lint and with which policies.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub policy_dirs: Vec<PathBuf>,
    pub selection: Selection,
    /// Report undecided checks (a needed value is unknown) as `info` findings.
    pub strict: bool,
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
    pub min_severity: Option<Severity>,
}

/// Everything a run produced, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub sources: SourceMap,
    pub policies: Vec<Policy>,
    pub findings: Vec<Finding>,
    pub errors: Vec<Problem>,
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
        Ok(self.matcher()?.selects(p))
    }

    /// The selection with its globs built, to test many policies.
    pub fn matcher(&self) -> Result<Matcher<'_>, String> {
        Ok(Matcher {
            selection: self,
            only: glob_set(&self.only)?,
            skip: glob_set(&self.skip)?,
        })
    }
}

/// A [`Selection`] with its globs built once.
pub struct Matcher<'a> {
    selection: &'a Selection,
    only: GlobSet,
    skip: GlobSet,
}

impl Matcher<'_> {
    /// True if the policy runs under this selection.
    pub fn selects(&self, p: &Policy) -> bool {
        let id = p.spec.id.as_str();
        let s = self.selection;
        if (!s.only.is_empty() && !self.only.is_match(id)) || self.skip.is_match(id) {
            return false;
        }
        let in_pack =
            p.spec.pack == "default" || s.packs.contains(&p.spec.pack) || self.only.is_match(id);
        in_pack && s.min_severity.is_none_or(|m| p.spec.severity >= m)
    }
}

/// A unit of work: one template, or one Terraform module folder.
pub enum Job {
    Template(FileId),
    Module(Vec<FileId>),
}

/// Stack size of the worker threads: parsers and the expression evaluator
/// recurse (within their nesting limits), so workers get more than the default.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Sets up the global thread pool (once; `RAYON_NUM_THREADS` still applies).
fn init_workers() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // Fails only if the pool already exists, which is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .build_global();
    });
}

/// Runs the whole check.
pub fn run(options: &Options) -> Outcome {
    let start = Instant::now();
    init_workers();
    let mut out = Outcome::default();
    let policies = load_policies(&options.policy_dirs, &mut out.sources, &mut out.errors);
    let selected: Vec<&Policy> = match options.selection.matcher() {
        Ok(matcher) => policies.iter().filter(|p| matcher.selects(p)).collect(),
        Err(e) => {
            argument_error(&mut out, e);
            Vec::new()
        }
    };
    let exclude = match glob_set(&options.exclude) {
        Ok(set) => set,
        Err(e) => {
            argument_error(&mut out, e);
            GlobSet::empty()
        }
    };
    let found = discover(&options.paths, &exclude);
    let jobs = read_files(&found, &mut out);
    let env = Arc::new(policy::cel_env());
    let (resources, findings, errors) = lint(&out.sources, &jobs, &selected, &env, options.strict);
    out.resources = resources;
    out.findings = findings
        .into_iter()
        .filter(|f| found.reported.contains(&out.sources.get(f.span.file).path))
        .collect();
    out.errors.extend(errors);
    drop(selected);
    out.policies = policies;
    sort(&out.sources, &mut out.findings, &mut out.errors);
    out.elapsed = start.elapsed();
    out
}

/// Parses, normalizes and evaluates every job (in parallel): the resource
/// count, the findings and the problems.
pub fn lint(
    sources: &SourceMap,
    jobs: &[Job],
    policies: &[&Policy],
    env: &Arc<cel::Env>,
    strict: bool,
) -> (usize, Vec<Finding>, Vec<Problem>) {
    init_workers();
    let results: Vec<(usize, engine::Evaluation)> = jobs
        .par_iter()
        .map(|job| {
            let (unit, mut problems) = normalize(job, sources);
            let mut eval = engine::evaluate(&unit, policies, env, strict);
            problems.append(&mut eval.problems);
            eval.problems = problems;
            (unit.resources.len(), eval)
        })
        .collect();
    let (mut resources, mut findings, mut problems) = (0, Vec::new(), Vec::new());
    for (n, eval) in results {
        resources += n;
        findings.extend(eval.findings);
        problems.extend(eval.problems);
    }
    (resources, findings, problems)
}

/// Sorts findings by file, line, column, rule and resource, and errors by
/// file and position; exact duplicates are dropped.
pub fn sort(sources: &SourceMap, findings: &mut Vec<Finding>, errors: &mut Vec<Problem>) {
    findings.sort_by_cached_key(|f| {
        let file = sources.get(f.span.file);
        let at = file.line_col(f.span.start as usize);
        (
            file.name.clone(),
            at,
            f.rule_id.clone(),
            f.resource.clone(),
            f.span.end,
        )
    });
    findings.dedup();
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

/// Reads every discovered file (in parallel) and groups them into jobs.
fn read_files(found: &Discovered, out: &mut Outcome) -> Vec<Job> {
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
    let texts: Vec<_> = paths
        .par_iter()
        .map(|p| ((*p).clone(), read_text(p)))
        .collect();
    let mut ids = std::collections::HashMap::new();
    for (path, text) in texts {
        let name = path.display().to_string();
        let id = match text {
            Ok(text) => out.sources.add(SourceFile::new(name, path.clone(), text)),
            Err((message, text)) => {
                let (text, at) = text.unwrap_or_default();
                let id = out.sources.add(SourceFile::new(name, path.clone(), text));
                out.errors
                    .push(Problem::new(Span::new(id, at, at), message));
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
    for files in found.terraform.values() {
        let module: Vec<FileId> = files.iter().filter_map(|p| ids.get(p).copied()).collect();
        if !module.is_empty() {
            jobs.push(Job::Module(module));
        }
    }
    jobs
}

/// Reads a file as text; a UTF-8 byte order mark is dropped. Invalid UTF-8
/// keeps its (lossily decoded) text so the error can point into it.
fn read_text(path: &Path) -> Result<String, (String, Option<(String, usize)>)> {
    let cannot_read = |e: std::io::Error| (format!("cannot read: {e}"), None);
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    if meta.len() > MAX_FILE_BYTES {
        let message = format!(
            "file is larger than {} MiB, not linted",
            MAX_FILE_BYTES >> 20
        );
        return Err((message, None));
    }
    let bytes = std::fs::read(path).map_err(cannot_read)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err((
            format!("binary file (NUL byte at offset {at}), not linted"),
            None,
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            Err(("not valid UTF-8".into(), Some((text, e.valid_up_to()))))
        }
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

/// Parses and normalizes one job into a unit of resources.
fn normalize(job: &Job, sources: &SourceMap) -> (Unit, Vec<Problem>) {
    match job {
        Job::Template(id) => {
            let file = sources.get(*id);
            match cfn::parse_document(file, *id) {
                Ok(doc) if cfn::looks_like_template(&doc) => cfn::normalize_template(&doc),
                Ok(_) => (Unit::default(), Vec::new()),
                Err(problem) if might_be_template(&file.text) => (Unit::default(), vec![problem]),
                Err(_) => (Unit::default(), Vec::new()),
            }
        }
        Job::Module(ids) => {
            let mut problems = Vec::new();
            let mut parsed = Vec::new();
            for &id in ids {
                let source = sources.get(id);
                match terraform::parse_file(source, id) {
                    Ok(body) => parsed.push(terraform::ParsedFile { id, source, body }),
                    Err(problem) => problems.push(problem),
                }
            }
            (terraform::normalize_module(&parsed), problems)
        }
    }
}

/// An unparseable YAML/JSON file is only an error when it looks like a template.
fn might_be_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"))
}
