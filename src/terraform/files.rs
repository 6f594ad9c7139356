//! Terraform's file functions: `file`, `filebase64`, `fileexists`,
//! `fileset` and `templatefile`. Relative paths start at the root module's
//! folder, like Terraform run there. Every file is read through the gate,
//! confined to the repository: a path outside it, a refused or a missing
//! file gives an unknown value and a note, never the file's content.
//!
//! Files are read while loading, by a first evaluation of each root module
//! that calls these functions: a file read takes its place in the run's
//! source map (so findings point into it), and the answers are recorded for
//! the evaluations that lint, whatever order those run in.

use super::expr::Scope;
use super::modules::Read;
use crate::diag::Problem;
use crate::gate::{normalize, Gate, Trust, VCS_DIRS};
use crate::model::{Node, Value};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Entries `fileset` looks at under one folder before it gives up.
pub const MAX_LISTED: usize = 10_000;

/// What a file function asks of the file system (paths resolved).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ask {
    Read(PathBuf),
    Exists(PathBuf),
    /// The files under a folder that a pattern matches.
    List(PathBuf, String),
}

/// What the file system answered.
#[derive(Clone, Debug)]
pub enum Answer {
    Text(FileId, Arc<SourceFile>),
    Exists(bool),
    /// Paths relative to the folder listed, with `/`, sorted.
    Listed(Vec<String>),
    /// Why not: outside the repository, missing, too large, ...
    Refused(String),
}

/// Answers the questions of file functions.
pub type Disk<'p> = Rc<dyn Fn(&Ask) -> Answer + 'p>;

/// The answers given while loading.
#[derive(Debug, Default)]
pub struct Answers(BTreeMap<Ask, Answer>);

impl Answers {
    /// A disk that gives the answers recorded.
    pub fn disk(&self) -> Disk<'_> {
        Rc::new(|ask| {
            let missing = || Answer::Refused("not read while loading".into());
            self.0.get(ask).cloned().unwrap_or_else(missing)
        })
    }
}

/// Answers through the gate while loading, and records the answers.
pub struct Loader<'a> {
    gate: &'a Gate,
    read: &'a Read<'a>,
    sources: RefCell<&'a mut SourceMap>,
    answers: RefCell<Answers>,
    /// The files read, in order.
    read_files: RefCell<Vec<PathBuf>>,
}

impl<'a> Loader<'a> {
    pub fn new(gate: &'a Gate, read: &'a Read<'a>, sources: &'a mut SourceMap) -> Loader<'a> {
        Loader {
            gate,
            read,
            sources: RefCell::new(sources),
            answers: RefCell::default(),
            read_files: RefCell::default(),
        }
    }

    pub fn disk(&self) -> Disk<'_> {
        Rc::new(|ask| self.answer(ask))
    }

    /// The answers given and the files read.
    pub fn finish(self) -> (Answers, Vec<PathBuf>) {
        (self.answers.into_inner(), self.read_files.into_inner())
    }

    fn answer(&self, ask: &Ask) -> Answer {
        if let Some(known) = self.answers.borrow().0.get(ask) {
            return known.clone();
        }
        let answer = match ask {
            Ask::Read(path) => self.read_file(path),
            Ask::Exists(path) => match self.gate.confine(path) {
                Ok(resolved) => Answer::Exists(resolved.is_file()),
                // A missing file inside the repository does not exist;
                // refusals tell nothing about what is outside.
                Err(e) if e.starts_with("refused") => Answer::Refused(e),
                Err(_) => Answer::Exists(false),
            },
            Ask::List(dir, pattern) => self.list(dir, pattern),
        };
        self.answers
            .borrow_mut()
            .0
            .insert(ask.clone(), answer.clone());
        answer
    }

    fn read_file(&self, path: &Path) -> Answer {
        match (self.read)(path, Trust::Confined) {
            Ok(text) => {
                let name = path.display().to_string();
                let source = SourceFile::new(name, path.to_path_buf(), text);
                let mut sources = self.sources.borrow_mut();
                let id = sources.add(source);
                self.read_files.borrow_mut().push(path.to_path_buf());
                Answer::Text(id, sources.get(id).clone())
            }
            Err(e) => Answer::Refused(e),
        }
    }

    /// `fileset`: the regular files under `dir` that `pattern` matches, as
    /// Terraform's globs do (`*` and `?` within a folder, `**` across,
    /// `{a,b}`, `[...]`), without following links or entering
    /// version-control folders; without `**`, no deeper than the pattern's
    /// folders.
    fn list(&self, dir: &Path, pattern: &str) -> Answer {
        if let Err(e) = self.gate.confine(dir) {
            return match e.starts_with("refused") {
                true => Answer::Refused(e),
                false => Answer::Listed(Vec::new()),
            };
        }
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build();
        let matcher = match glob {
            Ok(g) => g.compile_matcher(),
            Err(e) => return Answer::Refused(format!("invalid pattern: {}", e.kind())),
        };
        // A match has at most as many `/` as the pattern.
        let depth = match pattern.contains("**") {
            true => usize::MAX,
            false => pattern.matches('/').count() + 1,
        };
        let walk = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .max_depth(depth)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !VCS_DIRS.iter().any(|v| e.file_name() == *v));
        let mut found = BTreeSet::new();
        for (seen, entry) in walk.filter_map(Result::ok).enumerate() {
            if seen >= MAX_LISTED {
                let message = format!("more than {MAX_LISTED} entries under the folder");
                return Answer::Refused(message);
            }
            let Ok(relative) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let relative = relative.join("/");
            let admitted = || self.gate.confine(entry.path()).is_ok();
            if entry.file_type().is_file() && matcher.is_match(&relative) && admitted() {
                found.insert(relative);
            }
        }
        Answer::Listed(found.into_iter().collect())
    }
}

/// `path.module`: the folder `dir` relative to the root module's folder,
/// `.` for the root itself.
pub fn relative(root: &Path, dir: &Path) -> String {
    let (root, dir) = (crate::gate::absolute(root), crate::gate::absolute(dir));
    let common = root
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    let up = root.components().skip(common).map(|_| "..".to_string());
    let down = dir
        .components()
        .skip(common)
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let parts: Vec<String> = up.chain(down).collect();
    match parts.is_empty() {
        true => ".".to_string(),
        false => parts.join("/"),
    }
}

impl Scope<'_> {
    /// Calls a file function with evaluated arguments; `None` when `name`
    /// is not one.
    pub fn file_function(&self, name: &str, args: &[Node], span: Span) -> Option<Node> {
        if !matches!(
            name,
            "file" | "filebase64" | "fileexists" | "fileset" | "templatefile"
        ) {
            return None;
        }
        let unknown = || Node::new(Value::Unknown, span);
        let arity = if matches!(name, "fileset" | "templatefile") {
            2
        } else {
            1
        };
        let path = match args.first().map(|a| &a.value) {
            _ if args.len() != arity => return Some(self.fail(span)),
            Some(Value::Str(path)) => path,
            Some(Value::Unknown | Value::Ref(_)) => return Some(unknown()),
            _ => return Some(self.fail(span)),
        };
        let resolved = self.resolve(path);
        let ask = match name {
            "fileexists" => Ask::Exists(resolved),
            "fileset" => match &args[1].value {
                Value::Str(pattern) => Ask::List(resolved, pattern.clone()),
                Value::Unknown | Value::Ref(_) => return Some(unknown()),
                _ => return Some(self.fail(span)),
            },
            _ => Ask::Read(resolved),
        };
        let answer = match &self.disk {
            Some(disk) => disk(&ask),
            None => Answer::Refused("not read here".into()),
        };
        Some(match answer {
            Answer::Refused(why) => {
                let message = format!("{name}(\"{path}\"): {why}; the value is unknown");
                self.notes.borrow_mut().push(Problem::new(span, message));
                unknown()
            }
            Answer::Exists(exists) => Node::new(Value::Bool(exists), span),
            Answer::Listed(paths) => {
                let items = paths
                    .into_iter()
                    .map(|p| Node::new(Value::Str(p), span))
                    .collect();
                self.affordable(Node::new(Value::List(items), span))
            }
            Answer::Text(id, source) => {
                if !self.budget.charge(span, 1, source.text.len() as u64) {
                    return Some(unknown());
                }
                match name {
                    "file" => {
                        let whole = Span::new(id, 0, source.text.len());
                        Node::new(Value::Str(source.text.clone()), whole)
                    }
                    "filebase64" => {
                        let encoded = crate::base64::encode(source.text.as_bytes());
                        self.affordable(Node::new(Value::Str(encoded), span))
                    }
                    _ => self.templatefile(&args[1], id, &source, span),
                }
            }
        })
    }

    /// `path` as Terraform run in the root module's folder reads it (`.`
    /// for the working directory, never an empty path); a home folder
    /// (`~`) is outside the repository.
    fn resolve(&self, path: &str) -> PathBuf {
        if path.starts_with('~') {
            return PathBuf::from("/");
        }
        match normalize(&self.root_dir.join(path)) {
            p if p.as_os_str().is_empty() => PathBuf::from("."),
            p => p,
        }
    }

    /// The value, unknown when over budget.
    fn affordable(&self, node: Node) -> Node {
        if self.budget.charge_copy(node.span, &node) {
            node
        } else {
            Node::new(Value::Unknown, node.span)
        }
    }

    /// `templatefile`: the template in `source` rendered with `vars`.
    fn templatefile(&self, vars: &Node, id: FileId, source: &SourceFile, span: Span) -> Node {
        if self.in_template {
            return self.fail(span);
        }
        let vars = match &vars.value {
            Value::Map(m) => m.clone().into_iter().collect(),
            Value::Unknown | Value::Ref(_) => return Node::new(Value::Unknown, span),
            _ => return self.fail(span),
        };
        match hcl_edit::parser::parse_template(&source.text) {
            Ok(template) => self.template_file(&template, id, span, &vars),
            Err(e) => {
                let at = e.location().offset();
                let message = format!("template: {}; the value is unknown", e.message());
                let problem = Problem::new(Span::new(id, at, at), message);
                self.notes.borrow_mut().push(problem);
                self.fail(span)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::OUTSIDE;

    fn answers(entries: Vec<(Ask, Answer)>) -> Answers {
        Answers(entries.into_iter().collect())
    }

    #[test]
    fn module_paths_are_relative_to_the_root_module() {
        let root = Path::new("infra/live");
        assert_eq!(relative(root, root), ".");
        assert_eq!(
            relative(root, Path::new("infra/live/modules/a")),
            "modules/a"
        );
        assert_eq!(relative(root, Path::new("infra/shared/b")), "../shared/b");
    }

    #[test]
    fn paths_resolve_from_the_root_module_and_home_is_outside() {
        let mut scope = Scope::default();
        scope.root_dir = PathBuf::from("infra/live");
        assert_eq!(
            scope.resolve("./a/../b.json"),
            Path::new("infra/live/b.json")
        );
        assert_eq!(scope.resolve("../x"), Path::new("infra/x"));
        assert_eq!(scope.resolve("/etc/passwd"), Path::new("/etc/passwd"));
        assert_eq!(scope.resolve("~/.aws/credentials"), Path::new("/"));
        scope.root_dir = PathBuf::from(".");
        assert_eq!(scope.resolve("."), Path::new("."));
        assert_eq!(scope.resolve("a/.."), Path::new("."));
    }

    #[test]
    fn refusals_are_unknown_with_a_note_naming_the_path_not_the_content() {
        let recorded = answers(vec![(
            Ask::Read("/etc/passwd".into()),
            Answer::Refused(OUTSIDE.into()),
        )]);
        let mut scope = Scope::default();
        scope.disk = Some(recorded.disk());
        let at = Span::default();
        let arg = Node::new(Value::Str("/etc/passwd".into()), at);
        let got = scope
            .file_function("file", std::slice::from_ref(&arg), at)
            .unwrap();
        assert!(got.is_unknown());
        let notes = scope.notes.borrow();
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].message,
            "file(\"/etc/passwd\"): refused: it is outside the repository; the value is unknown"
        );
        drop(notes);
        // Not asked while loading: unknown as well.
        let got = scope.file_function("fileexists", &[arg], at).unwrap();
        assert!(got.is_unknown());
        assert!(scope.file_function("upper", &[], at).is_none());
    }
}
