//! Finding the files to lint: Terraform folders (one module each) and
//! candidate CloudFormation templates. Which Terraform folders are root
//! modules (and which are linted only through their callers) is decided when
//! they are loaded, in `terraform::modules`.

use foldhash::{HashMap, HashMapExt, HashSet};
use globset::GlobSet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Folders never entered.
const SKIPPED_DIRS: &[&str] = &[".git", ".terraform", "node_modules"];

/// What a run will read.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Terraform module folders and their `.tf` files (all of them, for
    /// context), each with whether it is reported on.
    pub terraform: BTreeMap<PathBuf, Vec<(PathBuf, bool)>>,
    /// YAML/JSON files that may be CloudFormation templates, each with
    /// whether it is reported on.
    pub templates: Vec<(PathBuf, bool)>,
    /// The other files findings are reported on (the ones asked for): a
    /// path is held once, here or in a list above.
    pub reported: HashSet<PathBuf>,
    /// Files named on the command line (read wherever they are).
    pub named: BTreeSet<PathBuf>,
    /// True when everything under the working directory is linted for what
    /// a named input file changes in it.
    pub widened: bool,
    /// Paths that do not exist or could not be walked.
    pub errors: Vec<(PathBuf, String)>,
    /// The folders walked whole, each with the names in it that tell how
    /// a root module there gets its variables (see
    /// [`crate::terraform::modules::is_beside`]), sorted.
    pub beside: BTreeMap<PathBuf, Vec<String>>,
}

/// The name of standard input when no other name is given.
pub const STDIN: &str = "-";

/// What a file is linted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `.tf` file, linted with the rest of its folder.
    Terraform,
    /// A YAML/JSON file that may be a CloudFormation template.
    Template,
}

/// The kind of a file from its name; `None` for files tenken does not lint.
/// `-` (standard input without a name) is read as a template.
pub fn kind_of(path: &Path) -> Option<Kind> {
    if path == Path::new(STDIN) {
        return Some(Kind::Template);
    }
    if crate::terraform::is_terraform_file(path) {
        return Some(Kind::Terraform);
    }
    let ext = path.extension()?.to_str()?;
    matches!(ext, "yaml" | "yml" | "json" | "template").then_some(Kind::Template)
}

/// Text read instead of a file's content on disk (an editor's unsaved
/// buffers, standard input), by path.
pub type Overlay = BTreeMap<PathBuf, String>;

/// What besides the paths decides what a run reads.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// Paths never read.
    pub exclude: &'a GlobSet,
    /// Files that exist only as text, or whose text replaces the disk's.
    pub overlay: &'a Overlay,
    /// Files every unit may read (`--parameters`, `--var-file`): named as a
    /// path, they are reported on, and everything under the working
    /// directory is linted for the findings their values cause.
    pub inputs: &'a [PathBuf],
}

/// Walks `paths` (files or folders), skipping `.git`, `.terraform`,
/// `node_modules`, hidden folders and anything matching `exclude`. Nothing
/// is opened here: what is read is decided by [`crate::gate`].
///
/// A file named is reported on; the files that give it meaning are linted
/// with it but reported only when named too: a `.tf` file's folder, a
/// variables file's module, everything an input file can reach.
pub fn discover(paths: &[PathBuf], scope: Scope<'_>) -> Discovered {
    let mut found = Discovered::default();
    // The Terraform files of the folders walked, excluded ones too.
    let mut listed = HashMap::new();
    let is_file = |p: &Path| scope.overlay.contains_key(p) || (p.exists() && !p.is_dir());
    for root in paths {
        if is_file(root) {
            let path = clean(root);
            found.named.insert(path.clone());
            if scope.exclude.is_match(&path) {
                continue;
            }
            if scope.inputs.iter().any(|i| clean(i) == path) {
                found.reported.insert(path);
                found.widened = true;
                walk(&mut found, &mut listed, Path::new("."), scope, false);
                continue;
            }
            match kind_of(root) {
                Some(kind) => add(&mut found, [(path, kind)], scope, true),
                // A changed variables file (as pre-commit passes it) changes
                // what its module's files mean.
                None if is_variables_file(root) => {
                    found.reported.insert(path);
                    let dir = root.parent().map(Path::to_path_buf).unwrap_or_default();
                    found.terraform.entry(clean(&dir)).or_default();
                }
                None => {}
            }
            continue;
        }
        if !root.is_dir() {
            found
                .errors
                .push((root.clone(), "no such file or folder".into()));
            continue;
        }
        walk(&mut found, &mut listed, root, scope, true);
    }
    // Every module folder is read whole: variables and other files give context.
    // A path listed is taken out of `reported`, with whether it was there.
    let reported = &mut found.reported;
    for (dir, files) in found.terraform.iter_mut() {
        let mut paths = listed.remove(dir).unwrap_or_else(|| module_files(dir));
        let unsaved = scope.overlay.keys().filter(|p| {
            kind_of(p) == Some(Kind::Terraform)
                && clean(p.parent().unwrap_or(Path::new(""))) == *dir
        });
        paths.extend(unsaved.map(|p| clean(p)));
        paths.sort();
        paths.dedup();
        // An open `x.tf` is left out too when a `x.tofu` is there.
        paths = crate::terraform::without_replaced(paths);
        let flagged = |p: PathBuf| {
            let flag = reported.remove(&p);
            (p, flag)
        };
        *files = paths.into_iter().map(flagged).collect();
    }
    // Only a Terraform folder is asked about.
    // Both sorted: the folders are matched in one pass.
    let mut terraform = found.terraform.keys().peekable();
    found.beside.retain(|dir, _| {
        while terraform.next_if(|t| *t < dir).is_some() {}
        terraform.peek() == Some(&dir)
    });
    found.templates.sort();
    found.templates.dedup();
    for (path, flag) in &mut found.templates {
        *flag = reported.remove(path);
    }
    reported.shrink_to_fit();
    found
}

/// Adds files of the kinds tenken lints (paths cleaned), to those reported
/// on too when `report`. Files come folder by folder: a folder is looked up
/// once for its files.
fn add(
    found: &mut Discovered,
    files: impl IntoIterator<Item = (PathBuf, Kind)>,
    scope: Scope<'_>,
    report: bool,
) {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (path, kind) in files {
        if scope.exclude.is_match(&path) {
            continue;
        }
        match kind {
            Kind::Template => found.templates.push((path.clone(), false)),
            Kind::Terraform => {
                let dir = path.parent().unwrap_or(Path::new(""));
                if dirs.last().is_none_or(|d| d.as_os_str() != dir.as_os_str()) {
                    dirs.push(dir.to_path_buf());
                }
            }
        }
        if report {
            found.reported.insert(path);
        }
    }
    // Built sorted at once (not one insertion at a time); a folder found
    // before keeps the name it was found by.
    let dirs: BTreeMap<_, _> = dirs.into_iter().map(|d| (d, Vec::new())).collect();
    match found.terraform.is_empty() {
        true => found.terraform = dirs,
        false => dirs.into_iter().for_each(|(d, files)| {
            found.terraform.entry(d).or_insert(files);
        }),
    }
}

/// Adds the files under a folder, and lists the Terraform files of each
/// folder walked in `listed`.
fn walk(
    found: &mut Discovered,
    listed: &mut HashMap<PathBuf, Vec<PathBuf>>,
    root: &Path,
    scope: Scope<'_>,
    report: bool,
) {
    // Every entry of a folder listed is seen here, taken or not.
    let names = std::cell::RefCell::new(Vec::new());
    let walker = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = (e.file_name().to_str())
                .filter(|n| e.depth() > 0 && crate::terraform::modules::is_beside(n));
            if let Some(name) = name {
                let dir = e.path().parent().map(clean).unwrap_or_default();
                names.borrow_mut().push((dir, name.to_string()));
            }
            e.depth() == 0
                || !e.file_type().is_dir()
                || !(e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with('.') || SKIPPED_DIRS.contains(&n))
                    || scope.exclude.is_match(clean(e.path())))
        });
    let mut files = Vec::new();
    let mut folders = Vec::new();
    // The folder of the last Terraform file and its files: a walk lists a
    // folder's files together, but for those of folders inside it.
    let mut last: Option<(PathBuf, Vec<PathBuf>)> = None;
    for entry in walker {
        match entry {
            // Links to files, FIFOs and devices are handed to the gate,
            // which decides; links to folders are not followed.
            Ok(e)
                if e.file_type().is_file()
                    || (!e.file_type().is_dir() && leads_to_file(e.path())) =>
            {
                if let Some(kind) = kind_of(e.path()) {
                    let path = clean(e.path());
                    if kind == Kind::Terraform {
                        let dir = path.parent().unwrap_or(Path::new(""));
                        match &mut last {
                            Some((d, files)) if d.as_os_str() == dir.as_os_str() => {
                                files.push(path.clone())
                            }
                            _ => {
                                let now = (dir.to_path_buf(), vec![path.clone()]);
                                if let Some((d, files)) = last.replace(now) {
                                    listed.entry(d).or_default().extend(files);
                                }
                            }
                        }
                    }
                    files.push((path, kind));
                }
            }
            Ok(e) if e.file_type().is_dir() => folders.push(clean(e.path())),
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                found.errors.push((clean(&path), err.to_string()));
            }
        }
    }
    if let Some((d, files)) = last {
        listed.entry(d).or_default().extend(files);
    }
    // A folder listed whole, with no error, is known by its names.
    let failed: BTreeSet<&Path> = found.errors.iter().map(|(p, _)| p.as_path()).collect();
    let mut beside = names.into_inner();
    beside.sort();
    let walked: BTreeMap<_, _> = (folders.into_iter())
        .filter(|f| !failed.contains(f.as_path()))
        .map(|folder| {
            let first = beside.partition_point(|(d, _)| *d < folder);
            let names = (beside[first..].iter()).take_while(|(d, _)| *d == folder);
            let names = names.map(|(_, n)| n.clone()).collect();
            (folder, names)
        })
        .collect();
    // Built sorted at once; a folder walked again gets its names anew.
    match found.beside.is_empty() {
        true => found.beside = walked,
        false => found.beside.extend(walked),
    }
    if report {
        // Paths hash name by name: the set grows once, not by doubling.
        found.reported.reserve(files.len());
    }
    add(found, files, scope, report);
}

/// `terraform.tfvars`, `*.auto.tfvars`, `*.tfvars.json`, ...
pub fn is_variables_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tfvars") || n.ends_with(".tfvars.json"))
}

/// The Terraform and OpenTofu files of a module folder that are read,
/// sorted (`""` is the current folder); links and special files among them
/// are left to the gate to refuse.
pub fn module_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder(dir)) else {
        return Vec::new();
    };
    let mut tf: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| kind_of(Path::new(&e.file_name())) == Some(Kind::Terraform))
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_file() => true,
            Ok(t) if t.is_dir() => false,
            _ => leads_to_file(&e.path()),
        })
        .map(|e| clean(&e.path()))
        .collect();
    tf.sort();
    crate::terraform::without_replaced(tf)
}

/// The folder to list for `dir`: `""` is the current folder.
pub fn folder(dir: &Path) -> &Path {
    match dir.as_os_str().is_empty() {
        true => Path::new("."),
        false => dir,
    }
}

/// True for anything but a folder, a link to one, or a broken link.
fn leads_to_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

/// `./a/b` → `a/b`.
pub fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_keeps_what_a_root_module_folder_holds_for_its_variables() {
        let tmp = tempfile::tempdir().unwrap();
        let net = tmp.path().join("net");
        std::fs::create_dir_all(net.join(".terraform")).unwrap();
        std::fs::create_dir_all(tmp.path().join("stack")).unwrap();
        for name in [
            "main.tf",
            "terraform.tfvars",
            "b.auto.tfvars.json",
            "a.auto.tfvars",
            "other.tfvars",
        ] {
            std::fs::write(net.join(name), "").unwrap();
        }
        std::fs::write(tmp.path().join("stack/terraform.tfvars"), "").unwrap();
        let exclude = GlobSet::empty();
        let scope = Scope {
            exclude: &exclude,
            overlay: &Overlay::new(),
            inputs: &[],
        };
        let walked = discover(&[tmp.path().to_path_buf()], scope);
        let names = [
            "terraform.tfvars",
            ".terraform",
            "a.auto.tfvars",
            "b.auto.tfvars.json",
        ];
        let mut names = names.map(String::from).to_vec();
        names.sort();
        // Only a Terraform folder is kept.
        assert_eq!(walked.beside.keys().collect::<Vec<_>>(), [&net]);
        assert_eq!(walked.beside[&net], names);
        // A file named is not a folder walked: its folder is listed later.
        let named = discover(&[net.join("main.tf")], scope);
        assert!(named.terraform.contains_key(&net));
        assert!(named.beside.is_empty());
    }
}
