//! `data "aws_iam_policy_document"`: the policy document its `json` holds,
//! built and merged as the AWS provider does. Every value points at the HCL
//! that wrote it; what is not known before apply stays unknown.

use crate::canonical::iam;
use crate::model::{Map, Node, Value};
use crate::source::{FileId, Span};

/// The arguments of the pre-5.0 provider that are not modelled: a document
/// using them is unknown.
const UNMODELLED: &[&str] = &["source_json", "override_json"];

/// The document the data source's arguments (its body, evaluated) describe;
/// `Err` with the reason when the provider would refuse them. JSON strings
/// written in `file` (whose text is `written`) keep their spans.
pub fn document(args: &Node, file: FileId, written: &str) -> Result<Node, String> {
    let at = args.span;
    if UNMODELLED.iter().any(|a| args.get(a).is_some()) {
        return Ok(Node::new(Value::Unknown, at));
    }
    let decode = |list: Option<&Node>| documents(list, file, written);
    let mut merged = Doc {
        statements: Some(Vec::new()),
        ..Doc::default()
    };
    let mut sids = Sids::default();
    for source in decode(args.get("source_policy_documents")) {
        if let Some(doc) = &source {
            for statement in doc.statements.as_deref().unwrap_or_default() {
                sids.add(statement, "source_policy_documents")?;
            }
        }
        merged.merge(source, at);
    }
    let mut current = Doc {
        version: Some(
            args.get("version")
                .cloned()
                .unwrap_or_else(|| text("2012-10-17", at)),
        ),
        id: args.get("policy_id").cloned(),
        statements: Some(Vec::new()),
    };
    let mut sids = Sids::default();
    match args.get("statement").map(|s| &s.value) {
        None => {}
        Some(Value::List(blocks)) => {
            for block in blocks {
                let statement = statement(block);
                sids.add(&statement, "statement")?;
                current
                    .statements
                    .get_or_insert_with(Vec::new)
                    .push(statement);
            }
        }
        Some(_) => current.statements = None,
    }
    merged.merge(Some(current), at);
    for over in decode(args.get("override_policy_documents")) {
        merged.merge(over, at);
    }
    Ok(merged.into_node(at))
}

/// A document being merged; `None` parts are not known.
#[derive(Default)]
struct Doc {
    version: Option<Node>,
    id: Option<Node>,
    statements: Option<Vec<Node>>,
}

impl Doc {
    /// Reads a normalized document; its unknown parts are `None`.
    fn read(doc: &Node) -> Doc {
        Doc {
            version: doc.get("Version").cloned(),
            id: doc.get("Id").cloned(),
            statements: match doc.get("Statement").map(|s| &s.value) {
                None => Some(Vec::new()),
                Some(Value::List(items)) => Some(items.clone()),
                Some(_) => None,
            },
        }
    }

    /// The provider's merge: a newer non-empty `Id` is adopted, the higher
    /// `Version` kept, and each new statement replaces the first one with
    /// its `Sid` or is appended. A document not known (`None`) may replace
    /// any statement with a `Sid` and add any number of statements.
    fn merge(&mut self, new: Option<Doc>, at: Span) {
        let Some(new) = new else {
            let unknown = Node::new(Value::Unknown, at);
            if let Some(statements) = &mut self.statements {
                for s in statements.iter_mut().filter(|s| sid(s) != Sid::None) {
                    *s = Node::new(Value::Unknown, s.span);
                }
                statements.push(unknown.clone());
            }
            self.version = Some(unknown.clone());
            self.id = Some(unknown);
            return;
        };
        if let Some(id) = new.id {
            if id.as_str() != Some("") {
                self.id = Some(id);
            }
        }
        self.version = match (self.version.take(), new.version) {
            (None, v) | (v, None) => v,
            (Some(old), Some(v)) => match (old.as_str(), v.as_str()) {
                (Some(a), Some(b)) if a >= b => Some(old),
                (Some(_), Some(_)) => Some(v),
                _ => Some(Node::new(Value::Unknown, v.span)),
            },
        };
        let (Some(statements), Some(incoming)) = (&mut self.statements, new.statements) else {
            self.statements = None;
            return;
        };
        for statement in incoming {
            match sid(&statement) {
                Sid::None => statements.push(statement),
                Sid::Known(name) => {
                    let same = statements.iter().position(|s| sid(s) == Sid::Known(name));
                    // An earlier statement whose Sid is not known may be the one replaced.
                    for s in statements.iter_mut().filter(|s| sid(s) == Sid::Unknown) {
                        *s = Node::new(Value::Unknown, s.span);
                    }
                    match same {
                        Some(i) => statements[i] = statement,
                        None => statements.push(statement),
                    }
                }
                Sid::Unknown => {
                    for s in statements.iter_mut().filter(|s| sid(s) != Sid::None) {
                        *s = Node::new(Value::Unknown, s.span);
                    }
                    statements.push(statement);
                }
            }
        }
    }

    fn into_node(self, at: Span) -> Node {
        let unknown = || Node::new(Value::Unknown, at);
        let mut map = Map::new();
        map.insert("Version".to_string(), self.version.unwrap_or_else(unknown));
        if let Some(id) = self.id.filter(|i| i.as_str() != Some("")) {
            map.insert("Id".to_string(), id);
        }
        let statements = match self.statements {
            Some(items) => Node::new(Value::List(items), at),
            None => unknown(),
        };
        map.insert("Statement".to_string(), statements);
        let mut doc = Node::new(Value::Map(map), at);
        iam::normalize_document(&mut doc);
        doc
    }
}

/// The `Sid` of a statement.
#[derive(PartialEq)]
enum Sid<'a> {
    /// Absent or empty.
    None,
    Known(&'a str),
    Unknown,
}

fn sid(statement: &Node) -> Sid<'_> {
    match statement.get("Sid").map(|s| &s.value) {
        _ if !matches!(statement.value, Value::Map(_)) => Sid::Unknown,
        None => Sid::None,
        Some(Value::Str(s)) if s.is_empty() => Sid::None,
        Some(Value::Str(s)) => Sid::Known(s),
        Some(_) => Sid::Unknown,
    }
}

/// The `Sid`s seen in one group of statements, which must be unique.
#[derive(Default)]
struct Sids(Vec<String>);

impl Sids {
    fn add(&mut self, statement: &Node, group: &str) -> Result<(), String> {
        if let Sid::Known(name) = sid(statement) {
            if self.0.iter().any(|s| s == name) {
                return Err(format!("duplicate sid \"{name}\" in {group}"));
            }
            self.0.push(name.to_string());
        }
        Ok(())
    }
}

/// The documents of `source_policy_documents` or `override_policy_documents`
/// in order (null entries skipped); `None` for one not known.
fn documents(list: Option<&Node>, file: FileId, written: &str) -> Vec<Option<Doc>> {
    let Some(list) = list else {
        return Vec::new();
    };
    let Value::List(items) = &list.value else {
        return vec![None];
    };
    items
        .iter()
        .filter(|d| d.value != Value::Null)
        .map(|d| match &d.value {
            Value::Map(_) => {
                let mut d = d.clone();
                iam::normalize_document(&mut d);
                Some(Doc::read(&d))
            }
            Value::Str(_) => super::decode_json_string(d, file, written).map(|d| Doc::read(&d)),
            _ => None,
        })
        .collect()
}

/// One `statement` block as the provider writes it.
fn statement(block: &Node) -> Node {
    let Value::Map(args) = &block.value else {
        return Node::new(Value::Unknown, block.span);
    };
    let mut out = Map::new();
    if let Some(sid) = args.get("sid").filter(|s| s.as_str() != Some("")) {
        out.insert("Sid".to_string(), sid.clone());
    }
    let effect = args.get("effect").cloned();
    out.insert(
        "Effect".to_string(),
        effect.unwrap_or_else(|| text("Allow", block.span)),
    );
    for (arg, key) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = args.get(arg).filter(|v| v.as_list() != Some(&[])) {
            out.insert(key.to_string(), v.clone());
        }
    }
    for (arg, key) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(blocks) = args.get(arg) {
            out.insert(key.to_string(), principals(blocks));
        }
    }
    if let Some(blocks) = args.get("condition") {
        out.insert("Condition".to_string(), conditions(blocks));
    }
    Node::new(Value::Map(out), block.span)
}

/// `principals` blocks: `{"TYPE": [identifiers]}`, or `"*"` for the one
/// block `type = "*"`, `identifiers = ["*"]`, as the provider writes them.
fn principals(blocks: &Node) -> Node {
    let Some(items) = blocks.as_list() else {
        return Node::new(Value::Unknown, blocks.span);
    };
    let at = covering(items, blocks.span);
    if let [only] = items {
        let ty = only.get("type").map(|t| &t.value);
        let ids = only.get("identifiers");
        let star = |n: &Node| n.as_str() == Some("*");
        match (ty, ids.map(|i| &i.value)) {
            (Some(Value::Str(t)), Some(Value::List(ids))) if t == "*" => {
                if let [id] = ids.as_slice() {
                    if star(id) {
                        return text("*", at);
                    }
                }
                if ids.iter().any(Node::is_unknown) {
                    return Node::new(Value::Unknown, at);
                }
            }
            (Some(Value::Str(t)), Some(Value::Str(_))) if t == "*" && ids.is_some_and(star) => {
                return text("*", at)
            }
            (Some(Value::Str(t)), _) if t == "*" => return Node::new(Value::Unknown, at),
            _ => {}
        }
    }
    let mut map = Map::new();
    for block in items {
        let (Some(Value::Str(ty)), Some(ids)) = (
            block.get("type").map(|t| &t.value),
            block.get("identifiers"),
        ) else {
            return Node::new(Value::Unknown, at);
        };
        append(&mut map, ty, ids.clone());
    }
    Node::new(Value::Map(map), at)
}

/// `condition` blocks: `{"TEST": {"VARIABLE": values}}`, a single value
/// written as itself, as the provider writes it.
fn conditions(blocks: &Node) -> Node {
    let Some(items) = blocks.as_list() else {
        return Node::new(Value::Unknown, blocks.span);
    };
    let at = covering(items, blocks.span);
    let mut tests = Map::new();
    for block in items {
        let (Some(test), Some(variable), Some(values)) = (
            block.get("test").and_then(Node::as_str),
            block.get("variable").and_then(Node::as_str),
            block.get("values"),
        ) else {
            return Node::new(Value::Unknown, at);
        };
        let entry = tests.get_or_insert_with(test.to_string(), || {
            Node::new(Value::Map(Map::new()), block.span)
        });
        if let Some(variables) = entry.map_mut() {
            let values = match values.as_list() {
                Some([one]) => one.clone(),
                _ => values.clone(),
            };
            append(variables, variable, values);
        }
    }
    Node::new(Value::Map(tests), at)
}

/// Adds `values` under `key`, after the values already there.
fn append(map: &mut Map, key: &str, values: Node) {
    let Some(old) = map.remove(key) else {
        map.insert(key.to_string(), values);
        return;
    };
    let list = |n: Node| match n.value {
        Value::List(items) => Some(items),
        Value::Unknown => None,
        _ => Some(vec![n]),
    };
    let span = old.span;
    let value = match (list(old), list(values)) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Value::List(a)
        }
        _ => Value::Unknown,
    };
    map.insert(key.to_string(), Node::new(value, span));
}

/// The span from the first to the last of `items` (`whole` when none).
fn covering(items: &[Node], whole: Span) -> Span {
    match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => whole,
    }
}

fn text(s: &str, at: Span) -> Node {
    Node::new(Value::Str(s.to_string()), at)
}
