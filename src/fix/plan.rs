//! Planning a finding's fix: where each attribute the policy sets is
//! written (the value itself, or the variable, parameter or module input
//! it came from), or where it must be added, in the file's own shape.

use super::spec::Action;
use super::text::{self, insert, literal};
use super::{hcl, Edit, Fix, FixSpec, Syntax};
use crate::canonical::{native_path, snake_case};
use crate::cfn::{self, PARAMETER_TYPE};
use crate::engine::Finding;
use crate::model::{Format, Node, Resource, Unit, Value};
use crate::policy::paths::Seg;
use crate::policy::Policy;
use crate::source::{FileId, SourceMap, Span};
use foldhash::{HashMap, HashMapExt};
use serde_json::Value as J;
use std::cell::{Cell, OnceCell};
use std::ops::{ControlFlow, Range};
use std::sync::Arc;

/// The fixes of the `findings` of `unit` whose policy declares one;
/// `template` is a template of the unit already parsed. Findings that are
/// undecided, or fail only in some choice of unknown inputs, get none:
/// which value to write is the user's choice.
pub fn plan(
    unit: &Unit,
    findings: &[Finding],
    policies: &[&Policy],
    sources: &SourceMap,
    template: Option<(FileId, Arc<Node>)>,
) -> Vec<Fix> {
    let mut planner = Planner {
        unit,
        sources,
        documents: template
            .map(|(id, doc)| (id, Some(doc)))
            .into_iter()
            .collect(),
        blocks: HashMap::new(),
        users: OnceCell::new(),
        extents: OnceCell::new(),
        scans: Cell::new(0),
        findings,
        offending: OnceCell::new(),
    };
    // The unit's resources by address and type (the first of each), sorted
    // at the first finding to fix; the last one found (findings come
    // resource by resource).
    let mut resources: Vec<&Resource> = Vec::new();
    let mut last: Option<&Resource> = None;
    // What each policy's fix does, by policy id, read at its first finding.
    let mut fixes_of: HashMap<&str, Option<Prepared>> = HashMap::new();
    let mut fixes = Vec::new();
    for f in findings.iter().filter(|f| fixable(f)) {
        let prepared =
            (fixes_of.entry(&f.rule_id)).or_insert_with(|| Prepared::of(policies, &f.rule_id));
        let Some(prepared) = prepared else {
            continue;
        };
        let wanted = (f.resource.as_str(), f.resource_type.as_str());
        if last.is_none_or(|r| key(r) != wanted) {
            if resources.is_empty() {
                resources = unit.resources.iter().collect();
                resources.sort_by(|a, b| key(a).cmp(&key(b)));
            }
            let first = resources.partition_point(|r| key(r) < wanted);
            last = resources.get(first).copied().filter(|r| key(r) == wanted);
        }
        let Some(resource) = last else {
            continue;
        };
        fixes.push(Fix {
            rule_id: f.rule_id.clone(),
            resource: f.resource.clone(),
            at: f.span,
            replaces: prepared.spec.replaces,
            edits: planner.edits(prepared, resource, f.span),
        });
    }
    fixes
}

/// What a finding names its resource by.
fn key(r: &Resource) -> (&str, &str) {
    (&r.address, &r.native_type)
}

/// A policy's fix, read once for all its findings.
struct Prepared<'p> {
    policy: &'p Policy,
    spec: &'p FixSpec,
    action: &'p Result<Action, String>,
    /// The paths of `unless`, as written and split.
    unless: Vec<(&'p str, Vec<String>)>,
}

impl<'p> Prepared<'p> {
    /// The fix of the policy `id` among `policies`, if it declares one.
    fn of(policies: &[&'p Policy], id: &str) -> Option<Prepared<'p>> {
        // Ids share their first bytes (`TKN-`): compared from the end.
        let named = |p: &&&Policy| {
            p.spec.id.len() == id.len() && p.spec.id.bytes().rev().eq(id.bytes().rev())
        };
        let policy = *policies.iter().find(named)?;
        let spec = policy.spec.fix.as_ref()?;
        let unless = (spec.unless.iter())
            .map(|path| (path.as_str(), path.split('.').map(str::to_string).collect()))
            .collect();
        Some(Prepared {
            policy,
            spec,
            action: spec.planned(),
            unless,
        })
    }
}

struct Planner<'a> {
    unit: &'a Unit,
    sources: &'a SourceMap,
    /// CloudFormation templates as parsed, for the entries around an addition.
    documents: HashMap<FileId, Option<Arc<Node>>>,
    /// The lines of each top-level block of a Terraform file.
    blocks: HashMap<FileId, Vec<Range<usize>>>,
    /// Each place a value is written (its span, and whether it is used
    /// through an origin there) with a resource (its declaration) using it:
    /// sorted, each pair once.
    users: OnceCell<Vec<((Span, bool), Span)>>,
    /// Where the values of each resource are written, read at the first
    /// question about users.
    extents: OnceCell<Vec<Extent>>,
    /// The work of the questions about users answered by walking resources,
    /// before `users` (see [`SCANS`]).
    scans: Cell<usize>,
    /// The findings planned for.
    findings: &'a [Finding],
    /// The spans of the fixable findings, by rule and resource, gathered at
    /// the first question about them.
    offending: OnceCell<HashMap<(&'a str, &'a str), Vec<Span>>>,
}

/// An attribute path and the value to give it.
type Assignment<'a> = (&'a [String], &'a J);

/// Where a path leads: to a value, or to the mapping it is missing from.
enum Reached<'a> {
    Value(&'a Node),
    Missing { parent: &'a Node, depth: usize },
}

impl<'a> Planner<'a> {
    fn edits(&mut self, fix: &Prepared, r: &Resource, at: Span) -> Result<Vec<Edit>, String> {
        let (policy, action) = (fix.policy, fix.action.as_ref().map_err(Clone::clone)?);
        let compiled = policy.compiled().map_err(|p| p.message.clone())?;
        // The element the finding is about, and the name of its list.
        let mut item: Option<(&Node, &str)> = None;
        for path in compiled.for_each.iter().filter(|p| p.root == "resource") {
            let Some(Seg::Field(name)) = path.segs.iter().rev().find(|s| **s != Seg::Each) else {
                continue;
            };
            let mut nodes = Vec::new();
            path.resolve(&r.props, &mut nodes);
            // As the engine binds `item`: each element of a list reached.
            let items = nodes.into_iter().flat_map(|n| match &n.value {
                Value::List(items) => items.as_slice(),
                _ => std::slice::from_ref(n),
            });
            for n in items {
                let s = n.label_span();
                let holds = s.file == at.file && s.start <= at.start && at.end <= s.end;
                let size = |n: &Node| n.span.end - n.span.start;
                if holds && item.is_none_or(|(best, _)| size(n) < size(best)) {
                    item = Some((n, name));
                }
            }
        }
        if item.is_none() && !compiled.for_each.is_empty() {
            return Err(
                "the element is not written in the resource (a resource of its own?)".into(),
            );
        }
        let root = item.map_or(&r.props, |(n, _)| n);
        for (path, segs) in &fix.unless {
            if let Ok(Reached::Value(_)) = reach(root, segs) {
                return Err(format!("it does not apply where `{path}` is set"));
            }
        }
        let edits = match action {
            Action::RemoveElement => {
                let (node, name) = item
                    .ok_or("`remove_element` needs a policy that checks elements (`for_each`)")?;
                vec![self.remove(&policy.spec.id, r, node, name)?]
            }
            Action::Set(list) => self.assign(r, root, list, false)?,
            Action::Add(list) => self.assign(r, root, list, true)?,
        };
        Ok(edits.into_iter().map(|e| self.line_endings(e)).collect())
    }

    /// The edits giving the attributes of `list` their values below `root`
    /// (a resource's properties or an element): replacing what is written
    /// (not when `adding`: then it must be missing) or adding it.
    fn assign(
        &mut self,
        r: &Resource,
        root: &Node,
        list: &[(Vec<String>, J)],
        adding: bool,
    ) -> Result<Vec<Edit>, String> {
        let mut edits = Vec::new();
        let mut missing: Vec<(&Node, usize, &[String], &J)> = Vec::new();
        for (path, value) in list {
            match reach(root, path)? {
                Reached::Value(_) if adding => {
                    return Err(format!("`{}` is written already", path.join(".")))
                }
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

    /// `edit` with the line ends of the line it starts on (`\r\n` where it
    /// has one; else those of the line before, the last one).
    fn line_endings(&self, mut edit: Edit) -> Edit {
        let text = &self.sources.get(edit.span.file).text;
        let at = edit.span.start as usize;
        let crlf = match text[at..].find('\n') {
            Some(i) => text[..at + i].ends_with('\r'),
            None => (text[..at].rfind('\n')).is_some_and(|i| text[..i].ends_with('\r')),
        };
        if crlf {
            edit.text = edit.text.replace("\r\n", "\n").replace('\n', "\r\n");
        }
        edit
    }

    /// The edit removing the element `item` of the list `name`, with its
    /// lines (or its separator), or the list's entry when it is the only one.
    fn remove(
        &mut self,
        rule: &str,
        r: &Resource,
        item: &Node,
        name: &str,
    ) -> Result<Edit, String> {
        let file = item.span.file;
        let sources = self.sources;
        let text = &sources.get(file).text;
        let span = |range: std::ops::Range<usize>, text: String| Edit {
            span: Span::new(file, range.start, range.end),
            text,
        };
        if r.format == Format::Terraform {
            if Syntax::of(self.sources.get(file).path()) != Syntax::Hcl {
                return Err("elements are only removed from .tf and .tofu files, not JSON".into());
            }
            let at = item.span.start as usize..item.span.end as usize;
            let (range, new) =
                self.in_block(r, file, at, |text, at| hcl::remove(text, at, name))?;
            return Ok(span(range, new));
        }
        let doc = self.document(file)?;
        let mut chain = Vec::new();
        let in_declaration =
            declaration(&doc, r).is_some_and(|d| ancestors(d, item.span, &mut chain));
        if !in_declaration && !ancestors(&doc, item.span, &mut chain) {
            return Err("the element is declared as its own resource; remove the resource".into());
        }
        let [.., holder, list, node] = chain.as_slice() else {
            return Err("the element was not found in the template".into());
        };
        if self.users(list.span, false) > 1 {
            return Err("the list is used by several resources (a YAML alias)".into());
        }
        let index = |parent: &Node, child: &Node| match &parent.value {
            Value::List(items) => items.iter().position(|n| std::ptr::eq(n, child)),
            Value::Map(m) => m.values().position(|n| std::ptr::eq(n, child)),
            _ => None,
        };
        let at = index(list, node).ok_or("the element was not found in the template")?;
        // Every element offends (each one's fix is this same edit): the list
        // goes, with its key, rather than being left empty.
        let every = list
            .as_list()
            .is_some_and(|items| items.iter().all(|n| self.offends(rule, r, n.span)));
        let alone = match every {
            true => None,
            false => text::remove(text, list, at)?,
        };
        let range = match alone {
            Some(range) => range,
            // The only element: its list goes, with its key.
            None => {
                let at = index(holder, list).ok_or("the list was not found in the template")?;
                text::remove(text, holder, at)?
                    .ok_or("the list is the only setting of its mapping")?
            }
        };
        Ok(span(range, String::new()))
    }

    /// True if a finding of `rule` on `r` points inside `span`.
    fn offends(&self, rule: &str, r: &Resource, span: Span) -> bool {
        let offending = self.offending.get_or_init(|| {
            let mut by: HashMap<(&str, &str), Vec<Span>> = HashMap::new();
            for f in self.findings.iter().filter(|f| fixable(f)) {
                let key = (f.rule_id.as_str(), f.resource.as_str());
                by.entry(key).or_default().push(f.span);
            }
            by
        });
        let spans = offending.get(&(rule, r.address.as_str()));
        spans.is_some_and(|spans| {
            spans
                .iter()
                .any(|f| f.file == span.file && span.start <= f.start && f.end <= span.end)
        })
    }

    /// The template `file` as parsed (once).
    fn document(&mut self, file: FileId) -> Result<Arc<Node>, String> {
        let sources = self.sources;
        let doc = self.documents.entry(file).or_insert_with(|| {
            cfn::parse_document(sources.get(file), file)
                .ok()
                .map(Arc::new)
        });
        doc.clone()
            .ok_or_else(|| "the template does not parse".to_string())
    }

    /// The edit giving an existing value `value` where it was written.
    fn replace(&mut self, node: &Node, value: &J) -> Result<Option<Edit>, String> {
        if node.to_json().as_ref() == Some(value) {
            return Ok(None);
        }
        if let Some(choice) = &node.branches {
            return Err(format!(
                "the value is chosen by the condition {}",
                choice.on
            ));
        }
        let current = plain(node);
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
        if via_origin {
            self.allowed(span, value)?;
        }
        let file = self.sources.get(span.file);
        let syntax = Syntax::of(file.path());
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

    /// Checks that the CloudFormation parameter whose `Default` is written
    /// at `span` (if it is one) allows `value`.
    fn allowed(&mut self, span: Span, value: &J) -> Result<(), String> {
        if Syntax::of(self.sources.get(span.file).path()) == Syntax::Hcl {
            return Ok(());
        }
        let Ok(doc) = self.document(span.file) else {
            return Ok(());
        };
        let params = doc.get("Parameters").map(|p| &p.value);
        let Some(Value::Map(params)) = params else {
            return Ok(());
        };
        let declared =
            (params.iter()).find(|(_, p)| p.get("Default").is_some_and(|d| d.span == span));
        let Some((name, allowed)) =
            declared.and_then(|(n, p)| Some((n, p.get("AllowedValues")?.as_list()?)))
        else {
            return Ok(());
        };
        let text = match value {
            J::String(s) => s.clone(),
            v => v.to_string(),
        };
        match allowed.iter().any(|a| plain(a) == text) {
            true => Ok(()),
            false => Err(format!(
                "the AllowedValues of parameter {name} do not hold {text}"
            )),
        }
    }

    /// How many resources use the value written at `span` (through an
    /// origin there, when `origin`): the instances of one block (`count`,
    /// `for_each`, a module's) are one.
    /// The first question walks the unit, noting the extent of each
    /// resource's values; the next ones walk the resources whose extents
    /// hold `span` (a unit has few findings to fix, as a rule); more build
    /// the index.
    fn users(&self, span: Span, origin: bool) -> usize {
        let at = (span, origin);
        let resources = &self.unit.resources;
        let mut users: Vec<Span> = Vec::new();
        let mut used_by = |r: &Resource| {
            if !users.contains(&r.span) {
                users.push(r.span);
            }
        };
        match self.extents.get() {
            None => {
                let mut extents = Vec::new();
                for (i, r) in resources.iter().enumerate() {
                    let (first, mut found) = (extents.len(), false);
                    let _ = uses(&r.props, &mut |(s, o)| {
                        found |= (s, o) == at;
                        match extents[first..]
                            .iter_mut()
                            .find(|e: &&mut Extent| e.at == (s.file, o))
                        {
                            Some(e) => (e.start, e.end) = (e.start.min(s.start), e.end.max(s.end)),
                            None => extents.push(Extent {
                                resource: i,
                                at: (s.file, o),
                                start: s.start,
                                end: s.end,
                            }),
                        }
                        ControlFlow::Continue(())
                    });
                    if found {
                        used_by(r);
                    }
                }
                let _ = self.extents.set(extents);
                return users.len();
            }
            Some(extents)
                if self.users.get().is_none() && self.scans.get() < SCANS * resources.len() =>
            {
                let holds = |e: &&Extent| {
                    e.at == (span.file, origin) && e.start <= span.start && span.end <= e.end
                };
                let mut walked = 0;
                for r in extents.iter().filter(holds).map(|e| &resources[e.resource]) {
                    walked += 1;
                    let mut found = |u| match u == at {
                        true => ControlFlow::Break(()),
                        false => ControlFlow::Continue(()),
                    };
                    if uses(&r.props, &mut found).is_break() {
                        used_by(r);
                    }
                }
                self.scans
                    .set(self.scans.get() + walked + 1 + extents.len() / 64);
                return users.len();
            }
            Some(_) => {}
        }
        let users = self.users.get_or_init(|| {
            let mut users = Vec::new();
            for r in resources {
                let _ = uses(&r.props, &mut |at| {
                    users.push((at, r.span));
                    ControlFlow::Continue(())
                });
            }
            users.sort_unstable();
            users.dedup();
            users
        });
        let first = users.partition_point(|(k, _)| *k < at);
        users[first..].partition_point(|(k, _)| *k == at)
    }

    /// Runs `edit` on the lines of the top-level block of Terraform `file`
    /// that holds `at` (on the whole text when none does), the range it
    /// returns mapped back: on those of `r`'s declaration when they hold it
    /// and parse alone (the edit parses them: they are parsed again only
    /// when it fails), else on those found by parsing the file (once).
    fn in_block(
        &mut self,
        r: &Resource,
        file: FileId,
        at: Range<usize>,
        edit: impl Fn(&str, Range<usize>) -> Result<(Range<usize>, String), String>,
    ) -> Result<(Range<usize>, String), String> {
        let text = &self.sources.get(file).text;
        let within = |b: &Range<usize>| {
            let (range, new) = edit(&text[b.clone()], at.start - b.start..at.end - b.start)?;
            Ok((range.start + b.start..range.end + b.start, new))
        };
        let holds = |b: &Range<usize>| b.start <= at.start && at.end <= b.end;
        if let Some(lines) = declaration_lines(text, r, file).filter(holds) {
            match within(&lines) {
                Err(_) if hcl_edit::parser::parse_body(&text[lines]).is_err() => {}
                done => return done,
            }
        }
        let blocks = (self.blocks.entry(file)).or_insert_with(|| hcl::top_level_blocks(text));
        let i = blocks.partition_point(|b| b.end <= at.start);
        match blocks.get(i).filter(|b| holds(b)) {
            Some(b) => within(b),
            None => edit(text, at),
        }
    }

    /// The edit adding `path` (of the canonical `whole_path`) to a
    /// CloudFormation resource: to its properties when `whole`, else to the
    /// mapping written at `parent`; `value` in CloudFormation's shape.
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
        let doc = self.document(file)?;
        let doc = &doc;
        let (target, native, value) = if whole {
            let decl = declaration(doc, r).ok_or("the resource was not found in the template")?;
            let mut native = native_path(&r.native_type, &whole_path.join("."));
            let value = native_value(&r.native_type, whole_path, &native, value)?;
            if r.native_type != PARAMETER_TYPE {
                native.insert(0, "Properties".to_string());
            }
            (decl, native, value)
        } else {
            let wanted = |n: &Node| n.span == parent.span && matches!(n.value, Value::Map(_));
            let map = (declaration(doc, r).and_then(|d| find(d, &wanted)))
                .or_else(|| find(doc, &wanted))
                .ok_or("the mapping to add to was not found in the template")?;
            let native = native_path("", &path.join("."));
            let value = native_value("", path, &native, value)?;
            (map, native, value)
        };
        if self.users(target.span, false) > 1 {
            return Err("the mapping to add to is used by several resources (a YAML alias)".into());
        }
        // Follow the keys already written (into one-element lists where
        // CloudFormation has them), then add the rest.
        let mut map = target;
        let mut rest = native.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            let key = first.trim_end_matches(LIST);
            let next = match &map.value {
                Value::Map(m) => m.iter().find(|(k, _)| snake_case(k) == snake_case(key)),
                _ => None,
            };
            let next = next.map(|(k, n)| match (&n.value, first.ends_with(LIST)) {
                (Value::List(items), true) if items.len() == 1 => (k, &items[0]),
                _ => (k, n),
            });
            match next {
                Some((_, n)) if matches!(n.value, Value::Map(_)) => (map, rest) = (n, tail),
                Some((k, _)) => return Err(format!("`{k}` is not written as a mapping")),
                None => break,
            }
        }
        let (first, tail) = rest
            .split_first()
            .ok_or("the attribute is written already")?;
        let nested = tail.iter().rev().fold(value, |inner, seg| wrap(seg, inner));
        let sources = self.sources;
        let text = &sources.get(file).text;
        let (offset, new) = insert(
            text,
            map,
            first.trim_end_matches(LIST),
            &listed(first, nested),
            Syntax::of(self.sources.get(file).path()),
        )?;
        Ok(Edit {
            span: Span::new(file, offset, offset),
            text: new,
        })
    }

    /// The edits adding `missing` attributes to a Terraform resource, one
    /// per block added to (with hcl-edit).
    fn add_terraform(
        &mut self,
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
                if Syntax::of(file.path()) != Syntax::Hcl {
                    return Err(
                        "attributes are only added to .tf and .tofu files, not JSON".to_string()
                    );
                }
                let range = at.start as usize..at.end as usize;
                let (range, text) = self.in_block(r, at.file, range, |text, at| {
                    hcl::insert(text, at, &assignments)
                })?;
                Ok(Edit {
                    span: Span::new(at.file, range.start, range.end),
                    text,
                })
            })
            .collect()
    }
}

/// A scalar's value as text (empty for other values).
fn plain(node: &Node) -> String {
    match &node.value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.clone(),
        _ => String::new(),
    }
}

/// True if `f` gets a fix: it is decided, whatever the unknown inputs are.
fn fixable(f: &Finding) -> bool {
    !f.undecided && f.when.is_empty()
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

/// Questions about users are answered by walking resources until that work
/// reaches walking the unit this many times (see [`Planner::users`]); a
/// pass over the extents counts as walking one resource per 64 of them.
const SCANS: usize = 8;

/// The bytes of a file holding every value of a resource written there
/// (its origins apart: `at` is the file, and true for them).
struct Extent {
    /// The resource's index in its unit.
    resource: usize,
    at: (FileId, bool),
    start: u32,
    end: u32,
}

/// Calls `found` with where `node` and each value in it are written, and
/// the origins they come from (`(span, true)`), until it breaks.
fn uses(node: &Node, found: &mut impl FnMut((Span, bool)) -> ControlFlow<()>) -> ControlFlow<()> {
    found((node.span, false))?;
    if let Some(o) = &node.origin {
        found((o.span, true))?;
    }
    for n in node.branches.iter().flat_map(|c| &c.when) {
        uses(n, found)?;
    }
    // A plain value in it is one place, without a call.
    let each = |n: &Node| match (&n.value, &n.origin, &n.branches) {
        (Value::List(_) | Value::Map(_), _, _) | (_, Some(_), _) | (_, _, Some(_)) => {
            uses(n, found)
        }
        _ => found((n.span, false)),
    };
    match &node.value {
        Value::List(items) => items.iter().try_for_each(each),
        Value::Map(m) => m.values().try_for_each(each),
        _ => ControlFlow::Continue(()),
    }
}

/// The declaration of the resource or parameter `r` in the template `doc`.
fn declaration<'a>(doc: &'a Node, r: &Resource) -> Option<&'a Node> {
    let declared = |n: &&Node| n.key_span == Some(r.span);
    (["Resources", "Parameters"].iter())
        .filter_map(|section| doc.get(section)?.get(&r.address))
        .find(declared)
        .or_else(|| find(doc, &|n| n.key_span == Some(r.span)))
}

/// The lines of the Terraform block declaring `r` when it is declared in
/// `file` (its text): from the start of its first line to the end of its last.
fn declaration_lines(text: &str, r: &Resource, file: FileId) -> Option<Range<usize>> {
    if r.span.file != file {
        return None;
    }
    let start = text[..r.span.start as usize]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = (crate::suppress::hcl_extent(text, start) + 1).min(text.len());
    Some(start..end)
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

/// A native path segment ending so is a list of one element in CloudFormation.
const LIST: &str = "[]";

/// `{segment: value}`, the value in a list when the segment says so.
fn wrap(segment: &str, value: J) -> J {
    let mut map = serde_json::Map::new();
    map.insert(
        segment.trim_end_matches(LIST).to_string(),
        listed(segment, value),
    );
    J::Object(map)
}

fn listed(segment: &str, value: J) -> J {
    match segment.ends_with(LIST) && !value.is_array() {
        true => J::Array(vec![value]),
        false => value,
    }
}

/// `value`, written in canonical terms at `path` of a resource of
/// `cfn_type`, in CloudFormation's shape: keys where the services declare
/// them ([`native_path`]; `native` is that of `path`), else in PascalCase.
fn native_value(
    cfn_type: &str,
    path: &[String],
    native: &[String],
    value: &J,
) -> Result<J, String> {
    match value {
        J::Array(items) => (items.iter())
            .map(|v| native_value(cfn_type, path, native, v))
            .collect::<Result<_, _>>()
            .map(J::Array),
        J::Object(m) => {
            let mut out = serde_json::Map::new();
            for (key, v) in m {
                let inner: Vec<String> = path.iter().chain([key]).cloned().collect();
                let full = native_path(cfn_type, &inner.join("."));
                let unknown = || {
                    format!(
                        "the CloudFormation shape of `{}` is not known",
                        inner.join(".")
                    )
                };
                let added = full.strip_prefix(native).ok_or_else(unknown)?;
                let (first, tail) = added.split_first().ok_or_else(unknown)?;
                let v = native_value(cfn_type, &inner, &full, v)?;
                let nested = tail.iter().rev().fold(v, |acc, seg| wrap(seg, acc));
                out.insert(
                    first.trim_end_matches(LIST).to_string(),
                    listed(first, nested),
                );
            }
            Ok(J::Object(out))
        }
        _ => Ok(value.clone()),
    }
}

/// Fills `chain` with the nodes from `node` down to the element written at
/// `span` in a list; false when there is none.
fn ancestors<'a>(node: &'a Node, span: Span, chain: &mut Vec<&'a Node>) -> bool {
    chain.push(node);
    let (children, list): (Vec<&Node>, bool) = match &node.value {
        Value::List(items) => (items.iter().collect(), true),
        Value::Map(m) => (m.values().collect(), false),
        _ => (Vec::new(), false),
    };
    for n in children {
        if list && n.span == span {
            chain.push(n);
            return true;
        }
        if ancestors(n, span, chain) {
            return true;
        }
    }
    chain.pop();
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    #[test]
    fn users_are_counted_alike_by_walking_the_unit_its_resources_and_the_index() {
        let at = |start, end| Span::new(FileId(0), start, end);
        // A value written once for two resources (a YAML alias), and one
        // that comes from a variable.
        let alias = Node::new(Value::Str("x".into()), at(50, 51));
        let mut from_var = Node::new(Value::Int(1), at(60, 61));
        from_var.origin = Some(Arc::new(Origin::new(at(5, 6), "var.a")));
        let resource = |span: Span, entries: Vec<(&str, &Node)>| Resource {
            address: format!("r{}", span.start),
            native_type: "aws_s3_bucket".into(),
            canonical_type: "aws_s3_bucket".into(),
            format: Format::Terraform,
            span,
            props: Node::new(
                Value::Map(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.into(), v.clone()))
                        .collect(),
                ),
                at(0, 100),
            ),
            native: Node::new(Value::Null, at(0, 100)),
            metadata: None,
        };
        let unit = Unit {
            resources: vec![
                resource(at(10, 20), vec![("a", &alias), ("b", &from_var)]),
                resource(at(30, 40), vec![("a", &alias), ("b", &from_var)]),
                // Another instance of the first block: the same user.
                resource(at(10, 20), vec![("a", &alias)]),
            ],
            ..Unit::default()
        };
        let sources = SourceMap::default();
        let planner = Planner {
            unit: &unit,
            sources: &sources,
            documents: HashMap::new(),
            blocks: HashMap::new(),
            users: OnceCell::new(),
            extents: OnceCell::new(),
            scans: Cell::new(0),
            findings: &[],
            offending: OnceCell::new(),
        };
        let questions = [
            ((at(50, 51), false), 2),
            ((at(5, 6), true), 2),
            ((at(60, 61), false), 2),
            ((at(5, 6), false), 0),
            ((at(0, 100), false), 2),
            ((Span::new(FileId(1), 50, 51), false), 0),
        ];
        for round in 0..2 * SCANS {
            for ((span, origin), users) in questions {
                assert_eq!(
                    planner.users(span, origin),
                    users,
                    "{span:?} {origin} {round}"
                );
            }
        }
        assert!(planner.users.get().is_some(), "the index was built");
    }
}
