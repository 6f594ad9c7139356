//! Terraform configurations as Terraform sees them: root modules, the local
//! modules they call (and those `terraform init` downloaded), variables
//! assigned from files, flags and the environment, and one scope per module
//! instance.
//!
//! A folder that another scanned folder calls as a module is linted through
//! its callers, with the inputs they pass, and not again on its own: its
//! findings carry the caller's values and module addresses, and appear once.

use super::expr::{span_in, Bindings, Code, Repeat, Scope, Supply, MAX_INSTANCES};
use super::files::{self, Disk};
use super::json;
use super::overrides::{self, is_override, Overrides, Written};
use super::vars::{self, Assigned};
use super::{parse, resource, ParsedFile};
use crate::budget::{Budget, INSTANCE_STEPS};
use crate::diag::Problem;
use crate::gate::{normalize, Gate, Trust};
use crate::model::{Node, Unit, Value};
use crate::source::{FileId, FileSet, SourceFile, SourceMap, Span};
use foldhash::{HashMap, HashMapExt, HashSet};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Modules nested deeper than this are refused.
pub const MAX_DEPTH: usize = 16;

/// `terraform.workspace` when none is selected.
const DEFAULT_WORKSPACE: &str = "default";

/// Module call arguments that are not inputs.
const MODULE_META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Every parsed folder of a run and what was assigned to root variables.
#[derive(Default)]
pub struct Project {
    pub folders: BTreeMap<PathBuf, Vec<ParsedFile>>,
    /// Per root folder: module keys (`vpc`, `vpc.subnets`) to the folders
    /// `terraform init` downloaded them to (`.terraform/modules/modules.json`).
    installed: HashMap<PathBuf, HashMap<String, PathBuf>>,
    /// Per root folder given any: values for its variables, lowest
    /// precedence first.
    assigned: HashMap<PathBuf, Vec<Assigned>>,
    /// Per root folder with another than `default`: `terraform.workspace`.
    workspaces: HashMap<PathBuf, String>,
    /// What file functions were answered while loading.
    files: files::Answers,
    /// Root folders that call no module and no file function: their files
    /// are parsed by their own job ([`Project::root`]), so that a run holds
    /// the syntax trees of the folders being linted, not of every folder.
    standalone: HashMap<PathBuf, Vec<FileId>>,
    /// Resources are built without their native properties: no policy of
    /// the run reads `native`.
    pub skip_native: bool,
}

/// Variables given on the command line and in the environment.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `--var-file` files, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
    /// `TF_VAR_NAME` environment variables (name without the prefix).
    pub env: Vec<(String, String)>,
    /// `TF_WORKSPACE`: the workspace selected.
    pub workspace: Option<String>,
}

/// Reads a file through the gate (an editor reads its open buffers first).
pub type Read<'a> = dyn Fn(&Path, Trust) -> Result<String, String> + Sync + 'a;

/// The result of loading: the project, its root folders and the problems met.
pub struct Loaded {
    pub project: Project,
    pub roots: Vec<PathBuf>,
    /// Files read beyond those discovered (called modules, variables files).
    pub extra_files: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

/// Parses the discovered folders, reads the local modules they call (and
/// installed ones) when the gate lets them, decides the roots and collects
/// their variable values. The files in `deferred` hold only their names
/// (see [`SourceMap::with`]): a folder of them that a module call names is
/// read again.
pub fn load(
    discovered: Vec<(PathBuf, Vec<FileId>)>,
    sources: &mut SourceMap,
    inputs: &Inputs,
    gate: &Gate,
    read: &Read<'_>,
    deferred: &FileSet,
    beside_of: &BTreeMap<PathBuf, Vec<String>>,
) -> Loaded {
    let mut loaded = Loaded {
        project: Project::default(),
        roots: Vec::new(),
        extra_files: Vec::new(),
        problems: Vec::new(),
    };
    let scanned: BTreeSet<PathBuf> = discovered.iter().map(|(d, _)| d.clone()).collect();
    let (standalone, mut pending): (Vec<_>, Vec<_>) = discovered
        .into_iter()
        .partition(|(_, ids)| ids.iter().all(|&id| standalone(&sources.get(id).text)));
    loaded.project.standalone = standalone.into_iter().collect();
    let mut called: BTreeSet<PathBuf> = BTreeSet::new();
    while !pending.is_empty() {
        let parsed: Vec<_> = pending
            .par_iter()
            .map(|(dir, ids)| (dir.clone(), parse_folder(sources, ids)))
            .collect();
        let mut next = Vec::new();
        for (dir, (ok, mut problems)) in parsed {
            loaded.problems.append(&mut problems);
            if let Some(installed) = installed_modules(&dir, gate, read, sources, &mut loaded) {
                for target in installed.values() {
                    next.push(target.clone());
                }
                loaded.project.installed.insert(dir.clone(), installed);
            }
            for (target, at) in local_calls(&dir, &ok) {
                if let Err(e) = gate.confine(&target) {
                    let source = target.display();
                    let message = format!("module source {source}: {e}");
                    loaded.problems.push(Problem::new(at, message));
                    continue;
                }
                if target != dir {
                    called.insert(target.clone());
                }
                next.push(target);
            }
            loaded.project.folders.insert(dir, ok);
        }
        next.sort();
        next.dedup();
        pending = Vec::new();
        for dir in next {
            if loaded.project.folders.contains_key(&dir) || pending.iter().any(|(d, _)| *d == dir) {
                continue;
            }
            let ids = match loaded.project.standalone.remove(&dir) {
                Some(ids) if !ids.iter().any(|&id| deferred.contains(id)) => ids,
                _ => read_folder(&dir, sources, read, &mut loaded),
            };
            pending.push((dir, ids));
        }
    }
    loaded.roots = scanned
        .iter()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    loaded.project.add_cycle_roots(&scanned, &mut loaded.roots);
    let beside: Vec<Beside> = (loaded.roots.par_iter())
        .map(|r| beside(r, beside_of.get(r)))
        .collect();
    // Only what differs from no value and the default workspace is held:
    // most roots of a large repository have neither.
    for (root, beside) in loaded.roots.clone().into_iter().zip(beside) {
        let assigned = root_values(beside.variables, sources, inputs, read, &mut loaded);
        if !assigned.is_empty() {
            loaded.project.assigned.insert(root.clone(), assigned);
        }
        let workspace = workspace(beside.environment, sources, inputs, read, &mut loaded);
        if workspace != DEFAULT_WORKSPACE {
            loaded.project.workspaces.insert(root, workspace);
        }
    }
    read_for_file_functions(&mut loaded, sources, gate, read);
    loaded
}

/// True if a file's text may call a file function.
fn calls_file_function(text: &str) -> bool {
    static CALL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(file|filebase64|fileexists|fileset|templatefile)\s*\(")
            .expect("a valid pattern")
    });
    CALL.is_match(text)
}

/// True if a file's text calls no module and no file function
/// (conservatively: `module` appears nowhere in it).
pub fn standalone(text: &str) -> bool {
    !text.contains("module") && !calls_file_function(text)
}

/// Parses the files of a folder, overrides last; with the problems met,
/// overrides of nothing included.
fn parse_folder(sources: &SourceMap, ids: &[FileId]) -> (Vec<ParsedFile>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for &id in ids {
        match parse(sources.get(id).clone(), id) {
            Ok(mut f) => {
                problems.append(&mut f.problems);
                files.push(f)
            }
            Err(p) => problems.push(p),
        }
    }
    overrides::order(&mut files);
    problems.extend(overrides::missing(&files));
    (files, problems)
}

/// Reads the files that file functions name, by evaluating each root
/// module that calls them once (see [`files`]).
fn read_for_file_functions(
    loaded: &mut Loaded,
    sources: &mut SourceMap,
    gate: &Gate,
    read: &Read<'_>,
) {
    let project = &loaded.project;
    let calling: Vec<&PathBuf> = loaded
        .roots
        .iter()
        .filter(|root| project.calls_file_functions(root))
        .collect();
    if calling.is_empty() {
        return;
    }
    let loader = files::Loader::new(gate, read, sources);
    for root in calling {
        project.evaluate(root, loader.disk(), &[]);
    }
    let (answers, read_files) = loader.finish();
    loaded.project.files = answers;
    loaded.extra_files.extend(read_files);
}

/// `terraform.workspace` for a root module: `TF_WORKSPACE`, else the
/// workspace `terraform workspace select` wrote in `.terraform/environment`,
/// else `default`.
fn workspace(
    environment: Option<PathBuf>,
    sources: &mut SourceMap,
    inputs: &Inputs,
    read: &Read<'_>,
    loaded: &mut Loaded,
) -> String {
    if let Some(w) = inputs.workspace.as_ref().filter(|w| !w.is_empty()) {
        return w.clone();
    }
    let selected = environment
        .and_then(|path| add_file(&path, Trust::Confined, sources, read, loaded))
        .map(|id| sources.get(id).text.trim().to_string());
    selected
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string())
}

/// Reads the Terraform files of a folder not discovered by the walk.
fn read_folder(
    dir: &Path,
    sources: &mut SourceMap,
    read: &Read<'_>,
    loaded: &mut Loaded,
) -> Vec<FileId> {
    crate::discover::module_files(dir)
        .into_iter()
        .filter_map(|p| add_file(&p, Trust::Confined, sources, read, loaded))
        .collect()
}

/// Reads a file into `sources`; on error, the problem points at it.
fn add_file(
    path: &Path,
    trust: Trust,
    sources: &mut SourceMap,
    read: &Read<'_>,
    loaded: &mut Loaded,
) -> Option<FileId> {
    let path = normalize(path);
    match sources.add_read(&path, read(&path, trust)) {
        Ok(id) => {
            loaded.extra_files.push(path);
            Some(id)
        }
        Err(problem) => {
            loaded.problems.push(problem);
            None
        }
    }
}

/// What a root module's folder holds besides its Terraform files, from one
/// listing of it.
struct Beside {
    /// Its variables files in Terraform's order: `terraform.tfvars`,
    /// `terraform.tfvars.json`, then `*.auto.tfvars(.json)` by name (links
    /// and special files are left to the gate to refuse).
    variables: Vec<PathBuf>,
    /// `.terraform/environment`, when there is one.
    environment: Option<PathBuf>,
}

/// True for a name in a root module's folder that gives its variables
/// values or tells its workspace: all [`beside`] looks for.
pub fn is_beside(name: &str) -> bool {
    matches!(
        name,
        "terraform.tfvars" | "terraform.tfvars.json" | ".terraform"
    ) || is_auto(name)
}

/// `*.auto.tfvars` or `*.auto.tfvars.json`: read whatever its name.
fn is_auto(name: &str) -> bool {
    name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
}

/// What a root module's folder holds for its variables: from `listed`
/// (its names that [`is_beside`], sorted) when the walk listed it, else
/// listed here.
fn beside(root: &Path, listed: Option<&Vec<String>>) -> Beside {
    let names: Cow<[String]> = match listed {
        Some(names) => Cow::Borrowed(names),
        None => {
            let mut names: Vec<String> = std::fs::read_dir(crate::discover::folder(root))
                .map(|entries| {
                    (entries.filter_map(Result::ok))
                        .filter_map(|e| e.file_name().into_string().ok())
                        .filter(|n| is_beside(n))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            Cow::Owned(names)
        }
    };
    let has = |name: &str| names.binary_search_by(|n| n.as_str().cmp(name)).is_ok();
    let auto = (names.iter())
        .filter(|n| is_auto(n))
        .map(|n| root.join(n))
        .filter(|p| !p.is_dir());
    let variables = (["terraform.tfvars", "terraform.tfvars.json"].iter())
        .filter(|n| has(n))
        .map(|n| root.join(n))
        .chain(auto)
        .collect();
    let environment = Some(root.join(".terraform/environment"))
        .filter(|p| has(".terraform") && std::fs::symlink_metadata(p).is_ok());
    Beside {
        variables,
        environment,
    }
}

/// Values assigned to a root module's variables, lowest precedence first,
/// like Terraform: environment, `terraform.tfvars`, `terraform.tfvars.json`,
/// `*.auto.tfvars(.json)` in name order, then `--var-file` and `--var`.
fn root_values(
    variables: Vec<PathBuf>,
    sources: &mut SourceMap,
    inputs: &Inputs,
    read: &Read<'_>,
    loaded: &mut Loaded,
) -> Vec<Assigned> {
    // A value given outside any file is a source of its own, named after where it came from.
    let raw = |sources: &mut SourceMap, label: String, name: &str, value: &str| {
        let id = sources.add(SourceFile::new(label, PathBuf::new(), value.to_string()));
        Assigned::raw(name, sources.get(id), id)
    };
    let mut out: Vec<Assigned> = Vec::new();
    for (name, value) in &inputs.env {
        out.push(raw(sources, format!("TF_VAR_{name}"), name, value));
    }
    let mut files: Vec<(PathBuf, Trust)> = (variables.into_iter())
        .map(|p| (p, Trust::Confined))
        .collect();
    files.extend(inputs.var_files.iter().map(|p| (p.clone(), Trust::Named)));
    for (path, trust) in files {
        let Some(id) = add_file(&path, trust, sources, read, loaded) else {
            continue;
        };
        match vars::parse_file(sources.get(id), id) {
            Ok((values, problems)) => {
                out.extend(values);
                loaded.problems.extend(problems);
            }
            Err(p) => loaded.problems.push(p),
        }
    }
    for (name, value) in &inputs.vars {
        out.push(raw(sources, format!("--var {name}"), name, value));
    }
    out
}

/// `.terraform/modules/modules.json` of a folder: module keys to folders.
/// A folder the gate refuses is an error at its `Dir`.
fn installed_modules(
    dir: &Path,
    gate: &Gate,
    read: &Read<'_>,
    sources: &mut SourceMap,
    loaded: &mut Loaded,
) -> Option<HashMap<String, PathBuf>> {
    let path = dir.join(".terraform/modules/modules.json");
    std::fs::symlink_metadata(&path).ok()?;
    let id = add_file(&path, Trust::Confined, sources, read, loaded)?;
    let doc = crate::json::parse(&sources.get(id).text, id).ok()?;
    let mut installed = HashMap::new();
    for m in doc.get("Modules")?.as_list()? {
        let (Some(key), Some(target)) = (m.get("Key"), m.get("Dir")) else {
            continue;
        };
        let (Some(key), Some(name)) = (key.as_str(), target.as_str()) else {
            continue;
        };
        let folder = normalize(&dir.join(name));
        if key.is_empty() {
            continue;
        }
        match gate.confine(&folder) {
            Ok(_) => {
                installed.insert(key.to_string(), folder);
            }
            Err(e) => {
                let message = format!("installed module {key} in {name}: {e}");
                loaded.problems.push(Problem::new(target.span, message));
            }
        }
    }
    Some(installed)
}

/// The `source` of a module call, when it is a string literal.
fn source_of(block: &Block) -> Option<String> {
    match &block.body.get_attribute("source")?.value {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Folders of the local modules a folder calls, with where each is named.
fn local_calls(dir: &Path, files: &[ParsedFile]) -> Vec<(PathBuf, Span)> {
    module_calls(files)
        .into_iter()
        .filter_map(|c| Some((c.source?, c.source_at)))
        .filter(|(s, _)| is_local(s))
        .map(|(s, at)| (normalize(&dir.join(s)), at))
        .collect()
}

/// A `module` block, in HCL or JSON.
struct Call<'p> {
    name: &'p str,
    at: Span,
    /// The source, when it is a string literal.
    source: Option<String>,
    /// Where the source is written (the block when it is missing).
    source_at: Span,
    repeat: Option<Repeat<'p>>,
    /// The arguments that are inputs.
    inputs: Vec<(&'p str, Code<'p>)>,
}

/// The `module` blocks of a folder's files.
fn module_calls(files: &[ParsedFile]) -> Vec<Call<'_>> {
    let mut calls = Vec::new();
    for f in files {
        for block in f.body.iter().filter_map(Structure::as_block) {
            let (Some(name), 1, "module") = (
                block.labels.first(),
                block.labels.len(),
                block.ident.as_str(),
            ) else {
                continue;
            };
            let inputs = block
                .body
                .iter()
                .filter_map(Structure::as_attribute)
                .filter(|a| !MODULE_META.contains(&a.key.as_str()))
                .map(|a| (a.key.as_str(), Code::Hcl(&a.value, f.id)))
                .collect();
            let at = span_in(block.span(), f.id);
            let sourced = block.body.get_attribute("source").is_some();
            add_call(
                &mut calls,
                is_override(f).then_some(sourced),
                Call {
                    name: name.as_str(),
                    at,
                    source: source_of(block),
                    source_at: block
                        .body
                        .get_attribute("source")
                        .map_or(at, |a| span_in(a.value.span(), f.id)),
                    repeat: repeat(block, f.id),
                    inputs,
                },
            );
        }
        for (name, body) in f
            .json
            .as_ref()
            .map(|d| json::blocks(d, "module"))
            .unwrap_or_default()
        {
            let inputs = match &body.value {
                Value::Map(m) => m
                    .iter()
                    .filter(|(k, _)| !MODULE_META.contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), Code::Json(v)))
                    .collect(),
                _ => Vec::new(),
            };
            let at = body.key_span.unwrap_or(body.span);
            let source = body.get("source");
            add_call(
                &mut calls,
                is_override(f).then_some(source.is_some()),
                Call {
                    name,
                    at,
                    source: source.and_then(Node::as_str).map(str::to_string),
                    source_at: source.map_or(at, |s| s.span),
                    repeat: json::repeat(body),
                    inputs,
                },
            );
        }
    }
    calls
}

/// Adds a module call; one from an override file (`over`: whether it sets
/// `source`) merges into the call of the same name per argument.
fn add_call<'p>(calls: &mut Vec<Call<'p>>, over: Option<bool>, call: Call<'p>) {
    let (Some(sourced), Some(old)) = (over, calls.iter_mut().find(|c| c.name == call.name)) else {
        if over.is_none() {
            calls.push(call);
        }
        return;
    };
    if sourced {
        old.source = call.source;
        old.source_at = call.source_at;
    }
    old.repeat = call.repeat.or(old.repeat);
    for (name, code) in call.inputs {
        match old.inputs.iter_mut().find(|(n, _)| *n == name) {
            Some(input) => input.1 = code,
            None => old.inputs.push((name, code)),
        }
    }
}

impl Project {
    /// A project of one folder's files, without modules or variable files.
    pub fn single(files: Vec<ParsedFile>) -> Project {
        let mut project = Project::default();
        project.folders.insert(PathBuf::new(), files);
        project
    }

    /// The project to evaluate `root` in: this one, or, for a root whose
    /// files were left to its job, a project of that folder alone, parsed
    /// now, with the problems parsing met.
    pub fn root(&self, root: &Path, sources: &SourceMap) -> Option<(Project, Vec<Problem>)> {
        let ids = self.standalone.get(root)?;
        let (mut project, problems) = Project::parsed(root, sources, ids);
        project.skip_native = self.skip_native;
        let assigned = self.assigned.get(root).cloned().unwrap_or_default();
        project.assigned.insert(root.to_path_buf(), assigned);
        if let Some(workspace) = self.workspaces.get(root) {
            project
                .workspaces
                .insert(root.to_path_buf(), workspace.clone());
        }
        Some((project, problems))
    }

    /// The files of a root folder that calls no module and no file
    /// function (those its own job parses).
    pub fn own_files(&self, root: &Path) -> Option<&[FileId]> {
        self.standalone.get(root).map(Vec::as_slice)
    }

    /// A project of one folder, `dir`, its files parsed now (overrides
    /// last), with the problems parsing met.
    pub fn parsed(dir: &Path, sources: &SourceMap, ids: &[FileId]) -> (Project, Vec<Problem>) {
        let (files, problems) = parse_folder(sources, ids);
        let mut project = Project::default();
        project.folders.insert(dir.to_path_buf(), files);
        (project, problems)
    }

    /// Adds to `roots` one folder of each group of scanned folders that no
    /// root reaches (modules calling each other in a cycle), so that the
    /// cycle is reported rather than its modules silently skipped.
    fn add_cycle_roots(&self, scanned: &BTreeSet<PathBuf>, roots: &mut Vec<PathBuf>) {
        let mut reached = HashSet::default();
        for root in roots.iter() {
            self.reach(root, &mut reached);
        }
        for dir in scanned {
            if !reached.contains(dir) {
                roots.push(dir.clone());
                self.reach(dir, &mut reached);
            }
        }
    }

    /// Adds to `reached` the folders `from` reaches through local module calls.
    fn reach(&self, from: &Path, reached: &mut HashSet<PathBuf>) {
        let mut work = vec![from.to_path_buf()];
        while let Some(dir) = work.pop() {
            if reached.insert(dir.clone()) {
                let files = self.folders.get(&dir).map_or(&[][..], Vec::as_slice);
                work.extend(local_calls(&dir, files).into_iter().map(|(d, _)| d));
            }
        }
    }

    /// True if a module that `root` reaches calls a file function.
    fn calls_file_functions(&self, root: &Path) -> bool {
        let mut reached = HashSet::default();
        self.reach(root, &mut reached);
        reached
            .iter()
            .filter_map(|dir| self.folders.get(dir))
            .flatten()
            .any(|f| calls_file_function(&f.source.text))
    }

    /// The resources of a root module and of the modules it calls, within
    /// one budget; notes on modules that were not followed are returned
    /// apart from problems.
    pub fn normalize(&self, root: &Path) -> (Unit, Vec<Problem>, Vec<Problem>) {
        self.evaluate(root, self.files.disk(), &[])
    }

    /// [`Project::normalize`] with `values` given to root variables, over
    /// what was assigned (see [`crate::choices`]).
    pub fn normalize_with(
        &self,
        root: &Path,
        values: &[(String, Node)],
    ) -> (Unit, Vec<Problem>, Vec<Problem>) {
        let values: Vec<Assigned> = (values.iter())
            .map(|(name, v)| {
                Assigned::Value(name.trim_start_matches("var.").to_string(), v.clone())
            })
            .collect();
        self.evaluate(root, self.files.disk(), &values)
    }

    /// The root variables of `root` nobody gave a value that can take only a
    /// few values (with a default too, when `all_values`).
    pub fn open_inputs(&self, root: &Path, all_values: bool) -> Vec<crate::choices::Input> {
        let files = self.folders.get(root).map_or(&[][..], Vec::as_slice);
        let assigned = self.assigned.get(root).map_or(&[][..], Vec::as_slice);
        super::inputs::open(files, assigned, all_values)
    }

    /// [`Project::normalize`], with file functions answered by `disk` and
    /// `extra` values assigned last.
    fn evaluate<'p>(
        &'p self,
        root: &'p Path,
        disk: Disk<'p>,
        extra: &[Assigned],
    ) -> (Unit, Vec<Problem>, Vec<Problem>) {
        let mut build = Build {
            project: self,
            root,
            unit: Unit::default(),
            problems: Vec::new(),
            notes: Vec::new(),
            budget: Rc::default(),
            remarks: Rc::default(),
            chain: Vec::new(),
            disk,
            workspace: self
                .workspaces
                .get(root)
                .cloned()
                .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string()),
        };
        let assigned = self.assigned.get(root).map_or(&[][..], Vec::as_slice);
        let assigned: std::borrow::Cow<[Assigned]> = match extra {
            [] => assigned.into(),
            _ => [assigned, extra].concat().into(),
        };
        let given = Given {
            values: HashMap::new(),
            assigned: &assigned,
        };
        build.module(root, String::new(), "", given);
        build.problems.extend(build.budget.problem());
        build.notes.extend(build.remarks.take());
        let typed = crate::canonical::finish(&mut build.unit);
        build.problems.extend(typed);
        (build.unit, build.problems, build.notes)
    }
}

/// Values given to one module instance.
struct Given<'a> {
    /// Module inputs, evaluated in the caller.
    values: HashMap<String, (Node, Supply)>,
    /// Assignments to a root module's variables, lowest precedence first,
    /// read with the declared type.
    assigned: &'a [Assigned],
}

struct Build<'p> {
    project: &'p Project,
    root: &'p Path,
    unit: Unit,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
    budget: Rc<Budget>,
    /// What module instances remarked while evaluating (see `Scope::notes`).
    remarks: Rc<RefCell<Vec<Problem>>>,
    /// Folders of the module instances being built, the root first.
    chain: Vec<PathBuf>,
    /// Where file functions read.
    disk: Disk<'p>,
    /// `terraform.workspace`.
    workspace: String,
}

impl<'p> Build<'p> {
    /// Builds the scope of one module instance, adding its resources (and
    /// those of its children) to the unit.
    fn module(&mut self, dir: &Path, prefix: String, key: &str, inputs: Given) -> Scope<'p> {
        let files = self.project.folders.get(dir).map_or(&[][..], Vec::as_slice);
        let mut scope = Scope::default();
        scope.budget = self.budget.clone();
        scope.notes = self.remarks.clone();
        scope.prefix = prefix;
        scope.module_path = files::relative(self.root, dir);
        scope.root_dir = self.root.to_path_buf();
        scope.workspace = self.workspace.clone();
        scope.disk = Some(self.disk.clone());
        scope.renamed = files
            .iter()
            .filter(|f| !f.renamed.is_empty())
            .map(|f| (f.id, f.renamed.clone()))
            .collect();
        let overrides = Overrides::of(files);
        let declared = declare(&mut scope, files, &overrides);
        for (name, default, ty, at, sensitive, nullable) in declared {
            let ty = ty.as_ref();
            let given = inputs
                .assigned
                .iter()
                .rev()
                .find(|a| a.name() == name)
                .map(|a| (a.clone().into_node(ty), Supply::Set))
                .or_else(|| inputs.values.get(name).cloned())
                // `nullable = false`: a null input takes the default.
                .filter(|(node, _)| nullable || node.value != Value::Null);
            let value = match given {
                Some((node, supply)) => (vars::apply_type(node, ty), supply),
                None => match default {
                    Some(d) => {
                        let node = scope.code(d, &Bindings::new());
                        (vars::apply_type(node, ty), Supply::Set)
                    }
                    None => (Node::new(Value::Unknown, at), Supply::Set),
                },
            };
            let value = match (sensitive, value) {
                (true, (mut node, supply)) => {
                    node.mark_secret(&format!("sensitive variable var.{name}"));
                    (node, supply)
                }
                (false, value) => value,
            };
            scope.variables.insert(name.to_string(), value);
        }
        self.chain.push(normalize(dir));
        for call in module_calls(files) {
            self.call(&mut scope, dir, key, call);
        }
        self.chain.pop();
        let mut written = Vec::new();
        for (f, block) in hcl_blocks(files) {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            if let ("resource", [ty, name]) = (block.ident.as_str(), labels.as_slice()) {
                written.push((*ty, *name, Written::Hcl(f, block)));
            }
        }
        for f in files {
            let Some(doc) = &f.json else { continue };
            for (ty, name, body) in json::resources(doc) {
                written.push((ty, name, Written::Json(f, body)));
            }
        }
        for (ty, name, base) in written {
            if is_override(base.file()) {
                continue;
            }
            // Joined rather than formatted: a resource's names are made
            // for each of its instances.
            let local = [ty, ".", name].concat();
            let block = overrides.merged(&["resource.", local.as_str()].concat(), base);
            for (instance, b) in self.instances(&scope, &local, base.span()) {
                let address = [scope.prefix.as_str(), local.as_str(), instance.as_str()].concat();
                let keep = !self.project.skip_native;
                let r = resource(&scope, &block, ty, address, &b, keep);
                self.unit.resources.push(r);
            }
        }
        scope
    }

    /// The instances of the resource `local` (declared at `at`) the budget
    /// affords: one, with a note, when their number is not known; none, with
    /// a note, when it is known to be zero.
    fn instances(&mut self, scope: &Scope, local: &str, at: Span) -> Vec<(String, Bindings)> {
        let address = || format!("{}{local}", scope.prefix);
        let mut instances = scope.instances(local).unwrap_or_else(|| {
            self.notes.push(Problem::new(
                at,
                format!(
                    "{}: its count or for_each is not known before apply, or above \
                     {MAX_INSTANCES} instances; linted as one instance whose key is unknown",
                    address()
                ),
            ));
            vec![(String::new(), Bindings::new())]
        });
        if instances.is_empty() {
            self.notes.push(Problem::new(
                at,
                format!(
                    "{}: not created, its count or for_each is empty under the values \
                     given; not checked",
                    address()
                ),
            ));
        }
        let affordable = (0..instances.len())
            .take_while(|_| self.budget.charge(at, INSTANCE_STEPS, 0))
            .count();
        instances.truncate(affordable);
        instances
    }

    /// Follows one `module` block: each instance becomes a child scope.
    fn call(&mut self, scope: &mut Scope<'p>, dir: &Path, key: &str, call: Call<'p>) {
        let (name, at) = (call.name, call.at);
        let Some(source) = call.source else {
            self.notes.push(Problem::new(
                at,
                format!("module \"{name}\": source is not a string; not followed"),
            ));
            return;
        };
        let module_key = if key.is_empty() {
            name.to_string()
        } else {
            format!("{key}.{name}")
        };
        let target = if is_local(&source) {
            normalize(&dir.join(&source))
        } else {
            match self
                .project
                .installed
                .get(self.root)
                .and_then(|m| m.get(&module_key))
            {
                Some(t) => t.clone(),
                None => {
                    self.notes.push(Problem::new(
                        at,
                        format!(
                            "module \"{name}\": source \"{source}\" is not local and not installed \
                             (run `terraform init`); its resources are not checked"
                        ),
                    ));
                    return;
                }
            }
        };
        if let Some(problem) = self.refusal(name, &target, at) {
            self.problems.push(problem);
            return;
        }
        let Some(instances) = scope.repeat(call.repeat) else {
            self.notes.push(Problem::new(
                at,
                format!(
                    "module \"{name}\": count/for_each is not known before apply; not followed"
                ),
            ));
            return;
        };
        scope.modules.insert(name.to_string(), call.repeat);
        for (instance, b) in instances {
            if !self.budget.charge(at, INSTANCE_STEPS, 0) {
                return;
            }
            let values = call
                .inputs
                .iter()
                .map(|(k, code)| (k.to_string(), (scope.code(*code, &b), Supply::Input)))
                .collect();
            let prefix = format!("{}module.{name}{instance}.", scope.prefix);
            let child = self.module(
                &target,
                prefix,
                &module_key,
                Given {
                    values,
                    assigned: &[],
                },
            );
            scope.children.insert(format!("{name}{instance}"), child);
        }
    }

    /// Why the call `name` (at `at`) of the module in `target` is not
    /// followed: it closes a cycle, or nests too deep.
    fn refusal(&self, name: &str, target: &Path, at: Span) -> Option<Problem> {
        let message = if let Some(start) = self.chain.iter().position(|d| d == target) {
            let cycle: Vec<String> = self.chain[start..]
                .iter()
                .map(|d| folder_name(d))
                .chain([folder_name(target)])
                .collect();
            format!(
                "module \"{name}\": module cycle {}; not followed",
                cycle.join(" → ")
            )
        } else if self.chain.len() > MAX_DEPTH {
            format!(
                "module \"{name}\": modules nested deeper than {MAX_DEPTH} levels; not followed"
            )
        } else {
            return None;
        };
        Some(Problem::new(at, message))
    }
}

/// A folder as written in messages (`.` for the current one).
fn folder_name(dir: &Path) -> String {
    match dir.display().to_string() {
        name if name.is_empty() => ".".to_string(),
        name => name,
    }
}

/// The top-level blocks of HCL files.
fn hcl_blocks(files: &[ParsedFile]) -> impl Iterator<Item = (&ParsedFile, &Block)> {
    files.iter().flat_map(|f| {
        f.body
            .iter()
            .filter_map(Structure::as_block)
            .map(move |b| (f, b))
    })
}

/// A declared variable: name, default, type, where it is declared, and
/// whether it is `sensitive` and `nullable`.
type Variable<'p> = (
    &'p str,
    Option<Code<'p>>,
    Option<Expression>,
    Span,
    bool,
    bool,
);

/// Declares the resources, locals and outputs of a module's files in its
/// scope, and returns its variables.
fn declare<'p>(
    scope: &mut Scope<'p>,
    files: &'p [ParsedFile],
    overrides: &Overrides<'p>,
) -> Vec<Variable<'p>> {
    let mut declared = Vec::new();
    // Override files come last (see `overrides::order`).
    let (base, over) = files.split_at(files.iter().position(is_override).unwrap_or(files.len()));
    declare_files(scope, base, overrides, false, &mut declared);
    declare_files(scope, over, overrides, true, &mut declared);
    declared
}

/// Declares the blocks of `files` (override files when `over`: their
/// blocks merge into those declared) in `scope` and `declared`.
fn declare_files<'p>(
    scope: &mut Scope<'p>,
    files: &'p [ParsedFile],
    overrides: &Overrides<'p>,
    over: bool,
    declared: &mut Vec<Variable<'p>>,
) {
    for (f, block) in hcl_blocks(files) {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        match (block.ident.as_str(), labels.as_slice()) {
            (kind @ ("resource" | "data"), [ty, name]) => typed(
                (scope, overrides, over),
                kind,
                [ty, ".", name].concat(),
                Written::Hcl(f, block),
                repeat(block, f.id),
            ),
            ("variable", [name]) => variable(
                declared,
                over,
                (
                    name,
                    block
                        .body
                        .get_attribute("default")
                        .map(|d| Code::Hcl(&d.value, f.id)),
                    block.body.get_attribute("type").map(|a| a.value.clone()),
                    span_in(block.span(), f.id),
                    block
                        .body
                        .get_attribute("sensitive")
                        .is_some_and(|a| matches!(&a.value, Expression::Bool(b) if *b.value())),
                    !block
                        .body
                        .get_attribute("nullable")
                        .is_some_and(|a| matches!(&a.value, Expression::Bool(b) if !*b.value())),
                ),
            ),
            ("locals", []) => {
                for attr in block.body.iter().filter_map(Structure::as_attribute) {
                    scope
                        .locals
                        .insert(attr.key.to_string(), Code::Hcl(&attr.value, f.id));
                }
            }
            ("output", [name]) => {
                if let Some(v) = block.body.get_attribute("value") {
                    scope
                        .outputs
                        .insert(name.to_string(), Code::Hcl(&v.value, f.id));
                }
            }
            _ => {}
        }
    }
    for f in files {
        let Some(doc) = &f.json else { continue };
        for kind in ["resource", "data"] {
            for (ty, name, body) in json::typed(doc, kind) {
                let id = format!("{ty}.{name}");
                let written = Written::Json(f, body);
                typed(
                    (scope, overrides, over),
                    kind,
                    id,
                    written,
                    json::repeat(body),
                );
            }
        }
        for (name, body) in json::blocks(doc, "variable") {
            let ty = body
                .get("type")
                .and_then(Node::as_str)
                .and_then(|t| hcl_edit::parser::parse_expr(t).ok());
            let at = body.key_span.unwrap_or(body.span);
            let flag = |key: &str| body.get(key).map(|n| &n.value);
            let sensitive = flag("sensitive") == Some(&Value::Bool(true));
            let nullable = flag("nullable") != Some(&Value::Bool(false));
            let default = body.get("default").map(Code::Json);
            variable(declared, over, (name, default, ty, at, sensitive, nullable));
        }
        for (name, value) in json::locals(doc) {
            scope.locals.insert(name.to_string(), Code::Json(value));
        }
        for (name, body) in json::blocks(doc, "output") {
            if let Some(v) = body.get("value") {
                scope.outputs.insert(name.to_string(), Code::Json(v));
            }
        }
    }
}

/// Declares a resource or data source `id` (`TYPE.NAME`); an override's
/// `count` or `for_each` replaces the declared block's.
fn typed<'p>(
    (scope, overrides, over): (&mut Scope<'p>, &Overrides<'p>, bool),
    kind: &str,
    id: String,
    written: Written<'p>,
    repeat: Option<Repeat<'p>>,
) {
    match (kind, over) {
        ("resource", false) => {
            scope.resources.insert(id, repeat);
        }
        ("resource", true) => {
            if let (Some(r), Some(old)) = (repeat, scope.resources.get_mut(&id)) {
                *old = Some(r);
            }
        }
        (_, false) => {
            let block = overrides.merged(&format!("data.{id}"), written);
            scope.data.declare(id, block, repeat);
        }
        (_, true) => scope.data.override_repeat(&id, repeat),
    }
}

/// Declares a variable; an override's arguments replace the declared one's.
fn variable<'p>(declared: &mut Vec<Variable<'p>>, over: bool, v: Variable<'p>) {
    match declared.iter_mut().find(|d| d.0 == v.0) {
        Some(old) if over => {
            old.1 = v.1.or(old.1);
            old.2 = v.2.or(old.2.take());
            old.4 |= v.4;
            old.5 &= v.5;
        }
        _ => declared.push(v),
    }
}

/// The `count` or `for_each` of a block.
fn repeat(block: &Block, file: FileId) -> Option<Repeat<'_>> {
    if let Some(c) = block.body.get_attribute("count") {
        return Some(Repeat::Count(Code::Hcl(&c.value, file)));
    }
    block
        .body
        .get_attribute("for_each")
        .map(|e| Repeat::ForEach(Code::Hcl(&e.value, file)))
}
