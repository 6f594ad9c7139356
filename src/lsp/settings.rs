//! What the server lints with: the settings gathered from the workspace and
//! the client, and the policies they select, compiled once per change.

use crate::diag::Problem;
use crate::gate::Gate;
use crate::pipeline::{Options, Policies, Selection};
use crate::policy::Policy;
use crate::request::{ConfigAt, Request};
use crate::source::SourceMap;
use crate::terraform;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Quiet time after the last edit before a buffer is linted again.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// The client's `initializationOptions`, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientOptions {
    /// Folders of user policies (relative to the workspace root).
    pub policies: Vec<PathBuf>,
    /// Report checks that cannot be decided as information.
    pub strict: bool,
    /// Milliseconds of quiet before re-linting (default 150).
    pub debounce_ms: Option<u64>,
    /// CloudFormation parameter files (relative to the workspace root), as `--parameters`.
    pub parameters: Vec<PathBuf>,
    /// Terraform variables files (relative to the workspace root), as `--var-file`.
    pub var_files: Vec<PathBuf>,
}

impl ClientOptions {
    /// The options in `workspace/didChangeConfiguration` settings: under a
    /// `tenken` key, or at the top when they hold tenken's keys; `None` if absent.
    pub fn from_settings(settings: serde_json::Value) -> Option<ClientOptions> {
        let ours = |v: &serde_json::Value| {
            ["policies", "strict", "debounceMs", "parameters", "varFiles"]
                .iter()
                .any(|k| v.get(k).is_some())
        };
        let value = match settings.get("tenken") {
            Some(v) => v.clone(),
            None if ours(&settings) => settings,
            None => return None,
        };
        serde_json::from_value(value).ok()
    }
}

/// Everything that decides how buffers are linted.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub root: Option<PathBuf>,
    pub policy_dirs: Vec<PathBuf>,
    pub parameter_files: Vec<PathBuf>,
    pub var_files: Vec<PathBuf>,
    pub strict: bool,
    pub debounce: Duration,
}

impl Settings {
    /// The client's options, resolved against the workspace root. The
    /// project configuration (`.tenken.yaml` from the root) is read by
    /// [`Rules::load`], so a change to it only needs a reload.
    pub fn resolve(root: Option<PathBuf>, options: &ClientOptions) -> Settings {
        let base = root.clone().unwrap_or_default();
        let resolve = |paths: &[PathBuf]| paths.iter().map(|d| base.join(d)).collect();
        Settings {
            policy_dirs: resolve(&options.policies),
            parameter_files: resolve(&options.parameters),
            var_files: resolve(&options.var_files),
            strict: options.strict,
            debounce: options.debounce_ms.map_or(DEBOUNCE, Duration::from_millis),
            root,
        }
    }

    /// Whether a change to this file changes the settings or the policies.
    pub fn is_affected_by(&self, path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == ".tenken.yaml")
            || self.policy_dirs.iter().any(|d| path.starts_with(d))
    }
}

/// The options every lint starts from and the policies they run, loaded
/// once per change of the settings.
pub struct Rules {
    /// The run's options, as `tenken check` makes them from its arguments
    /// and the configuration; each lint sets the paths and buffers.
    pub options: Options,
    pub policies: Policies,
    /// Problems with the configuration, the user's policies or the
    /// selection, as `file:line:col: message`.
    pub problems: Vec<String>,
}

impl Rules {
    /// Reads the project configuration (found from the root, as `tenken
    /// check` finds it from the working directory) and loads the policies.
    pub fn load(settings: &Settings) -> Rules {
        let root = settings.root.clone().unwrap_or_else(|| PathBuf::from("."));
        let mut gate = Gate::default();
        gate.add_root(&root);
        let request = Request {
            paths: Vec::new(),
            gate: gate.clone(),
            config: ConfigAt::SearchFrom(root),
            exclude: Vec::new(),
            policy_dirs: settings.policy_dirs.clone(),
            selection: Selection::default(),
            strict: settings.strict,
            all_values: false,
            parameters: Vec::new(),
            parameter_files: settings.parameter_files.clone(),
            terraform: terraform::Inputs {
                var_files: settings.var_files.clone(),
                ..Default::default()
            },
        };
        let mut problems = Vec::new();
        let options = match request.clone().configure() {
            Ok(configured) => configured.options,
            Err(outcome) => {
                problems.extend(located(&outcome.sources, &outcome.errors));
                // The settings still apply without the configuration.
                let without = Request {
                    config: ConfigAt::Skip,
                    ..request
                };
                without.configure().map(|c| c.options).unwrap_or_default()
            }
        };
        let policies = Policies::load(&options);
        problems.extend(located(&policies.sources, &policies.errors));
        if let Err(e) = options.selection.matcher() {
            problems.push(e);
        }
        Rules {
            options,
            policies,
            problems,
        }
    }

    pub fn find(&self, id: &str) -> Option<&Policy> {
        self.policies.list.iter().find(|p| p.spec.id == id)
    }
}

/// `file:line:col: message` of each problem.
fn located(sources: &SourceMap, problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let file = sources.get(p.span.file);
            let at = file.line_col(p.span.start as usize);
            format!("{}:{}:{}: {}", file.name, at.line, at.column, p.message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_from_configuration_settings() {
        let nested = ClientOptions::from_settings(json!({"tenken": {"policies": ["p"]}}));
        assert_eq!(nested.unwrap().policies, vec![PathBuf::from("p")]);
        let flat = ClientOptions::from_settings(json!({"strict": true}));
        assert!(flat.unwrap().strict);
        assert!(ClientOptions::from_settings(json!({"yaml": {}})).is_none());
    }
}
