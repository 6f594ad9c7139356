//! Linting off the protocol loop: a thread that waits for edits to settle
//! (debounce), lints the latest text of the buffers and publishes the
//! diagnostics, unless the buffer changed meanwhile.

use super::diagnostics;
use super::settings::Rules;
use crate::pipeline;
use crossbeam_channel::Sender;
use lsp_server::{Message, Notification};
use lsp_types::notification::{Notification as _, PublishDiagnostics};
use lsp_types::{Diagnostic, DiagnosticSeverity, PublishDiagnosticsParams, Range, Uri};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
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
    pub docs: Vec<Snapshot>,
    pub rules: Arc<Rules>,
}

/// An open buffer's newest (opening, version) and the diagnostics last published for it.
type Entry = ((u64, i32), Vec<Diagnostic>);

/// What the editor shows for every open buffer.
pub struct Published {
    state: Mutex<Shown>,
}

struct Shown {
    buffers: HashMap<Uri, Entry>,
    /// The way to the editor, until the server stops.
    out: Option<Sender<Message>>,
}

impl Published {
    pub fn new(out: Sender<Message>) -> Published {
        let state = Shown {
            buffers: HashMap::new(),
            out: Some(out),
        };
        Published {
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shown> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the buffer's newest version: results for older ones are dropped.
    pub fn track(&self, uri: &Uri, opened: u64, version: i32) {
        let mut state = self.lock();
        let entry = state.buffers.entry(uri.clone()).or_default();
        entry.0 = (opened, version);
    }

    /// Forgets a closed buffer.
    pub fn forget(&self, uri: &Uri) {
        self.lock().buffers.remove(uri);
    }

    /// The diagnostics last published for a buffer.
    pub fn diagnostics(&self, uri: &Uri) -> Vec<Diagnostic> {
        self.lock()
            .buffers
            .get(uri)
            .map(|e| e.1.clone())
            .unwrap_or_default()
    }

    /// Publishes the diagnostics if the snapshot is still the buffer's newest version.
    fn publish(&self, doc: &Snapshot, list: Vec<Diagnostic>) {
        let mut state = self.lock();
        let newest = |e: &&mut Entry| e.0 == (doc.opened, doc.version);
        let Some(entry) = state.buffers.get_mut(&doc.uri).filter(newest) else {
            return;
        };
        entry.1 = list.clone();
        let params = PublishDiagnosticsParams {
            uri: doc.uri.clone(),
            diagnostics: list,
            version: Some(doc.version),
        };
        if let Some(out) = &state.out {
            let _ = out.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into());
        }
    }

    /// Lets go of the way to the editor: a lint still running publishes nothing.
    fn close(&self) {
        self.lock().out = None;
    }
}

/// Tasks not run after this long are run even if edits keep coming.
const MAX_DELAY: Duration = Duration::from_secs(1);

/// The tasks waiting to run, by key: a newer task replaces an older one, so
/// fast edits hold one snapshot per buffer however many arrive.
#[derive(Default)]
struct Queue {
    /// The task, when a task of its key was first queued and when last.
    pending: BTreeMap<PathBuf, (Instant, Instant, Task)>,
    stopped: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The lint thread; stopping it (on drop) does not wait for a lint in progress.
pub struct Worker {
    shared: Arc<Shared>,
    published: Arc<Published>,
}

impl Worker {
    /// Starts the thread, with the stack of `tenken check`'s workers.
    pub fn start(published: Arc<Published>, debounce: Duration) -> io::Result<Worker> {
        let shared = Arc::new(Shared::default());
        let (queue, shown) = (shared.clone(), published.clone());
        thread::Builder::new()
            .name("tenken-lint".into())
            .stack_size(pipeline::WORKER_STACK_BYTES)
            .spawn(move || run(&queue, &shown, debounce))?;
        Ok(Worker { shared, published })
    }

    pub fn schedule(&self, task: Task) {
        let now = Instant::now();
        let mut queue = self.shared.lock();
        let first = queue.pending.get(&task.key).map_or(now, |p| p.0);
        queue.pending.insert(task.key.clone(), (first, now, task));
        self.shared.changed.notify_one();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let mut queue = self.shared.lock();
        queue.stopped = true;
        queue.pending.clear();
        self.shared.changed.notify_one();
        drop(queue);
        self.published.close();
    }
}

/// Runs each task once its edits settle (`debounce` after the last one) or
/// [`MAX_DELAY`] after the first, until the worker stops.
fn run(shared: &Shared, published: &Published, debounce: Duration) {
    let due =
        |(first, last, _): &(Instant, Instant, Task)| (*first + MAX_DELAY).min(*last + debounce);
    let mut queue = shared.lock();
    while !queue.stopped {
        let next = queue
            .pending
            .iter()
            .map(|(key, p)| (due(p), key.clone()))
            .min();
        queue = match next {
            None => shared
                .changed
                .wait(queue)
                .unwrap_or_else(|e| e.into_inner()),
            Some((at, key)) if at <= Instant::now() => {
                let task = queue.pending.remove(&key);
                drop(queue);
                if let Some((_, _, task)) = task {
                    execute(&task, published);
                }
                shared.lock()
            }
            Some((at, _)) => {
                let wait = at.saturating_duration_since(Instant::now());
                let waited = shared.changed.wait_timeout(queue, wait);
                waited.unwrap_or_else(|e| e.into_inner()).0
            }
        };
    }
}

/// Lints one task and publishes its buffers' diagnostics; a panic becomes a
/// diagnostic instead of ending the server.
fn execute(task: &Task, published: &Published) {
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
        published.publish(doc, list);
    }
}

/// The diagnostics of a task's buffers, by path: `tenken check` of the
/// buffers, their text read instead of the files'.
pub fn lint(task: &Task) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let rules = &task.rules;
    let mut options = rules.options.clone();
    options.engine.fixes = true;
    options.paths = task.docs.iter().map(|d| d.path.clone()).collect();
    options.overlay = (task.docs.iter())
        .map(|d| (d.path.clone(), d.text.clone()))
        .collect();
    let outcome = pipeline::check(&options, &rules.policies);
    diagnostics::by_file(&outcome, rules)
}
