//! Planning a finding's fix: where each attribute the policy sets is
//! written (the value itself, or the variable, parameter or module input
//! it came from), or where it must be added, in the file's own shape.

use super::text::{insert, literal};
use super::{hcl, Edit, Fix, FixSpec, Syntax};
use crate::canonical::{native_path, snake_case};
use crate::cfn::{self, PARAMETER_TYPE};
use crate::engine::Finding;
use crate::model::{Format, Node, Resource, Unit, Value};
use crate::policy::Policy;
use crate::source::{FileId, SourceMap, Span};
use serde_json::Value as J;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The fixes of the `findings` of `unit` whose policy declares one.
pub fn plan(
    unit: &Unit,
    findings: &[Finding],
    policies: &[&Policy],
    sources: &SourceMap,
) -> Vec<Fix> {
    let mut planner = Planner {
        unit,
        sources,
        documents: HashMap::new(),
    };
    let mut fixes = Vec::new();
    for f in findings.iter().filter(|f| !f.undecided) {
        let Some(policy) = policies.iter().find(|p| p.spec.id == f.rule_id) else {
            continue;
        };
        let Some(spec) = &policy.spec.fix else {
            continue;
        };
        let Some(resource) = (unit.resources.iter())
            .find(|r| r.address == f.resource && r.native_type == f.resource_type)
        else {
            continue;
        };
        fixes.push(Fix {
            rule_id: f.rule_id.clone(),
            resource: f.resource.clone(),
            at: f.span,
            replaces: spec.replaces,
            edits: planner.edits(policy, spec, resource, f.span),
        });
    }
    fixes
}

struct Planner<'a> {
    unit: &'a Unit,
    sources: &'a SourceMap,
    /// CloudFormation templates as parsed, for the entries around an addition.
    documents: HashMap<FileId, Option<Arc<Node>>>,
}

/// An attribute path and the value to give it.
type Assignment<'a> = (&'a [String], &'a J);

/// Where a path leads: to a value, or to the mapping it is missing from.
enum Reached<'a> {
    Value(&'a Node),
    Missing { parent: &'a Node, depth: usize },
}

impl Planner<'_> {
    fn edits(
        &mut self,
        policy: &Policy,
        spec: &FixSpec,
        r: &Resource,
        at: Span,
    ) -> Result<Vec<Edit>, String> {
        let assignments = spec.assignments()?;
        let compiled = policy.compiled().map_err(|p| p.message.clone())?;
        let root = match compiled.for_each.is_empty() {
            true => &r.props,
            false => {
                let mut items = Vec::new();
                for path in compiled.for_each.iter().filter(|p| p.root == "resource") {
                    path.resolve(&r.props, &mut items);
                }
                let holds = |n: &&Node| {
                    let s = n.label_span();
                    s.file == at.file && s.start <= at.start && at.end <= s.end
                };
                (items.into_iter().filter(holds))
                    .min_by_key(|n| n.span.end - n.span.start)
                    .ok_or("the element the finding is about was not found")?
            }
        };
        for path in &spec.unless {
            let segs: Vec<String> = path.split('.').map(str::to_string).collect();
            if let Ok(Reached::Value(_)) = reach(root, &segs) {
                return Err(format!("it does not apply where `{path}` is set"));
            }
        }
        let mut edits = Vec::new();
        let mut missing: Vec<(&Node, usize, &[String], &J)> = Vec::new();
        for (path, value) in &assignments {
            match reach(root, path)? {
                Reached::Value(node) => edits.extend(self.replace(node, value)?),
                Reached::Missing { parent, depth } => missing.push((parent, depth, path, value)),
            }
        }
        if missing.is_empty() {
            return Ok(edits);
        }
        let from_root = std::ptr::eq(root, &r.props);
        match r.format {
            Format::Terraform => edits.extend(self.add_terraform(r, &missing, from_root)?),
            Format::CloudFormation => {
                for (parent, depth, path, value) in missing {
                    let whole = from_root && depth == 0;
                    edits.push(self.add_template(r, parent, whole, &path[depth..], path, value)?);
                }
            }
        }
        Ok(edits)
    }

    /// The edit giving an existing value `value` where it was written.
    fn replace(&self, node: &Node, value: &J) -> Result<Option<Edit>, String> {
        if node.to_json().as_ref() == Some(value) {
            return Ok(None);
        }
        if let Some(choice) = &node.branches {
            return Err(format!(
                "the value is chosen by the condition {}",
                choice.on
            ));
        }
        let current = match &node.value {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            _ => String::new(),
        };
        // Where the value is written as it is: where it came from (a
        // default, a tfvars line), else where it is used (a module input).
        let origin = node.origin.as_ref();
        let places = (origin.map(|o| (o.span, true)))
            .into_iter()
            .chain([(node.span, false)]);
        let found = places
            .filter(|_| !current.is_empty())
            .find_map(|(span, via_origin)| {
                let file = self.sources.get(span.file);
                let written = file.text.get(span.start as usize..span.end as usize)?;
                let quote = written.chars().next().filter(|c| *c == '"' || *c == '\'');
                let bare = written.trim_matches(|c| Some(c) == quote);
                bare.eq_ignore_ascii_case(&current)
                    .then_some((span, via_origin, quote))
            });
        let Some((span, via_origin, quote)) = found else {
            return Err(match origin {
                Some(o) => format!(
                    "the value comes from {}, where it is not written as a plain value",
                    o.label
                ),
                None => "the value is computed, not written as a plain value".into(),
            });
        };
        let users = self.users(span, via_origin);
        if users > 1 {
            return Err(match origin {
                Some(o) => format!(
                    "it comes from {}, which {users} resources use; change it there",
                    o.label
                ),
                None => format!("the value is written once for {users} resources (a YAML alias)"),
            });
        }
        let file = self.sources.get(span.file);
        let syntax = Syntax::of(&file.path);
        let text = match (quote, value) {
            (Some(q), J::String(s)) if syntax == Syntax::Yaml && !s.contains(q) => {
                format!("{q}{s}{q}")
            }
            (Some(q), J::Bool(_) | J::Number(_)) if syntax != Syntax::Hcl => {
                format!("{q}{value}{q}")
            }
            _ => literal(value, syntax),
        };
        Ok(Some(Edit { span, text }))
    }

    /// How many resources use the value written at `span` (through an
    /// origin there, when `origin`).
    fn users(&self, span: Span, origin: bool) -> usize {
        let mut users = BTreeSet::new();
        for r in &self.unit.resources {
            if uses(&r.props, span, origin) {
                users.insert(&r.address);
            }
        }
        users.len()
    }

    /// The edit adding `path` (of the canonical `whole_path`) to a
    /// CloudFormation resource: to its properties when `whole`, else to the
    /// mapping written at `parent`.
    fn add_template(
        &mut self,
        r: &Resource,
        parent: &Node,
        whole: bool,
        path: &[String],
        whole_path: &[String],
        value: &J,
    ) -> Result<Edit, String> {
        let file = if whole { r.span.file } else { parent.span.file };
        let sources = self.sources;
        let text = &sources.get(file).text;
        let doc = self
            .documents
            .entry(file)
            .or_insert_with(|| {
                cfn::parse_document(sources.get(file), file)
                    .ok()
                    .map(Arc::new)
            })
            .clone()
            .ok_or("the template does not parse")?;
        let doc = &doc;
        let (target, native) = if whole {
            let decl = find(doc, &|n| n.key_span == Some(r.span))
                .ok_or("the resource was not found in the template")?;
            let mut native = native_path(&r.native_type, &whole_path.join("."));
            if r.native_type != PARAMETER_TYPE {
                native.insert(0, "Properties".to_string());
            }
            (decl, native)
        } else {
            let map = find(doc, &|n| {
                n.span == parent.span && matches!(n.value, Value::Map(_))
            })
            .ok_or("the mapping to add to was not found in the template")?;
            (map, native_path("", &path.join(".")))
        };
        if self.users(target.span, false) > 1 {
            return Err("the mapping to add to is used by several resources (a YAML alias)".into());
        }
        // Follow the keys already written, then add the rest.
        let mut map = target;
        let mut rest = native.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            let next = match &map.value {
                Value::Map(m) => m.iter().find(|(k, _)| snake_case(k) == snake_case(first)),
                _ => None,
            };
            match next {
                Some((_, n)) if matches!(n.value, Value::Map(_)) => (map, rest) = (n, tail),
                Some((k, _)) => return Err(format!("`{k}` is not written as a mapping")),
                None => break,
            }
        }
        if rest.is_empty() {
            return Err("the attribute is written already".into());
        }
        let (offset, new) = insert(
            text,
            map,
            rest,
            value,
            Syntax::of(&self.sources.get(file).path),
        )?;
        Ok(Edit {
            span: Span::new(file, offset, offset),
            text: new,
        })
    }

    /// The edits adding `missing` attributes to a Terraform resource, one
    /// per block added to (with hcl-edit).
    fn add_terraform(
        &self,
        r: &Resource,
        missing: &[(&Node, usize, &[String], &J)],
        from_root: bool,
    ) -> Result<Vec<Edit>, String> {
        let mut by_block: Vec<(Span, Vec<Assignment>)> = Vec::new();
        for (parent, depth, path, value) in missing {
            let at = if from_root && *depth == 0 {
                r.span
            } else {
                parent.span
            };
            match by_block.iter_mut().find(|(s, _)| *s == at) {
                Some((_, list)) => list.push((&path[*depth..], value)),
                None => by_block.push((at, vec![(&path[*depth..], value)])),
            }
        }
        by_block
            .into_iter()
            .map(|(at, assignments)| {
                let file = self.sources.get(at.file);
                if Syntax::of(&file.path) != Syntax::Hcl {
                    return Err("attributes are only added to .tf files, not JSON".to_string());
                }
                let (range, text) =
                    hcl::insert(&file.text, at.start as usize..at.end as usize, &assignments)?;
                Ok(Edit {
                    span: Span::new(at.file, range.start, range.end),
                    text,
                })
            })
            .collect()
    }
}

/// Follows `path` from `root`, through one-element lists (nested blocks).
fn reach<'a>(root: &'a Node, path: &[String]) -> Result<Reached<'a>, String> {
    let mut node = root;
    for (depth, seg) in path.iter().enumerate() {
        if let Value::List(items) = &node.value {
            node = match items.as_slice() {
                [one] => one,
                [] => return Err(format!("`{}` is an empty list", path[..depth].join("."))),
                _ => return Err(format!("there are several `{}`", path[..depth].join("."))),
            };
        }
        if let Some(choice) = &node.branches {
            return Err(format!(
                "`{}` is chosen by the condition {}",
                path[..depth].join("."),
                choice.on
            ));
        }
        node = match &node.value {
            Value::Map(m) => match m.get(seg) {
                Some(n) => n,
                None => {
                    return Ok(Reached::Missing {
                        parent: node,
                        depth,
                    })
                }
            },
            _ => {
                return Err(format!(
                    "`{}` is not known before deployment",
                    path[..depth.max(1)].join(".")
                ))
            }
        };
    }
    Ok(Reached::Value(node))
}

/// True if `node` or a value in it is written at `span` (through an origin
/// there, when `origin`).
fn uses(node: &Node, span: Span, origin: bool) -> bool {
    let here = match origin {
        true => node.origin.as_ref().is_some_and(|o| o.span == span),
        false => node.span == span,
    };
    here || node
        .branches
        .as_ref()
        .is_some_and(|c| c.when.iter().any(|n| uses(n, span, origin)))
        || match &node.value {
            Value::List(items) => items.iter().any(|n| uses(n, span, origin)),
            Value::Map(m) => m.values().any(|n| uses(n, span, origin)),
            _ => false,
        }
}

/// The first node of `doc` (depth first) that `wanted` holds for.
fn find<'a>(node: &'a Node, wanted: &dyn Fn(&Node) -> bool) -> Option<&'a Node> {
    if wanted(node) {
        return Some(node);
    }
    match &node.value {
        Value::List(items) => items.iter().find_map(|n| find(n, wanted)),
        Value::Map(m) => m.values().find_map(|n| find(n, wanted)),
        _ => None,
    }
}
