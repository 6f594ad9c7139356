//! What the server lints with: the settings gathered from the workspace and
//! the client, and the policies they select, compiled once per change.

use crate::config::{self, Overrides};
use crate::diag::Problem;
use crate::gate::{Gate, Trust};
use crate::pipeline::{self, Selection};
use crate::policy::Policy;
use crate::source::SourceMap;
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
}

impl ClientOptions {
    /// The options in `workspace/didChangeConfiguration` settings: under a
    /// `tenken` key, or at the top when they hold tenken's keys; `None` if absent.
    pub fn from_settings(settings: serde_json::Value) -> Option<ClientOptions> {
        let ours = |v: &serde_json::Value| {
            ["policies", "strict", "debounceMs"]
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
    pub selection: Selection,
    pub strict: bool,
    pub debounce: Duration,
}

impl Settings {
    /// The client's options, resolved against the workspace root. The
    /// project configuration (`.tenken.yaml` from the root) is read by
    /// [`Rules::load`], so a change to it only needs a reload.
    pub fn resolve(root: Option<PathBuf>, options: &ClientOptions) -> Settings {
        let base = root.clone().unwrap_or_default();
        Settings {
            policy_dirs: options.policies.iter().map(|d| base.join(d)).collect(),
            selection: Selection::default(),
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

/// The compiled policies and the selection to run.
pub struct Rules {
    pub policies: Vec<Policy>,
    /// Indexes into `policies` of the ones that run.
    selected: Vec<usize>,
    pub strict: bool,
    /// Severity changes and rules off per path, from `.tenken.yaml`.
    pub overrides: Overrides,
    /// The policy files (spans of `errors` point into them).
    pub sources: SourceMap,
    /// Problems with user policies or the selection.
    pub errors: Vec<Problem>,
    /// What may be read: the workspace folder (else the working directory).
    pub gate: Gate,
}

impl Rules {
    /// Loads the built-in policies and those of `settings` and of the
    /// project configuration.
    pub fn load(settings: &Settings) -> Rules {
        let mut sources = SourceMap::default();
        let mut errors = Vec::new();
        let mut policy_dirs = settings.policy_dirs.clone();
        let mut selection = settings.selection.clone();
        let mut overrides = Overrides::default();
        let mut gate = Gate::default();
        gate.add_root(settings.root.as_deref().unwrap_or(Path::new(".")));
        // The project configuration, as `tenken check` finds it from the root.
        let found = settings
            .root
            .as_deref()
            .and_then(|r| config::find(r, &gate));
        if let Some(path) = found {
            match config::load(&path, Trust::Confined, &gate, &mut sources) {
                Ok(loaded) => {
                    policy_dirs.extend(loaded.policy_dirs());
                    selection.add_config(&loaded.config);
                    overrides = loaded.overrides();
                }
                Err(problem) => errors.push(problem),
            }
        }
        let policies = pipeline::load_policies(&policy_dirs, &gate, &mut sources, &mut errors);
        let selected = match selection.matcher() {
            Ok(matcher) => (0..policies.len())
                .filter(|&i| matcher.selects(&policies[i]))
                .collect(),
            Err(e) => {
                errors.push(Problem::new(Default::default(), e));
                Vec::new()
            }
        };
        Rules {
            policies,
            selected,
            strict: settings.strict,
            overrides,
            sources,
            errors,
            gate,
        }
    }

    /// The policies that run.
    pub fn selected(&self) -> Vec<&Policy> {
        self.selected.iter().map(|&i| &self.policies[i]).collect()
    }

    pub fn find(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.spec.id == id)
    }
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
