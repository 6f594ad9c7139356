//! Nested stacks: an `AWS::CloudFormation::Stack` whose `TemplateURL` is a
//! local path is followed like a Terraform local module, with the
//! `Parameters` it passes; its resources are addressed `Stack/Resource`.
//! A stack whose template is not a local file (a URL, a dynamic reference, a
//! value known only at deployment, an application from the Serverless
//! Application Repository) is not followed, with a note.

use super::parameters::Overrides;
use super::template;
use crate::budget::Budget;
use crate::diag::Problem;
use crate::model::{Map, Node, Origin, Unit, Value};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

pub(super) const STACK: &str = "AWS::CloudFormation::Stack";
/// A SAM application: a nested stack whose template is at `Location`.
pub(super) const APPLICATION: &str = "AWS::Serverless::Application";

/// Nested stacks deeper than this are not followed.
const MAX_DEPTH: usize = 16;

/// Templates read ahead of linting: every template by path, and which of them
/// are nested under a top-level template (those are linted through it).
#[derive(Debug, Default)]
pub struct ReadAhead {
    pub templates: HashMap<PathBuf, FileId>,
    pub children: BTreeSet<FileId>,
    /// The templates that nest another.
    pub parents: BTreeSet<FileId>,
    pub problems: Vec<Problem>,
}

impl ReadAhead {
    /// Keeps in `children` only the templates reachable from one that no
    /// other template nests (a cycle without such a root is linted as is).
    fn reachable_from_roots(&mut self, edges: &BTreeMap<FileId, Vec<FileId>>) {
        let mut work: Vec<FileId> = edges
            .keys()
            .filter(|id| !self.children.contains(id))
            .copied()
            .collect();
        let mut reached = BTreeSet::new();
        while let Some(id) = work.pop() {
            for &child in edges.get(&id).into_iter().flatten() {
                if reached.insert(child) {
                    work.push(child);
                }
            }
        }
        self.children = reached;
    }
}

/// True if a template's text may nest another template.
pub fn may_nest(text: &str) -> bool {
    text.contains(STACK) || text.contains(APPLICATION)
}

/// Finds the local nested templates of `ids` (recursively), reading those not
/// yet in `sources` with `read`.
pub fn read_ahead(
    sources: &mut SourceMap,
    ids: &[FileId],
    read: impl Fn(&Path) -> Result<String, String>,
) -> ReadAhead {
    let mut out = ReadAhead::default();
    for &id in ids {
        out.templates
            .insert(sources.get(id).path().to_path_buf(), id);
    }
    let mut work: Vec<FileId> = ids.to_vec();
    let mut seen: BTreeSet<FileId> = ids.iter().copied().collect();
    let mut edges: BTreeMap<FileId, Vec<FileId>> = BTreeMap::new();
    while let Some(id) = work.pop() {
        let file = sources.get(id).clone();
        edges.entry(id).or_default();
        if !may_nest(&file.text) {
            continue;
        }
        let Ok(doc) = super::parse_document(&file, id) else {
            continue;
        };
        for (url, span) in template_urls(&doc) {
            let Some(path) = local_path(file.path(), url) else {
                continue;
            };
            let child = match out.templates.get(&path) {
                Some(&child) => Ok(child),
                None => read(&path).map(|text| {
                    let name = path.display().to_string();
                    let child = sources.add(SourceFile::new(name, path.clone(), text));
                    out.templates.insert(path.clone(), child);
                    child
                }),
            };
            let child = child.and_then(|c| is_template(&path, &sources.get(c).text).map(|()| c));
            let child = match child {
                Ok(child) => child,
                Err(e) => {
                    out.problems.push(Problem::new(
                        span,
                        format!("nested stack template {}: {e}", path.display()),
                    ));
                    continue;
                }
            };
            out.children.insert(child);
            edges.entry(id).or_default().push(child);
            if seen.insert(child) {
                work.push(child);
            }
        }
    }
    out.parents = (edges.iter())
        .filter(|(_, children)| !children.is_empty())
        .map(|(&id, _)| id)
        .collect();
    out.reachable_from_roots(&edges);
    out
}

/// A nested template must be named and written like one; any other file
/// is refused without showing its content.
fn is_template(path: &Path, text: &str) -> Result<(), String> {
    let named = crate::discover::kind_of(path) == Some(crate::discover::Kind::Template);
    match named && super::might_be_template(text) {
        true => Ok(()),
        false => Err("not a CloudFormation template, not read".into()),
    }
}

/// Literal `TemplateURL`s of the nested stacks of a template (and `Location`s
/// of its SAM applications).
fn template_urls(doc: &Node) -> Vec<(&str, Span)> {
    let Some(Value::Map(resources)) = doc.get("Resources").map(|r| &r.value) else {
        return Vec::new();
    };
    resources
        .values()
        .filter_map(|r| {
            let key = match r.get("Type").and_then(Node::as_str)? {
                STACK => "TemplateURL",
                APPLICATION => "Location",
                _ => return None,
            };
            let url = r.get("Properties")?.get(key)?;
            Some((url.as_str()?, url.span))
        })
        .collect()
}

/// The local file a `TemplateURL` names, relative to the parent template;
/// `None` for a URL (`https://`, `s3://`) or a dynamic reference (`{{resolve:..}}`).
fn local_path(parent: &Path, url: &str) -> Option<PathBuf> {
    let url = url.strip_prefix("file://").unwrap_or(url);
    if url.contains("://") || url.is_empty() || super::is_dynamic_reference(url) {
        return None;
    }
    Some(crate::gate::normalize(
        &parent.parent().unwrap_or(Path::new("")).join(url),
    ))
}

/// Follows nested stacks while a template is normalized, tracking the chain
/// of templates to detect cycles; they share one budget.
pub struct Loader<'s> {
    sources: Option<&'s SourceMap>,
    templates: Option<&'s HashMap<PathBuf, FileId>>,
    chain: Vec<FileId>,
    pub(super) budget: Rc<Budget>,
    /// Resources are built without their native properties (see
    /// [`super::Inputs`]).
    pub skip_native: bool,
}

impl<'s> Loader<'s> {
    pub fn new(
        sources: &'s SourceMap,
        templates: &'s HashMap<PathBuf, FileId>,
        root: FileId,
    ) -> Loader<'s> {
        Loader {
            sources: Some(sources),
            templates: Some(templates),
            chain: vec![root],
            budget: Rc::default(),
            skip_native: false,
        }
    }

    /// The files read, when nested stacks are followed.
    pub(super) fn sources(&self) -> Option<&'s SourceMap> {
        self.sources
    }

    /// A loader that follows nothing.
    pub fn none() -> Loader<'static> {
        Loader {
            sources: None,
            templates: None,
            chain: Vec::new(),
            budget: Rc::default(),
            skip_native: false,
        }
    }

    /// Adds the resources of the nested stack at `address` (resolved
    /// properties `props`) to `unit`; returns the stack's resolved outputs.
    pub fn follow(
        &mut self,
        address: &str,
        props: &Node,
        unit: &mut Unit,
        problems: &mut Vec<Problem>,
    ) -> Map {
        let none = Map::new();
        let (Some(sources), Some(templates), Some(&parent)) =
            (self.sources, self.templates, self.chain.last())
        else {
            return none;
        };
        let Some(url) = props.get("TemplateURL") else {
            let at = props.get("Location").unwrap_or(props);
            unit.notes
                .push(not_followed(address, at, "has no local template"));
            return none;
        };
        let Some(text) = url.as_str() else {
            let why = "has a template location known only at deployment";
            unit.notes.push(not_followed(address, url, why));
            return none;
        };
        let Some(path) = local_path(sources.get(parent).path(), text) else {
            let why = format!("has its template at {text}, not in a local file");
            unit.notes.push(not_followed(address, url, &why));
            return none;
        };
        let Some(&child) = templates.get(&path) else {
            return none;
        };
        if self.chain.contains(&child) || self.chain.len() > MAX_DEPTH {
            let mut names: Vec<String> = self
                .chain
                .iter()
                .map(|&id| sources.get(id).name.clone())
                .collect();
            names.push(sources.get(child).name.clone());
            let what = if self.chain.contains(&child) {
                "nested stack cycle"
            } else {
                "nested stacks too deep"
            };
            problems.push(Problem::new(
                url.span,
                format!("{what}: {}", names.join(" → ")),
            ));
            return none;
        }
        let doc = match super::parse_document(sources.get(child), child) {
            Ok(doc) => doc,
            Err(problem) => {
                problems.push(problem);
                return none;
            }
        };
        let supplied = passed_parameters(address, props);
        self.chain.push(child);
        let outputs = template::add_resources(
            &doc,
            &supplied,
            self,
            &format!("{address}/"),
            unit,
            problems,
        );
        self.chain.pop();
        outputs
    }
}

/// The note for a nested stack whose template is not read.
fn not_followed(address: &str, at: &Node, why: &str) -> Problem {
    Problem::new(
        at.label_span(),
        format!("nested stack {address} {why}; its resources are not checked"),
    )
}

/// The `Parameters` a nested stack passes, each remembering where it was written.
fn passed_parameters(address: &str, props: &Node) -> Overrides {
    let Some(Value::Map(params)) = props.get("Parameters").map(|p| &p.value) else {
        return Overrides::new();
    };
    params
        .iter()
        .map(|(name, value)| {
            let mut value = value.clone();
            if value.origin.is_none() {
                value.origin = Some(Arc::new(Origin::new(
                    value.label_span(),
                    format!("parameter {name} passed by nested stack {address}"),
                )));
            }
            value.key_span = None;
            (name.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::local_path;
    use std::path::{Path, PathBuf};

    #[test]
    fn template_urls_resolve_relative_to_the_parent() {
        let parent = Path::new("stacks/main.yaml");
        assert_eq!(
            local_path(parent, "./child/net.yaml"),
            Some(PathBuf::from("stacks/child/net.yaml"))
        );
        assert_eq!(
            local_path(parent, "../shared.yaml"),
            Some(PathBuf::from("shared.yaml"))
        );
        for url in [
            "https://s3.amazonaws.com/b/t.yaml",
            "s3://bucket/t.yaml",
            "{{resolve:ssm:/stacks/child-url}}",
        ] {
            assert_eq!(local_path(parent, url), None, "{url}");
        }
    }
}
