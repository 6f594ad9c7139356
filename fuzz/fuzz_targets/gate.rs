//! The file gate: any path a template or module may name, relative to a
//! folder of a repository holding links out, a link to a folder, a FIFO and
//! a version-control folder. Whatever is confined stays inside the
//! repository, and nothing outside it is ever read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use tenken::gate::{Gate, Trust};

const SECRET: &str = "FUZZ-SECRET";

/// `t/repo` (the scan root) and `t/outside`, made once.
static TREE: LazyLock<(PathBuf, Gate)> = LazyLock::new(|| {
    let t = std::env::temp_dir().join(format!("tenken-fuzz-gate-{}", std::process::id()));
    let repo = t.join("repo");
    let _ = std::fs::remove_dir_all(&t);
    for dir in ["repo/.git", "repo/sub", "outside"] {
        std::fs::create_dir_all(t.join(dir)).unwrap();
    }
    std::fs::write(repo.join("a.yaml"), "a: 1").unwrap();
    std::fs::write(repo.join("sub/b.tf"), "locals {}").unwrap();
    std::fs::write(repo.join(".git/config"), SECRET).unwrap();
    std::fs::write(t.join("outside/s.yaml"), SECRET).unwrap();
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, repo.join(at)).unwrap();
    link(&repo.join("a.yaml"), "in.yaml");
    link(&t.join("outside/s.yaml"), "out.yaml");
    link(&t.join("outside"), "outdir");
    link(&repo.join("sub"), "subdir");
    let fifo = std::process::Command::new("mkfifo")
        .arg(repo.join("pipe.tf"))
        .status();
    assert!(fifo.is_ok_and(|s| s.success()));
    let gate = Gate::for_paths(&[repo.clone()]);
    (repo, gate)
});

fuzz_target!(|bytes: &[u8]| {
    let (repo, gate) = &*TREE;
    let named = repo.join("sub").join(OsStr::from_bytes(bytes));
    let root = std::fs::canonicalize(repo).unwrap();
    if let Ok(resolved) = gate.confine(&named) {
        assert!(resolved.starts_with(&root), "{resolved:?}");
        assert!(!resolved.components().any(|c| c.as_os_str() == ".git"));
    }
    if let Ok(text) = gate.read_text(&named, Trust::Confined) {
        assert!(!text.contains(SECRET), "{named:?}");
    }
});
