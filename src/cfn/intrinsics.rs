//! Static resolution of CloudFormation intrinsic functions, as the service
//! would resolve them at deploy time. A reference to a resource stays a
//! [`Reference`](crate::model::Reference); what only the deployment knows becomes [`Value::Unknown`]
//! (a string with one unknown part is unknown); `AWS::NoValue` removes the
//! property. `Fn::Base64` keeps its input readable: policies inspect the text.
//! A policy document written as a JSON string (literal or `Fn::Sub`) is decoded,
//! and `Fn::ToJsonString` of a document is the document, as if written inline.
//! What goes over the template's budget is unknown.

use super::cidr;
use super::parameters::{self, scalar_text};
use crate::budget::Budget;
use crate::canonical::{snake_case, DOCUMENT_KEYS};
use crate::model::{Map, Node, Origin, Value};
use crate::source::{SourceMap, Span};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// Resolves intrinsic functions in one template.
pub struct Resolver<'a> {
    /// Parameter values, and those of the pseudo parameters supplied.
    params: Map,
    mappings: Option<&'a Node>,
    /// Condition values; `None` when undecidable.
    pub(super) conditions: BTreeMap<String, Option<bool>>,
    /// The template's resources, by logical id.
    resources: &'a Map,
    /// Resolved outputs of the nested stacks followed so far, by logical id.
    pub(super) stack_outputs: BTreeMap<String, Map>,
    /// Prepended to resource addresses (`Stack/` inside a nested stack).
    prefix: &'a str,
    /// Shared by the template and its nested stacks.
    pub(super) budget: Rc<Budget>,
    /// The files read, to point into documents written as JSON strings.
    pub(super) sources: Option<&'a SourceMap>,
}

impl<'a> Resolver<'a> {
    /// A resolver without conditions (see [`super::conditions::evaluate`]).
    pub fn new(
        doc: &'a Node,
        params: Map,
        resources: &'a Map,
        prefix: &'a str,
        budget: Rc<Budget>,
    ) -> Resolver<'a> {
        Resolver {
            params,
            mappings: doc.get("Mappings"),
            conditions: BTreeMap::new(),
            resources,
            stack_outputs: BTreeMap::new(),
            prefix,
            budget,
            sources: None,
        }
    }

    /// The value of a named condition; `None` when it cannot be decided.
    pub fn condition(&self, name: &str) -> Option<bool> {
        self.conditions.get(name).copied().flatten()
    }

    /// The value of a parameter, pseudo parameters included.
    fn param(&self, name: &str) -> Option<&Node> {
        self.params.get(name).or_else(|| parameters::pseudo(name))
    }

    /// True if the resource or output `decl` has a `Condition` that is false.
    pub fn excluded(&self, decl: &Node) -> bool {
        let condition = decl.get("Condition").and_then(Node::as_str);
        condition.is_some_and(|c| self.condition(c) == Some(false))
    }

    /// Resolves a node; `None` means the property is removed (`AWS::NoValue`).
    pub fn resolve(&self, node: &Node) -> Option<Node> {
        match self.resolved(node) {
            Resolved::Same => Some(node.clone()),
            Resolved::New(n) => n,
        }
    }

    /// Resolves a node, telling whether it resolves to itself: a subtree
    /// without intrinsic functions is then copied whole by its parent
    /// instead of rebuilt map entry by map entry. Every node is charged, in
    /// the same order either way.
    fn resolved(&self, node: &Node) -> Resolved {
        let text = node.as_str().map_or(0, str::len);
        if !self.budget.charge(node.span, 1, text as u64) {
            return Resolved::New(Some(unknown(node)));
        }
        match &node.value {
            Value::Map(m) if m.len() == 1 => {
                let (name, arg) = m.iter().next().expect("one entry");
                if name == "Ref" || name.starts_with("Fn::") {
                    return Resolved::New(self.intrinsic(name, arg, node));
                }
                self.resolve_map(node, m)
            }
            Value::Map(m) => self.resolve_map(node, m),
            Value::List(items) => self.resolve_list(node, items),
            _ => Resolved::Same,
        }
    }

    /// The entries before the first that changes are copied when it is met,
    /// the later ones inserted one by one (for the few keys of a map, cheaper
    /// than collecting, which gathers, sorts and deduplicates them).
    fn resolve_map(&self, node: &Node, m: &Map) -> Resolved {
        let mut out: Option<Map> = None;
        for (i, (k, v)) in m.iter().enumerate() {
            let r = match DOCUMENT_KEYS.contains(&k.as_str()) {
                true => Resolved::New(self.document(v)),
                false => self.resolved(v),
            };
            let v = match r {
                Resolved::Same if out.is_none() => continue,
                Resolved::Same => Some(v.clone()),
                Resolved::New(n) => n,
            };
            let out = out.get_or_insert_with(|| {
                let before = m.iter().take(i);
                before.map(|(k, v)| (k.clone(), v.clone())).collect()
            });
            if let Some(v) = v {
                out.insert(k.clone(), v);
            }
        }
        out.map_or(Resolved::Same, |out| {
            Resolved::New(Some(node.with_value(Value::Map(out))))
        })
    }

    /// As [`Resolver::resolve_map`], for the items of a list.
    fn resolve_list(&self, node: &Node, items: &[Node]) -> Resolved {
        let mut out: Option<Vec<Node>> = None;
        for (i, item) in items.iter().enumerate() {
            let item = match self.resolved(item) {
                Resolved::Same if out.is_none() => continue,
                Resolved::Same => Some(item.clone()),
                Resolved::New(n) => n,
            };
            let out = out.get_or_insert_with(|| {
                let mut out = Vec::with_capacity(items.len());
                out.extend_from_slice(&items[..i]);
                out
            });
            out.extend(item);
        }
        out.map_or(Resolved::Same, |out| {
            Resolved::New(Some(node.with_value(Value::List(out))))
        })
    }

    /// A policy document: `Fn::ToJsonString` of a document is the document
    /// (its spans kept), a string holding a JSON object is decoded. In an
    /// `Fn::Sub`, what only the deployment knows (`${AWS::AccountId}`, an
    /// attribute) leaves the strings it is part of unknown, not the document.
    fn document(&self, node: &Node) -> Option<Node> {
        let single = |name| match &node.value {
            Value::Map(m) if m.len() == 1 => m.get(name),
            _ => None,
        };
        if let Some(arg) = single("Fn::ToJsonString") {
            return self.resolve(arg).map(|n| placed(n, node));
        }
        let resolved = match single("Fn::Sub") {
            Some(arg) => self.substitute(arg, node, Some(HOLE)),
            None => self.resolve(node)?,
        };
        let written = self.sources.and_then(|s| s.text(resolved.span.file));
        let holed = |n: &Node| n.as_str().is_some_and(|t| t.contains(HOLE));
        Some(match crate::json::parse_embedded(&resolved, written) {
            Some(mut doc) => match fill_holes(&mut doc) {
                true => doc,
                false => unknown(node),
            },
            None if holed(&resolved) => unknown(node),
            None => resolved,
        })
    }

    /// Resolves to a value, `AWS::NoValue` counting as unknown.
    fn value(&self, node: &Node) -> Node {
        self.resolve(node)
            .unwrap_or_else(|| Node::new(Value::Unknown, node.span))
    }

    fn intrinsic(&self, name: &str, arg: &Node, at: &Node) -> Option<Node> {
        let args = arg.as_list().unwrap_or_default();
        let value = match name {
            "Ref" => return self.reference(arg, at),
            "Fn::GetAtt" => match self.stack_output(arg) {
                Some(output) => return Some(self.copy(output, at)),
                None => self.get_att(arg),
            },
            "Fn::Sub" => return Some(self.substitute(arg, at, None)),
            "Fn::Join" => self.join(args, at),
            "Fn::Select" => return self.select(args, at),
            "Fn::Split" => self.split(args, at),
            "Fn::FindInMap" => return self.find_in_map(args, at),
            "Fn::If" => return self.branch(args, at),
            "Fn::Base64" => return self.resolve(arg).map(|n| placed(n, at)),
            "Fn::Cidr" => self.cidr(args, at),
            "Fn::ToJsonString" => self.to_json_string(arg),
            "Fn::Length" => match self.value(arg).value {
                Value::List(items) => Value::Int(items.len() as i64),
                _ => Value::Unknown,
            },
            // Fn::GetAZs, Fn::ImportValue, Fn::Transform and anything else.
            _ => Value::Unknown,
        };
        Some(placed(Node::new(value, at.span), at))
    }

    fn reference(&self, arg: &Node, at: &Node) -> Option<Node> {
        let target = match arg.as_str() {
            Some(t) => t,
            None => return Some(unknown(at)),
        };
        if target == "AWS::NoValue" {
            return None;
        }
        let value = if let Some(param) = self.param(target) {
            return Some(self.copy(param, at));
        } else if self.resources.contains_key(target) {
            Value::reference([self.prefix, target].concat(), "id".to_string())
        } else {
            Value::Unknown
        };
        Some(placed(Node::new(value, at.span), at))
    }

    /// `Fn::GetAtt: [Stack, Outputs.Name]` of a followed nested stack.
    fn stack_output(&self, arg: &Node) -> Option<&Node> {
        let [stack, attribute] = arg.as_list()? else {
            return None;
        };
        let name = attribute.as_str()?.strip_prefix("Outputs.")?;
        self.stack_outputs.get(stack.as_str()?)?.get(name)
    }

    fn get_att(&self, arg: &Node) -> Value {
        let parts: Vec<String> = match &arg.value {
            Value::List(l) if l.len() == 2 => {
                match (l[0].as_str(), scalar_text(&self.value(&l[1]))) {
                    (Some(r), Some(a)) => vec![r.to_string(), a],
                    _ => return Value::Unknown,
                }
            }
            Value::Str(s) => match s.split_once('.') {
                Some((r, a)) => vec![r.to_string(), a.to_string()],
                None => return Value::Unknown,
            },
            _ => return Value::Unknown,
        };
        if !self.resources.contains_key(&parts[0]) {
            return Value::Unknown;
        }
        Value::reference([self.prefix, &parts[0]].concat(), snake_case(&parts[1]))
    }

    /// `Fn::Sub`: `${Name}` from the variable map, a parameter or a pseudo
    /// parameter; `${Res}` and `${Res.Attr}` are unknown inside a string;
    /// `${!Literal}` is the literal `${Literal}`. A part not known makes the
    /// string unknown, or is written as `hole` when one is given.
    fn substitute(&self, arg: &Node, at: &Node, hole: Option<&str>) -> Node {
        let (template, vars) = match &arg.value {
            Value::Str(s) => (s.as_str(), None),
            Value::List(l) if !l.is_empty() => match l[0].as_str() {
                Some(s) => (s, l.get(1)),
                None => return unknown(at),
            },
            _ => return unknown(at),
        };
        let mut origin = None;
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        let mut known = true;
        while let Some(i) = rest.find("${") {
            known = known && self.write(&rest[..i], at.span, &mut out);
            let after = &rest[i + 2..];
            let Some(close) = after.find('}') else {
                known = known && self.write(&rest[i..], at.span, &mut out);
                rest = "";
                break;
            };
            let name = &after[..close];
            rest = &after[close + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                known = known && self.write(&format!("${{{literal}}}"), at.span, &mut out);
                continue;
            }
            let name = name.trim();
            let resolved;
            let value = match vars.and_then(|v| v.get(name)) {
                Some(v) => {
                    resolved = self.value(v);
                    Some(&resolved)
                }
                None => self.param(name),
            };
            let scalar = |v: &&Node| {
                matches!(
                    v.value,
                    Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
                )
            };
            let Some(v) = value.filter(scalar) else {
                match hole {
                    Some(hole) => known = known && self.write(hole, at.span, &mut out),
                    None => known = false,
                }
                continue;
            };
            origin = origin.or_else(|| v.origin.clone());
            known = known && scalar_text(v).is_some_and(|t| self.write(&t, at.span, &mut out));
        }
        known = known && self.write(rest, at.span, &mut out);
        let mut node = Node::new(
            if known {
                Value::Str(out)
            } else {
                Value::Unknown
            },
            at.span,
        );
        node.origin = origin;
        placed(node, at)
    }

    fn join(&self, args: &[Node], at: &Node) -> Value {
        let [delim, list] = args else {
            return Value::Unknown;
        };
        let (Some(delim), Value::List(items)) = (delim.as_str(), self.value(list).value) else {
            return Value::Unknown;
        };
        let Some(parts) = items.iter().map(scalar_text).collect::<Option<Vec<_>>>() else {
            return Value::Unknown;
        };
        let length = parts.iter().map(String::len).sum::<usize>()
            + delim.len() * parts.len().saturating_sub(1);
        if !self.budget.charge(at.span, 0, length as u64) {
            return Value::Unknown;
        }
        Value::Str(parts.join(delim))
    }

    fn select(&self, args: &[Node], at: &Node) -> Option<Node> {
        let [index, list] = args else {
            return Some(unknown(at));
        };
        let index = scalar_text(&self.value(index)).and_then(|t| t.trim().parse::<usize>().ok());
        match (index, self.value(list).value) {
            (Some(i), Value::List(mut items)) if i < items.len() => {
                Some(placed(items.swap_remove(i), at))
            }
            _ => Some(unknown(at)),
        }
    }

    fn split(&self, args: &[Node], at: &Node) -> Value {
        let [delim, text] = args else {
            return Value::Unknown;
        };
        match (delim.as_str(), scalar_text(&self.value(text))) {
            (Some(d), Some(t)) if !d.is_empty() => Value::List(
                t.split(d)
                    .map(|p| Node::new(Value::Str(p.to_string()), at.span))
                    .collect(),
            ),
            _ => Value::Unknown,
        }
    }

    /// `Fn::FindInMap`; the value keeps the mapping entry as its origin.
    fn find_in_map(&self, args: &[Node], at: &Node) -> Option<Node> {
        if args.len() < 3 {
            return Some(unknown(at));
        }
        let keys: Option<Vec<String>> = args[..3]
            .iter()
            .map(|k| scalar_text(&self.value(k)))
            .collect();
        let Some(keys) = keys else {
            return Some(unknown(at));
        };
        let entry = self
            .mappings
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]));
        match entry {
            Some(entry) => {
                let mut node = self.copy(entry, entry);
                if node.origin.is_none() {
                    node.origin = Some(Arc::new(Origin::new(
                        entry.key_span.map_or(entry.span, |k| k.to(entry.span)),
                        format!("mapping {}.{}.{}", keys[0], keys[1], keys[2]),
                    )));
                }
                Some(placed(node, at))
            }
            None => match args.get(3).and_then(|o| o.get("DefaultValue")) {
                Some(default) => self.resolve(default).map(|n| placed(n, at)),
                None => Some(unknown(at)),
            },
        }
    }

    /// `Fn::If`: the branch its condition selects; unknown when undecidable.
    fn branch(&self, args: &[Node], at: &Node) -> Option<Node> {
        let [cond, yes, no] = args else {
            return Some(unknown(at));
        };
        match cond.as_str().and_then(|c| self.condition(c)) {
            Some(true) => self.resolve(yes).map(|n| placed(n, at)),
            Some(false) => self.resolve(no).map(|n| placed(n, at)),
            None => match (cond.as_str(), self.resolve(yes), self.resolve(no)) {
                (Some(name), Some(yes), Some(no)) => {
                    Some(Node::choice(name.to_string(), yes, no, at.span))
                }
                _ => Some(unknown(at)),
            },
        }
    }

    fn cidr(&self, args: &[Node], at: &Node) -> Value {
        let [block, count, bits] = args else {
            return Value::Unknown;
        };
        let text = |n: &Node| scalar_text(&self.value(n));
        let (Some(block), Some(count), Some(bits)) = (text(block), text(count), text(bits)) else {
            return Value::Unknown;
        };
        let (Ok(count), Ok(bits)) = (count.trim().parse(), bits.trim().parse()) else {
            return Value::Unknown;
        };
        match cidr::subnets(&block, count, bits) {
            Some(list) => Value::List(
                list.into_iter()
                    .map(|s| Node::new(Value::Str(s), at.span))
                    .collect(),
            ),
            None => Value::Unknown,
        }
    }

    fn to_json_string(&self, arg: &Node) -> Value {
        match self.value(arg).to_json().map(|j| j.to_string()) {
            Some(text) if self.budget.charge(arg.span, 0, text.len() as u64) => Value::Str(text),
            _ => Value::Unknown,
        }
    }

    /// A copy of `node`, written where `at` is; unknown when over budget.
    fn copy(&self, node: &Node, at: &Node) -> Node {
        if self.budget.charge_copy(at.span, node) {
            placed(node.clone(), at)
        } else {
            unknown(at)
        }
    }

    /// Appends text to a string being built at `at`; false when over budget.
    fn write(&self, text: &str, at: Span, out: &mut String) -> bool {
        let affordable = self.budget.charge(at, 0, text.len() as u64);
        if affordable {
            out.push_str(text);
        }
        affordable
    }
}

/// What a node resolves to.
enum Resolved {
    /// The node itself, unchanged.
    Same,
    /// Another node; `None` when the property is removed.
    New(Option<Node>),
}

/// Stands for a part of an `Fn::Sub` that is not known (a character of
/// Unicode's private use area).
const HOLE: &str = "\u{E000}";

/// Makes unknown every string of `doc` that has a [`HOLE`]; false when a
/// key has one.
fn fill_holes(doc: &mut Node) -> bool {
    match &mut doc.value {
        Value::Str(s) if s.contains(HOLE) => doc.value = Value::Unknown,
        Value::Map(m) => {
            return m
                .iter_mut()
                .all(|(k, v)| !k.contains(HOLE) && fill_holes(v))
        }
        Value::List(items) => return items.iter_mut().all(fill_holes),
        _ => {}
    }
    true
}

/// An unknown value, written where `at` is.
fn unknown(at: &Node) -> Node {
    placed(Node::new(Value::Unknown, at.span), at)
}

/// The same value, written where the intrinsic function was.
fn placed(mut node: Node, at: &Node) -> Node {
    node.span = at.span;
    node.key_span = at.key_span;
    node
}

#[cfg(test)]
mod tests {
    use crate::cfn::{normalize_template, yaml};
    use crate::model::{Node, Value};
    use crate::source::FileId;

    /// The native properties of resource `R` in a template whose `R` has `props`.
    fn props(params: &str, props: &str) -> Node {
        let text = format!(
            "Parameters:\n{params}\nMappings:\n  M:\n    a:\n      b: [x, y]\nResources:\n  Other:\n    Type: AWS::S3::Bucket\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n{props}\n"
        );
        let doc = yaml::parse(&text, FileId(0)).unwrap();
        let (unit, problems) = normalize_template(&doc);
        assert_eq!(problems, []);
        unit.resources
            .into_iter()
            .find(|r| r.address == "R")
            .unwrap()
            .native
    }

    fn text(node: &Node, key: &str) -> Option<String> {
        node.get(key).and_then(|n| n.as_str()).map(str::to_string)
    }

    #[test]
    fn strings_are_computed_or_unknown_as_a_whole() {
        let p = props(
            "  Name: {Type: String, Default: web}",
            "      A: !Sub '${Name}-${AWS::Partition}-${!Literal}'\n      B: !Sub '${Name}-${AWS::Region}'\n      C: !Sub ['${X}.${AWS::URLSuffix}', {X: !Ref Name}]\n      D: !Join ['', [a, !Ref Other]]\n      E: {'Fn::Base64': !Ref Name}",
        );
        assert_eq!(text(&p, "A").as_deref(), Some("web-aws-${Literal}"));
        assert!(p.get("B").unwrap().is_unknown());
        assert_eq!(text(&p, "C").as_deref(), Some("web.amazonaws.com"));
        assert!(p.get("D").unwrap().is_unknown());
        assert_eq!(text(&p, "E").as_deref(), Some("web"));
    }

    #[test]
    fn lists_json_and_lengths() {
        let p = props(
            "  Zones: {Type: CommaDelimitedList, Default: 'a, b,c'}",
            "      A: !Select [2, !Ref Zones]\n      B: !Length [1, 2, 3]\n      C: !ToJsonString {k: [1, true, !FindInMap [M, a, b]]}\n      D: !ToJsonString {k: !Ref Other}\n      E: !Select [5, !Ref Zones]\n      F: {'Fn::Length': !GetAZs ''}",
        );
        assert_eq!(text(&p, "A").as_deref(), Some("c"));
        assert_eq!(p.get("B").unwrap().value, Value::Int(3));
        assert_eq!(
            text(&p, "C").as_deref(),
            Some(r#"{"k":[1,true,["x","y"]]}"#)
        );
        assert!(p.get("D").unwrap().is_unknown());
        assert!(p.get("E").unwrap().is_unknown());
        assert!(p.get("F").unwrap().is_unknown());
    }

    #[test]
    fn plain_subtrees_are_kept_beside_resolved_ones() {
        let p = props(
            "  Name: {Type: String, Default: web}",
            "      A: {x: 1, y: [a, b]}\n      B: {p: 1, q: !Ref AWS::NoValue, r: !Ref Name, s: [2]}\n      C: [1, !Ref AWS::NoValue, {k: !Ref Name}, 3]",
        );
        let a = p.get("A").unwrap();
        assert_eq!(a.get("x").unwrap().value, Value::Int(1));
        let y: Vec<_> = a
            .get("y")
            .unwrap()
            .as_list()
            .unwrap()
            .iter()
            .map(|n| n.as_str())
            .collect();
        assert_eq!(y, [Some("a"), Some("b")]);
        let Value::Map(b) = &p.get("B").unwrap().value else {
            panic!("B is a map");
        };
        assert_eq!(b.keys().collect::<Vec<_>>(), ["p", "r", "s"]);
        assert_eq!(b["r"].as_str(), Some("web"));
        assert_eq!(b["s"].as_list().unwrap()[0].value, Value::Int(2));
        let c = p.get("C").unwrap().as_list().unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].value, Value::Int(1));
        assert_eq!(text(&c[1], "k").as_deref(), Some("web"));
        assert_eq!(c[2].value, Value::Int(3));
    }

    #[test]
    fn references_and_removed_properties() {
        let p = props(
            "  Name: {Type: String}",
            "      A: !GetAtt Other.Arn\n      B: {'Fn::GetAtt': [Other, DomainName]}\n      C: !Ref Other\n      D: !Ref AWS::NoValue\n      E: !Ref Name\n      F: !ImportValue shared\n      G: [1, !Ref AWS::NoValue, 2]",
        );
        let reference = |a: &str| Value::reference("Other".into(), a.into());
        assert_eq!(p.get("A").unwrap().value, reference("arn"));
        assert_eq!(p.get("B").unwrap().value, reference("domain_name"));
        assert_eq!(p.get("C").unwrap().value, reference("id"));
        assert!(p.get("D").is_none());
        assert!(p.get("E").unwrap().is_unknown());
        assert!(p.get("F").unwrap().is_unknown());
        assert_eq!(p.get("G").unwrap().as_list().unwrap().len(), 2);
    }
}
