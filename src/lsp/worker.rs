//! Linting off the protocol loop: a thread that waits for edits to settle
//! (debounce), lints the latest text of the buffers and publishes the
//! diagnostics, unless the buffer changed meanwhile.

use super::diagnostics;
use super::settings::Rules;
use crate::discover::{module_files, Kind};
use crate::gate::Trust;
use crate::pipeline::{self, Job};
use crate::source::SourceFile;
use crate::{engine, terraform};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, DiagnosticSeverity, PublishDiagnosticsParams, Range, Uri};
use std::collections::{BTreeMap, HashMap};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// A buffer's text at one version.
pub struct Snapshot {
    pub uri: Uri,
    /// Which opening of the file (see [`super::documents::Document::opened`]).
    pub opened: u64,
    pub version: i32,
    pub path: PathBuf,
    pub text: String,
}

/// Buffers linted together: one template, or the open `.tf` files of one
/// folder (the folder's other files are read from disk).
pub struct Task {
    /// The template's path or the Terraform folder: a newer task with the same key replaces an older one.
    pub key: PathBuf,
    pub kind: Kind,
    pub docs: Vec<Snapshot>,
    pub rules: Arc<Rules>,
}

/// An open buffer's newest (opening, version) and the diagnostics last published for it.
type Entry = ((u64, i32), Vec<Diagnostic>);

/// What the editor shows for every open buffer.
#[derive(Default)]
pub struct Published {
    map: Mutex<HashMap<Uri, Entry>>,
}

impl Published {
    fn lock(&self) -> MutexGuard<'_, HashMap<Uri, Entry>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the buffer's newest version: results for older ones are dropped.
    pub fn track(&self, uri: &Uri, opened: u64, version: i32) {
        let mut map = self.lock();
        let entry = map.entry(uri.clone()).or_default();
        entry.0 = (opened, version);
    }

    /// Forgets a closed buffer.
    pub fn forget(&self, uri: &Uri) {
        self.lock().remove(uri);
    }

    /// The diagnostics last published for a buffer.
    pub fn diagnostics(&self, uri: &Uri) -> Vec<Diagnostic> {
        self.lock()
            .get(uri)
            .map(|e| e.1.clone())
            .unwrap_or_default()
    }

    /// Publishes the diagnostics if the snapshot is still the buffer's newest version.
    fn publish(&self, out: &Sender<Message>, doc: &Snapshot, list: Vec<Diagnostic>) {
        let mut map = self.lock();
        let newest = |e: &&mut Entry| e.0 == (doc.opened, doc.version);
        let Some(entry) = map.get_mut(&doc.uri).filter(newest) else {
            return;
        };
        entry.1 = list.clone();
        let params = PublishDiagnosticsParams {
            uri: doc.uri.clone(),
            diagnostics: list,
            version: Some(doc.version),
        };
        let _ = out.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into());
    }
}

/// Tasks not run after this long are run even if edits keep coming.
const MAX_DELAY: Duration = Duration::from_secs(1);

/// The lint thread.
pub struct Worker {
    tasks: Sender<Task>,
    thread: thread::JoinHandle<()>,
}

impl Worker {
    pub fn start(out: Sender<Message>, published: Arc<Published>, debounce: Duration) -> Worker {
        let (tasks, receiver) = crossbeam_channel::unbounded();
        let thread = thread::spawn(move || run(&receiver, &out, &published, debounce));
        Worker { tasks, thread }
    }

    pub fn schedule(&self, task: Task) {
        let _ = self.tasks.send(task);
    }

    /// Drops pending work and waits for the thread to end.
    pub fn stop(self) {
        drop(self.tasks);
        let _ = self.thread.join();
    }
}

fn run(tasks: &Receiver<Task>, out: &Sender<Message>, published: &Published, debounce: Duration) {
    let mut pending: BTreeMap<PathBuf, (Instant, Task)> = BTreeMap::new();
    loop {
        let received = if pending.is_empty() {
            tasks.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            tasks.recv_timeout(debounce)
        };
        let due: Vec<PathBuf> = match received {
            Ok(task) => {
                let first = pending.get(&task.key).map_or_else(Instant::now, |p| p.0);
                pending.insert(task.key.clone(), (first, task));
                pending
                    .iter()
                    .filter(|(_, (first, _))| first.elapsed() >= MAX_DELAY)
                    .map(|(k, _)| k.clone())
                    .collect()
            }
            Err(RecvTimeoutError::Timeout) => pending.keys().cloned().collect(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        for key in due {
            if let Some((_, task)) = pending.remove(&key) {
                execute(&task, out, published);
            }
        }
    }
}

/// Lints one task and publishes its buffers' diagnostics; a panic becomes a
/// diagnostic instead of ending the server.
fn execute(task: &Task, out: &Sender<Message>, published: &Published) {
    let mut results = match panic::catch_unwind(AssertUnwindSafe(|| lint(task))) {
        Ok(results) => results,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let internal = Diagnostic {
                range: Range::default(),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(diagnostics::SOURCE.into()),
                message: format!("tenken could not lint this file (internal error: {what})"),
                ..Default::default()
            };
            task.docs
                .iter()
                .map(|d| (d.path.clone(), vec![internal.clone()]))
                .collect()
        }
    };
    for doc in &task.docs {
        let list = results.remove(&doc.path).unwrap_or_default();
        published.publish(out, doc, list);
    }
}

/// The diagnostics of a task's buffers, by path.
pub fn lint(task: &Task) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    // The policies' files come first, as in `tenken check`: a problem of a
    // policy points into its file.
    let mut sources = task.rules.sources.clone();
    let mut add = |path: &PathBuf, text: String| {
        sources.add(SourceFile::new(
            path.display().to_string(),
            path.clone(),
            text,
        ))
    };
    let mut ids: Vec<_> = task
        .docs
        .iter()
        .map(|d| add(&d.path, d.text.clone()))
        .collect();
    let mut problems = Vec::new();
    let jobs = match task.kind {
        Kind::Template => match ids.first() {
            Some(&id) => vec![Job::Template(id)],
            None => return BTreeMap::new(),
        },
        Kind::Terraform => {
            let gate = &task.rules.gate;
            for path in module_files(&task.key) {
                if task.docs.iter().all(|d| d.path != path) {
                    if let Ok(text) = gate.read_text(&path, Trust::Confined) {
                        ids.push(add(&path, text));
                    }
                }
            }
            // Local modules and variables files are read like `tenken check`
            // does, the open buffers' text winning over the disk.
            let read = |path: &Path, trust| match task.docs.iter().find(|d| d.path == path) {
                Some(doc) => Ok(doc.text.clone()),
                None => gate.read_text(path, trust),
            };
            let folders = vec![(task.key.clone(), ids)];
            let inputs = Default::default();
            let loaded = terraform::modules::load(folders, &mut sources, &inputs, gate, &read);
            problems = loaded.problems;
            let project = Arc::new(loaded.project);
            loaded
                .roots
                .into_iter()
                .map(|root| Job::Terraform(project.clone(), root))
                .collect()
        }
    };
    let rules = &task.rules;
    let selected = rules.selected();
    let linted = pipeline::lint(
        &sources,
        &jobs,
        &selected,
        engine::Settings {
            strict: rules.strict,
            record_checks: false,
        },
    );
    // Suppressions written in the buffer apply as they do on the command line.
    let findings = rules.overrides.apply(&sources, linted.findings);
    let applied =
        pipeline::apply_suppressions(findings, &linted.directives, &rules.policies, &selected);
    let mut findings = applied.findings;
    problems.extend(linted.problems);
    pipeline::sort(&sources, &mut findings, &mut problems);
    let mut notes = linted.notes;
    pipeline::sort_problems(&sources, &mut notes);
    diagnostics::by_file(&sources, &findings, &problems, &notes, rules)
}
