//! From what a caller asks for to a run's [`Options`]: the command line's
//! options or an editor's settings, with the project configuration
//! (`.tenken.yaml`) read and joined in: lists are joined, single values the
//! caller gives win. `tenken check`, `tenken baseline create` and
//! `tenken lsp` all start here.

use crate::config;
use crate::gate::{Gate, Trust};
use crate::pipeline::{Options, Outcome, Selection};
use crate::policy::Severity;
use crate::source::SourceMap;
use crate::{engine, terraform};
use std::path::PathBuf;

/// Where the configuration is.
#[derive(Clone, Debug)]
pub enum ConfigAt {
    /// A file the user named (read wherever it is).
    File(PathBuf),
    /// The first `.tenken.yaml` in this folder or one above it, inside the gate.
    SearchFrom(PathBuf),
    /// None is read.
    Skip,
}

/// What a caller asks for, before the configuration is read.
#[derive(Clone, Debug)]
pub struct Request {
    pub paths: Vec<PathBuf>,
    /// What may be read.
    pub gate: Gate,
    pub config: ConfigAt,
    pub exclude: Vec<String>,
    pub policy_dirs: Vec<PathBuf>,
    pub selection: Selection,
    pub strict: bool,
    /// Enumerate allowed values of inputs with a default too.
    pub all_values: bool,
    /// CloudFormation parameters as `Key=Value` arguments.
    pub parameters: Vec<(String, String)>,
    /// CloudFormation parameter files.
    pub parameter_files: Vec<PathBuf>,
    pub terraform: terraform::Inputs,
}

/// A run's options, and the severity the configuration fails on.
#[derive(Debug)]
pub struct Configured {
    pub options: Options,
    pub fail_on: Option<Severity>,
}

impl Request {
    /// Reads the configuration and joins it with the request; an invalid
    /// configuration is the outcome of a run that could not start.
    pub fn configure(self) -> Result<Configured, Box<Outcome>> {
        let path = match &self.config {
            ConfigAt::File(p) => Some((p.clone(), Trust::Named)),
            ConfigAt::SearchFrom(dir) => {
                config::find(dir, &self.gate).map(|p| (p, Trust::Confined))
            }
            ConfigAt::Skip => None,
        };
        let mut sources = SourceMap::default();
        let loaded = path.map(|(p, trust)| config::load(&p, trust, &self.gate, &mut sources));
        let loaded = match loaded.transpose() {
            Ok(loaded) => loaded,
            Err(problem) => {
                return Err(Box::new(Outcome {
                    sources,
                    errors: vec![problem],
                    ..Default::default()
                }))
            }
        };
        let c = loaded.as_ref().map(|l| &l.config);
        let mut selection = self.selection;
        if let Some(c) = c {
            selection.add_config(c);
        }
        let options = Options {
            paths: self.paths,
            gate: self.gate,
            exclude: (c.iter().flat_map(|c| c.exclude.iter().cloned()))
                .chain(self.exclude)
                .collect(),
            policy_dirs: (loaded.iter().flat_map(|l| l.policy_dirs()))
                .chain(self.policy_dirs)
                .collect(),
            selection,
            engine: engine::Settings {
                strict: self.strict,
                all_values: self.all_values,
                ..Default::default()
            },
            overrides: loaded.as_ref().map(|l| l.overrides()).unwrap_or_default(),
            parameters: self.parameters,
            parameter_files: self.parameter_files,
            terraform: self.terraform,
            ..Default::default()
        };
        Ok(Configured {
            options,
            fail_on: c.and_then(|c| c.fail_on),
        })
    }
}
