//! `.tenken.yaml`: project settings, found by walking up from the working
//! directory (or given with `--config`). The schema is published in
//! `docs/schemas/config.schema.json`; unknown keys are errors.

use crate::diag::Problem;
use crate::engine::Finding;
use crate::gate::{Gate, Trust};
use crate::policy::Severity;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The configuration file name looked for.
pub const FILE_NAME: &str = ".tenken.yaml";

/// The file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub rules: Switches,
    #[serde(default)]
    pub packs: Switches,
    /// Severity per rule id, replacing the policy's.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Globs of paths never read.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra policy folders, relative to the configuration file.
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Only run policies of at least this severity.
    #[serde(default)]
    pub min_severity: Option<Severity>,
    /// Settings for the files matching some globs.
    #[serde(default)]
    pub paths: Vec<PathRule>,
}

/// Rules (ids or globs) or packs (names) to add, or leave out. Rules added
/// run whatever their pack; the `default` pack can be left out.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switches {
    #[serde(default)]
    pub enable: Vec<String>,
    #[serde(default)]
    pub disable: Vec<String>,
}

/// Rules off and severities for the files matching `files`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRule {
    /// Globs, relative to the configuration file's folder.
    pub files: Vec<String>,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

/// A configuration and where it was read from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// The folder holding the file: relative paths in it start there.
    pub dir: PathBuf,
}

/// The first `.tenken.yaml` in `start` or a folder above it, up to the
/// scan root (never beyond it).
pub fn find(start: &Path, gate: &Gate) -> Option<PathBuf> {
    let found = crate::gate::absolute(start)
        .ancestors()
        .take_while(|d| gate.covers(d))
        .map(|d| d.join(FILE_NAME))
        .find(|p| std::fs::symlink_metadata(p).is_ok())?;
    // Named from the working directory when it is there, like the files linted.
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|d| found.strip_prefix(d).ok()) {
        Some(relative) => Some(relative.to_path_buf()),
        None => Some(found),
    }
}

/// Reads and checks a configuration file through the gate: its policy
/// folders must be inside the scan root, whoever named the file. On error
/// the file is added to `sources` so the problem can point into it.
pub fn load(
    path: &Path,
    trust: Trust,
    gate: &Gate,
    sources: &mut SourceMap,
) -> Result<Loaded, Problem> {
    let id = sources.add_read(path, gate.read_text(path, trust))?;
    let config = parse(sources.get(id), id)?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let loaded = Loaded { config, dir };
    for (folder, written) in loaded.policy_dirs().zip(&loaded.config.policies) {
        if let Err(e) = gate.confine(&folder) {
            let file = sources.get(id);
            let at = file.text.find(&*written.to_string_lossy()).unwrap_or(0);
            let message = format!("policy folder {}: {e}", written.display());
            return Err(Problem::new(Span::new(id, at, at), message));
        }
    }
    Ok(loaded)
}

/// Parses and checks a configuration's text (an empty file is the default).
pub fn parse(file: &SourceFile, id: FileId) -> Result<Config, Problem> {
    let text = &file.text;
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    let config: Config = serde_saphyr::from_str(text).map_err(|e| {
        let at = e.location().map_or(0, |l| {
            file.offset_of(l.line() as usize, l.column() as usize)
        });
        Problem::new(
            Span::new(id, at, at),
            format!("invalid configuration: {}", e.without_snippet()),
        )
    })?;
    let globs = config
        .paths
        .iter()
        .flat_map(|r| r.files.iter().chain(&r.disable))
        .chain(&config.exclude)
        .chain(&config.rules.enable)
        .chain(&config.rules.disable);
    for g in globs {
        if let Err(e) = Glob::new(g) {
            let at = text.find(g.as_str()).unwrap_or(0);
            return Err(Problem::new(
                Span::new(id, at, at + g.len()),
                format!("invalid glob '{g}': {e}"),
            ));
        }
    }
    Ok(config)
}

/// Severity changes and rules turned off, applied to findings after evaluation.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Severity per rule id, everywhere.
    pub severity: BTreeMap<String, Severity>,
    pub paths: Vec<PathOverride>,
    /// The configuration's folder; `paths` globs are relative to it.
    pub dir: PathBuf,
}

/// A compiled [`PathRule`].
#[derive(Clone, Debug)]
pub struct PathOverride {
    pub files: GlobSet,
    pub disable: GlobSet,
    pub severity: BTreeMap<String, Severity>,
}

fn glob_set(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

impl Loaded {
    /// The configuration's policy folders, relative to the file's folder.
    pub fn policy_dirs(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.config.policies.iter().map(|p| self.dir.join(p))
    }

    /// The overrides this configuration makes (globs were checked by [`load`]).
    pub fn overrides(&self) -> Overrides {
        Overrides {
            severity: self.config.severity.clone(),
            paths: self
                .config
                .paths
                .iter()
                .map(|r| PathOverride {
                    files: glob_set(&r.files),
                    disable: glob_set(&r.disable),
                    severity: r.severity.clone(),
                })
                .collect(),
            dir: self.dir.clone(),
        }
    }
}

impl Overrides {
    /// Drops findings of rules turned off for their file and sets severities;
    /// a path rule wins over the global severity, a later path rule over an earlier one.
    pub fn apply(&self, sources: &SourceMap, findings: Vec<Finding>) -> Vec<Finding> {
        if self.severity.is_empty() && self.paths.is_empty() {
            return findings;
        }
        findings
            .into_iter()
            .filter_map(|mut f| {
                if let Some(&s) = self.severity.get(&f.rule_id) {
                    f.severity = s;
                }
                let path = &sources.get(f.span.file).path();
                let relative = std::path::absolute(path)
                    .ok()
                    .zip(std::path::absolute(&self.dir).ok())
                    .and_then(|(p, d)| p.strip_prefix(d).ok().map(Path::to_path_buf));
                for rule in &self.paths {
                    let hit = rule.files.is_match(path)
                        || relative.as_ref().is_some_and(|r| rule.files.is_match(r));
                    if !hit {
                        continue;
                    }
                    if rule.disable.is_match(&f.rule_id) {
                        return None;
                    }
                    if let Some(&s) = rule.severity.get(&f.rule_id) {
                        f.severity = s;
                    }
                }
                Some(f)
            })
            .collect()
    }
}
