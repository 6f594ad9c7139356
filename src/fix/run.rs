//! `tenken check --fix` and `--diff`: fixes applied in memory, round after
//! round (a fix whose edit overlaps another waits for the next), each
//! round re-linting the fixed text.

use super::{apply, Edit, Fix};
use crate::pipeline::{self, Options, Outcome, Policies};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Rounds of fixing at most: each applies what did not overlap before.
const MAX_ROUNDS: usize = 4;

/// A file the fixes changed: its text as read and as fixed.
#[derive(Debug)]
pub struct Changed {
    pub path: PathBuf,
    /// The name reports show.
    pub name: String,
    pub original: String,
    pub fixed: String,
}

/// What fixing produced.
#[derive(Debug)]
pub struct Fixed {
    /// The check of the fixed text.
    pub outcome: Outcome,
    pub changed: Vec<Changed>,
    /// Fixes applied.
    pub applied: usize,
    /// Files left as they are, with why: fixed, they gave an error they
    /// did not give before.
    pub refused: Vec<(String, String)>,
}

/// Applies every fix of `options`' findings (those that make AWS replace
/// the resource only when `replacing`), in memory.
pub fn run(options: &Options, replacing: bool) -> Fixed {
    let mut options = options.clone();
    options.engine.fixes = true;
    let policies = Policies::load(&options);
    let mut outcome = pipeline::check(&options, &policies);
    let before = errors(&outcome);
    let mut originals: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    let mut applied = 0;
    for _ in 0..MAX_ROUNDS {
        let usable = outcome.fixes.iter().filter(|f| !f.replaces || replacing);
        let mut by_file: BTreeMap<u32, Vec<&Edit>> = BTreeMap::new();
        let mut fixes: Vec<&Fix> = Vec::new();
        for fix in usable {
            if let Ok(edits) = &fix.edits {
                edits
                    .iter()
                    .for_each(|e| by_file.entry(e.span.file.0).or_default().push(e));
                fixes.push(fix);
            }
        }
        let mut done: Vec<&Edit> = Vec::new();
        for (&id, edits) in &by_file {
            let file = outcome.sources.get(crate::source::FileId(id));
            let (text, used) = apply(&file.text, edits);
            if used.is_empty() || text == file.text {
                continue;
            }
            done.extend(used);
            (originals.entry(file.path().to_path_buf()))
                .or_insert_with(|| (file.name.clone(), file.text.clone()));
            options.overlay.insert(file.path().to_path_buf(), text);
        }
        let round = fixes
            .iter()
            .filter(|f| {
                f.edits
                    .as_ref()
                    .is_ok_and(|e| e.iter().all(|e| done.contains(&e)))
            })
            .count();
        if done.is_empty() {
            break;
        }
        applied += round;
        outcome = pipeline::check(&options, &policies);
    }
    // A file the fixes break is not changed: a safety net under the
    // planning of each edit.
    let mut refused = Vec::new();
    let new_errors: Vec<(String, String)> = (errors(&outcome).into_iter())
        .filter(|e| !before.contains(e))
        .collect();
    let changed: Vec<Changed> = originals
        .into_iter()
        .filter_map(|(path, (name, original))| {
            let fixed = options.overlay.remove(&path)?;
            if let Some((_, error)) = new_errors.iter().find(|(file, _)| *file == name) {
                refused.push((
                    name,
                    format!("not fixed: fixed, it gives an error: {error}"),
                ));
                return None;
            }
            (fixed != original).then_some(Changed {
                path,
                name,
                original,
                fixed,
            })
        })
        .collect();
    // Those errors are of text that is not written.
    let sources = &outcome.sources;
    outcome.errors.retain(|e| {
        let key = (sources.get(e.span.file).name.clone(), e.message.clone());
        !(new_errors.contains(&key) && refused.iter().any(|(name, _)| *name == key.0))
    });
    Fixed {
        outcome,
        changed,
        applied,
        refused,
    }
}

/// The errors of a check, by file name and message (positions move as
/// files are fixed).
fn errors(outcome: &Outcome) -> BTreeSet<(String, String)> {
    (outcome.errors.iter())
        .map(|e| {
            (
                outcome.sources.get(e.span.file).name.clone(),
                e.message.clone(),
            )
        })
        .collect()
}
