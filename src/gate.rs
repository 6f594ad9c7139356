//! One gate for every file read. What the command line names is trusted;
//! what a file names (a nested stack, a module source, `modules.json`, a
//! variables file, a policy folder in `.tenken.yaml`) or what a folder walk
//! finds must resolve inside a scan root: the git top level above a path
//! given, else the folder given. Version-control folders are never read,
//! only regular files are opened (a FIFO or a device given on the command
//! line excepted), and the size limit counts the bytes actually read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused with an error (CloudFormation itself
/// accepts templates of at most 1 MB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The refusal of a path that leads out of the repository.
pub const OUTSIDE: &str = "refused: it is outside the repository";

/// Folders whose content is never read.
pub const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn"];

/// Who named a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// The command line: read wherever it is (a FIFO or standard input too).
    Named,
    /// A file, or a folder walk: read only inside a scan root.
    Confined,
}

/// Why a file was not read: a message, and for text that is not valid UTF-8
/// the lossily decoded text and the offset of the first bad byte.
#[derive(Debug)]
pub struct ReadError {
    pub message: String,
    pub text: Option<(String, usize)>,
}

impl From<String> for ReadError {
    fn from(message: String) -> ReadError {
        ReadError {
            message,
            text: None,
        }
    }
}

/// The scan roots, as given (made absolute) and with links resolved.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    roots: Vec<Root>,
}

#[derive(Clone, Debug)]
struct Root {
    lexical: PathBuf,
    canonical: PathBuf,
}

impl Root {
    /// A path inside this root is read unless it is in a version-control
    /// folder or reached through a linked folder.
    fn admits(&self, abs: &Path, canonical: &Path) -> Result<(), String> {
        let inside = below(canonical, &self.canonical).unwrap_or(canonical);
        if in_vcs(inside) {
            return Err("refused: version-control folders are not read".into());
        }
        let Some(rest) = below(abs, &self.lexical) else {
            return Err("refused: a linked folder is not followed".into());
        };
        // A resolved path has no link in it: when it names the file as
        // written below the root, nothing on the way is a link.
        if rest == inside {
            return Ok(());
        }
        let mut at = self.lexical.clone();
        let mut parts = rest.components().peekable();
        while let Some(part) = parts.next() {
            at.push(part);
            let linked = std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_symlink());
            if linked && (parts.peek().is_some() || at.is_dir()) {
                return Err("refused: a linked folder is not followed".into());
            }
        }
        Ok(())
    }
}

impl Gate {
    /// The scan roots of the paths given on the command line.
    pub fn for_paths(paths: &[PathBuf]) -> Gate {
        let mut gate = Gate::default();
        for path in paths {
            let dir = if path.is_file() {
                path.parent().unwrap_or(Path::new(""))
            } else {
                path
            };
            let abs = absolute(dir);
            let top = abs
                .ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf);
            if let Some(top) = top {
                gate.add_root(&top);
            }
            // The folder itself too: a link given on the command line is followed.
            gate.add_root(&abs);
        }
        gate
    }

    /// Adds a folder whose files may be read (a scan root, or a policy
    /// folder given on the command line).
    pub fn add_root(&mut self, dir: &Path) {
        let lexical = absolute(dir);
        let canonical = std::fs::canonicalize(&lexical).unwrap_or_else(|_| lexical.clone());
        if !self.roots.iter().any(|r| r.canonical == canonical) {
            self.roots.push(Root { lexical, canonical });
        }
    }

    /// True if `dir` is a scan root or inside one (by name, as written).
    pub fn covers(&self, dir: &Path) -> bool {
        let abs = absolute(dir);
        self.roots.iter().any(|r| abs.starts_with(&r.lexical))
    }

    /// Checks that `path`, named by a file or found by a walk, resolves
    /// inside a scan root without passing through a linked folder or a
    /// version-control folder; returns the resolved path.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, String> {
        let abs = absolute(path);
        let canonical = match std::fs::canonicalize(&abs) {
            Ok(c) => c,
            // Whether something outside the repository exists is not told:
            // a path outside, a link that resolves nowhere, or a path through
            // a linked folder is refused alike.
            Err(_)
                if !self.covers(&abs)
                    || std::fs::symlink_metadata(&abs).is_ok()
                    || self.through_link(&abs) =>
            {
                return Err(OUTSIDE.into())
            }
            Err(e) => return Err(format!("cannot read: {e}")),
        };
        let mut verdict = Err(OUTSIDE.to_string());
        for root in (self.roots.iter()).filter(|r| below(&canonical, &r.canonical).is_some()) {
            verdict = root.admits(&abs, &canonical).map(|()| canonical.clone());
            if verdict.is_ok() {
                break;
            }
        }
        verdict
    }

    /// True if a folder on the way to `abs`, below the nearest scan root
    /// that holds it (a linked root given on the command line is followed),
    /// is a link.
    fn through_link(&self, abs: &Path) -> bool {
        let is_root = |dir: &Path| self.roots.iter().any(|r| dir == r.lexical);
        abs.ancestors()
            .skip(1)
            .take_while(|dir| !is_root(dir))
            .any(|dir| std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_symlink()))
    }

    /// Reads a file as text, at most [`MAX_FILE_BYTES`]; a UTF-8 byte order
    /// mark is dropped. A refused file is never opened, and its content
    /// never appears in the error.
    pub fn read(&self, path: &Path, trust: Trust) -> Result<String, ReadError> {
        let (file, meta) = self.open(path, trust)?;
        read_limited(file, meta.len())
    }

    /// Opens a file to read as [`Gate::read`] does, and tells what it is.
    pub fn open(&self, path: &Path, trust: Trust) -> Result<(File, Metadata), ReadError> {
        Ok(match trust {
            Trust::Named => {
                let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
                refuse_kind(path, &meta, trust)?;
                let file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
                (file, meta)
            }
            Trust::Confined => match self.open_plain(path) {
                Some(opened) => opened,
                None => open_checked(&self.confine(path)?, Resolved::Before)?,
            },
        })
    }

    /// Opens `path` where it is written, when that is inside a scan root
    /// and outside version-control folders, and what is opened is there:
    /// no link on the way and not a link itself (see [`open_checked`]),
    /// which is what [`Gate::confine`] admits. `None` for anything else,
    /// which is then resolved and told apart by [`Gate::confine`].
    fn open_plain(&self, path: &Path) -> Option<(File, Metadata)> {
        let abs = absolute(path);
        let inside = self.roots.iter().find_map(|r| below(&abs, &r.canonical))?;
        match in_vcs(inside) {
            true => None,
            false => open_checked(&abs, Resolved::Not).ok(),
        }
    }

    /// Like [`Gate::read`], with the error as a message.
    pub fn read_text(&self, path: &Path, trust: Trust) -> Result<String, String> {
        self.read(path, trust).map_err(|e| e.message)
    }
}

/// Reads text from a stream (a file, standard input) as [`Gate::read`]
/// does: at most [`MAX_FILE_BYTES`], a UTF-8 byte order mark dropped;
/// `size` is the expected size (0 when unknown).
pub fn read_limited(stream: impl Read, size: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::with_capacity(size.min(MAX_FILE_BYTES + 1) as usize);
    stream
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let mib = MAX_FILE_BYTES >> 20;
        return Err(format!("file is larger than {mib} MiB, not linted").into());
    }
    decode(bytes)
}

/// How sure it is that a path has no link on its way.
#[derive(Clone, Copy, PartialEq)]
enum Resolved {
    /// Resolved just before ([`Gate::confine`]).
    Before,
    /// Not resolved ([`Gate::open_plain`]): admitted only if `/proc` shows
    /// the file opened is there.
    Not,
}

/// Opens `checked`, refusing whatever changed since it was resolved: a
/// component that became a link, a file that became a FIFO or a device
/// (opened without blocking, then refused); gives the file and what it is.
fn open_checked(checked: &Path, resolved: Resolved) -> Result<(File, Metadata), String> {
    let file = match open_through_no_link(checked) {
        Some(opened) => opened.map_err(open_error)?,
        None => open_then_look(checked, resolved)?,
    };
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("refused: not a regular file".into());
    }
    Ok((file, meta))
}

/// The flags every confined file is opened with.
const OPEN_FLAGS: libc::c_int = libc::O_NOFOLLOW | libc::O_NONBLOCK;

/// Why opening a confined file failed: a link where none may be is outside.
fn open_error(e: std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ELOOP) => OUTSIDE.to_string(),
        _ => format!("cannot read: {e}"),
    }
}

/// Opens `path` refusing a link anywhere on its way (`openat2` with
/// `RESOLVE_NO_SYMLINKS`, one walk of the path); `None` where the kernel
/// offers no `openat2` (before Linux 5.6, or a sandbox that forbids it).
#[cfg(target_os = "linux")]
fn open_through_no_link(path: &Path) -> Option<std::io::Result<File>> {
    use std::os::fd::FromRawFd;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `open_how` is plain data, for which zero is a valid value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (OPEN_FLAGS | libc::O_RDONLY | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: the name is NUL-terminated and `how` is as large as told.
    let fd = unsafe {
        let size = std::mem::size_of::<libc::open_how>();
        libc::syscall(libc::SYS_openat2, libc::AT_FDCWD, name.as_ptr(), &how, size)
    };
    if fd >= 0 {
        // SAFETY: the descriptor was just opened and nothing else owns it.
        return Some(Ok(unsafe { File::from_raw_fd(fd as libc::c_int) }));
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS | libc::EPERM | libc::EINVAL | libc::E2BIG) => None,
        _ => Some(Err(e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn open_through_no_link(_: &Path) -> Option<std::io::Result<File>> {
    None
}

/// Opens `checked` without following a last link, then asks `/proc` where
/// the file opened is: a folder on the way swapped for a link shows there.
/// Without `/proc`, a path not resolved `Before` is refused.
fn open_then_look(checked: &Path, resolved: Resolved) -> Result<File, String> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(checked)
        .map_err(open_error)?;
    match std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(opened) if opened == checked => Ok(file),
        Err(_) if resolved == Resolved::Before => Ok(file),
        _ => Err(OUTSIDE.into()),
    }
}

/// Only regular files are opened; the command line may also name a FIFO or
/// a character device (`--var-file <(...)`, `/dev/stdin`). Nothing under
/// `/proc` or `/sys` is read but such a FIFO.
fn refuse_kind(path: &Path, meta: &Metadata, trust: Trust) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err("is a folder".into());
    }
    let special = kind.is_fifo() || kind.is_char_device();
    if trust == Trust::Named && special {
        return Ok(());
    }
    let system =
        std::fs::canonicalize(path).is_ok_and(|p| p.starts_with("/proc") || p.starts_with("/sys"));
    if !kind.is_file() || system {
        return Err("refused: not a regular file".into());
    }
    Ok(())
}

/// Bytes to text: a byte order mark is dropped; NUL bytes are refused;
/// invalid UTF-8 keeps its lossily decoded text so the error can point into it.
fn decode(mut bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return Err(format!("binary file (NUL byte at offset {at}), not linted").into());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ReadError {
            message: "not valid UTF-8".into(),
            text: Some((String::from_utf8_lossy(e.as_bytes()).into_owned(), at)),
        }
    })
}

/// True if a name in `path` is a version-control folder.
fn in_vcs(path: &Path) -> bool {
    let names = path.as_os_str().as_bytes().split(|&b| b == b'/');
    names
        .into_iter()
        .any(|n| VCS_DIRS.iter().any(|v| n == v.as_bytes()))
}

/// What is left of `path` below `dir` (both absolute, as [`normalize`]
/// and links' resolution give them), or `None` when `path` is not at or
/// below `dir`; compared as bytes, as `Path::strip_prefix` compares names.
fn below<'p>(path: &'p Path, dir: &Path) -> Option<&'p Path> {
    let (path, dir) = (path.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
    let rest = path.strip_prefix(dir)?;
    let rest = match rest.strip_prefix(b"/") {
        Some(rest) if !dir.ends_with(b"/") => rest,
        _ if rest.is_empty() || dir.ends_with(b"/") => rest,
        _ => return None,
    };
    Some(Path::new(std::ffi::OsStr::from_bytes(rest)))
}

/// `path` made absolute against the working directory, with `.` and `..`
/// resolved by name, without touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    // Nothing changes the working directory during a run.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let joined = match CWD.get_or_init(|| std::env::current_dir().ok()) {
        Some(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    normalize(&joined)
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    match is_normal(path.as_os_str().as_bytes()) {
        true => path.to_path_buf(),
        false => by_components(path),
    }
}

/// [`normalize`], a name at a time.
fn by_components(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// True if [`normalize`] leaves `path` as it is: no `.` or `..` name, no
/// empty one (`a//b`, a trailing `/`) but the root's.
fn is_normal(path: &[u8]) -> bool {
    let names = path.strip_prefix(b"/").unwrap_or(path);
    path == b"/"
        || (names.split(|&b| b == b'/')).all(|n| !matches!(n, b"" | b"." | b".."))
        || path.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_left_as_they_are_are_normal_already() {
        let names = ["", "/", "a", "bb", ".", "..", ".a", "a.", "...", "-"];
        let mut paths = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = (paths.iter())
                .flat_map(|p| names.iter().map(move |n| format!("{p}{n}/")))
                .chain(
                    paths
                        .iter()
                        .flat_map(|p| names.iter().map(move |n| format!("{p}{n}"))),
                )
                .collect();
            paths.extend(longer);
        }
        let mut normal = 0;
        for p in &paths {
            let path = Path::new(p);
            assert_eq!(normalize(path), by_components(path), "{p:?}");
            if is_normal(p.as_bytes()) {
                normal += 1;
                assert_eq!(by_components(path).as_os_str(), path.as_os_str(), "{p:?}");
            }
        }
        assert!(normal > 1000, "{normal} of {}", paths.len());
    }

    fn repo() -> (tempfile::TempDir, Gate) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo/sub")).unwrap();
        std::fs::write(dir.path().join("repo/sub/a.yaml"), "a: 1").unwrap();
        std::fs::write(dir.path().join("outside.yaml"), "secret: 1").unwrap();
        let gate = Gate::for_paths(&[dir.path().join("repo/sub")]);
        (dir, gate)
    }

    #[test]
    fn the_root_is_the_git_top_level() {
        let (dir, gate) = repo();
        let root = std::fs::canonicalize(dir.path().join("repo")).unwrap();
        assert_eq!(gate.roots[0].canonical, root);
    }

    #[test]
    fn reads_outside_the_root_are_refused_unless_named() {
        let (dir, gate) = repo();
        let inside = dir.path().join("repo/sub/a.yaml");
        assert_eq!(gate.read_text(&inside, Trust::Confined).unwrap(), "a: 1");
        let chain = dir.path().join("repo/sub/../../outside.yaml");
        let err = gate.read_text(&chain, Trust::Confined).unwrap_err();
        assert!(err.contains("outside the repository"), "{err}");
        assert!(!err.contains("secret"));
        assert_eq!(gate.read_text(&chain, Trust::Named).unwrap(), "secret: 1");
    }

    #[test]
    fn links_to_files_inside_are_followed_links_to_folders_are_not() {
        let (dir, gate) = repo();
        let repo = dir.path().join("repo");
        std::os::unix::fs::symlink(repo.join("sub/a.yaml"), repo.join("link.yaml")).unwrap();
        std::os::unix::fs::symlink(repo.join("sub"), repo.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.yaml"), repo.join("out.yaml")).unwrap();
        assert!(gate.read(&repo.join("link.yaml"), Trust::Confined).is_ok());
        let err = gate
            .read_text(&repo.join("dirlink/a.yaml"), Trust::Confined)
            .unwrap_err();
        assert!(err.contains("linked folder"), "{err}");
        let err = gate
            .read_text(&repo.join("out.yaml"), Trust::Confined)
            .unwrap_err();
        assert!(err.contains("outside"), "{err}");
        // Opened where they are written, only what has no link on its way.
        let gate = Gate::for_paths(std::slice::from_ref(&repo));
        assert!(gate.open_plain(&repo.join("sub/a.yaml")).is_some());
        for linked in ["link.yaml", "dirlink/a.yaml", "out.yaml"] {
            assert!(gate.open_plain(&repo.join(linked)).is_none(), "{linked}");
        }
        let err = open_checked(&repo.join("dirlink/a.yaml"), Resolved::Not).unwrap_err();
        assert!(err.contains("outside"), "{err}");
    }

    #[test]
    fn version_control_folders_and_special_files_are_refused() {
        let (dir, gate) = repo();
        let repo = dir.path().join("repo");
        std::fs::write(repo.join(".git/config"), "x").unwrap();
        let err = gate
            .read_text(&repo.join(".git/config"), Trust::Confined)
            .unwrap_err();
        assert!(err.contains("version-control"), "{err}");
        let fifo = repo.join("pipe.tf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = gate.read_text(&fifo, Trust::Confined).unwrap_err();
            assert!(err.contains("not a regular file"), "{err}");
        }
        let err = Gate::default()
            .read_text(Path::new("/proc/self/environ"), Trust::Named)
            .unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_folder_swapped_for_a_link_after_the_check_is_refused() {
        let (dir, gate) = repo();
        let repo = dir.path().join("repo");
        std::fs::write(dir.path().join("outside.yaml"), "secret: 1").unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::fs::write(dir.path().join("elsewhere/a.yaml"), "secret: 2").unwrap();
        let checked = gate.confine(&repo.join("sub/a.yaml")).unwrap();
        // What a process beside the scan could do between check and open.
        std::fs::rename(repo.join("sub"), repo.join("old")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), repo.join("sub")).unwrap();
        let err = open_checked(&checked, Resolved::Before).unwrap_err();
        assert!(err.contains("outside"), "{err}");
        // Both ways of opening refuse it: one walk that allows no link, and
        // an open followed by a look at `/proc` where `openat2` is missing.
        if let Some(opened) = open_through_no_link(&checked) {
            assert_eq!(opened.unwrap_err().raw_os_error(), Some(libc::ELOOP));
        }
        for resolved in [Resolved::Before, Resolved::Not] {
            let err = open_then_look(&checked, resolved).unwrap_err();
            assert!(err.contains("outside"), "{err}");
        }
        std::fs::remove_file(repo.join("sub")).unwrap();
        std::fs::rename(repo.join("old"), repo.join("sub")).unwrap();
        assert!(open_through_no_link(&checked).is_none_or(|opened| opened.is_ok()));
        assert!(open_then_look(&checked, Resolved::Not).is_ok());
    }

    #[test]
    fn a_folder_read_before_and_swapped_for_a_link_is_refused() {
        let (dir, gate) = repo();
        let repo = dir.path().join("repo");
        std::fs::write(repo.join("sub/b.yaml"), "b: 1").unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::fs::write(dir.path().join("elsewhere/b.yaml"), "secret: 2").unwrap();
        // The folder is read from where it is written, with no link on its way.
        assert_eq!(
            gate.read_text(&repo.join("sub/a.yaml"), Trust::Confined)
                .unwrap(),
            "a: 1"
        );
        std::fs::rename(repo.join("sub"), repo.join("old")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), repo.join("sub")).unwrap();
        let err = gate
            .read_text(&repo.join("sub/b.yaml"), Trust::Confined)
            .unwrap_err();
        assert!(err.contains("outside") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn whether_a_path_outside_exists_is_not_told() {
        let (dir, gate) = repo();
        let there = gate.confine(&dir.path().join("outside.yaml")).unwrap_err();
        let missing = gate.confine(&dir.path().join("no-such.yaml")).unwrap_err();
        assert_eq!(there, missing);
        let inside = gate
            .confine(&dir.path().join("repo/no-such.yaml"))
            .unwrap_err();
        assert!(inside.starts_with("cannot read"), "{inside}");
        // Nor through a linked folder that leads out.
        let linked = dir.path().join("repo/sub/linked");
        std::os::unix::fs::symlink(dir.path(), &linked).unwrap();
        let there = gate.confine(&linked.join("outside.yaml")).unwrap_err();
        let missing = gate.confine(&linked.join("no-such.yaml")).unwrap_err();
        assert_eq!(there, missing);
        // A linked folder named on the command line is followed: what is
        // missing in it is missing.
        let named = Gate::for_paths(std::slice::from_ref(&linked));
        let missing = named.confine(&linked.join("no-such.yaml")).unwrap_err();
        assert!(missing.starts_with("cannot read"), "{missing}");
    }

    #[test]
    fn below_is_strip_prefix_for_absolute_paths() {
        let cases = [
            ("/a/b/c", "/a"),
            ("/a/b", "/a/b"),
            ("/ab/c", "/a"),
            ("/a", "/a/b"),
            ("/a/b", "/"),
            ("/", "/"),
            ("/x", "/a"),
        ];
        for (path, dir) in cases {
            let (path, dir) = (Path::new(path), Path::new(dir));
            assert_eq!(
                below(path, dir),
                path.strip_prefix(dir).ok(),
                "{path:?} {dir:?}"
            );
        }
    }

    #[test]
    fn decoding_drops_the_bom_and_points_at_bad_bytes() {
        assert_eq!(decode(b"\xEF\xBB\xBFa".to_vec()).unwrap(), "a");
        let err = decode(b"ab\xFFc".to_vec()).unwrap_err();
        assert_eq!(err.text.unwrap().1, 2);
        assert!(decode(b"a\0".to_vec()).unwrap_err().message.contains("NUL"));
    }
}
