//! YAML templates through the `saphyr-parser` event stream, with a byte span on
//! every key and value, CloudFormation short tags turned into their long form,
//! and a budget against alias bombs (by nodes and by bytes) and runaway
//! nesting (aliases included). Merge keys (`<<: *defaults`) are applied as
//! YAML 1.1 defines them: a map or a list of maps, explicit keys win, and an
//! earlier map of the list wins over a later one.

use crate::budget::{self, Budget, Exceeded, Size, MAX_BYTES, MAX_DEPTH, MAX_STEPS};
use crate::diag::Problem;
use crate::model::{Map, Node, Value};
use crate::source::{CharIndex, FileId, Span};
use foldhash::{HashMap, HashMapExt};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::borrow::Cow;

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
    Map {
        entries: Map,
        key: Option<Key>,
        /// The values of its merge keys, in order.
        merges: Vec<Node>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
}

/// A mapping key waiting for its value.
enum Key {
    Name(String, Span),
    /// The plain scalar `<<`.
    Merge,
}

struct Builder<'a> {
    file: FileId,
    chars: CharIndex<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size)>,
    /// Every node and byte of text counts, alias expansions included.
    budget: Budget,
    root: Option<Node>,
}

pub fn parse(text: &str, file: FileId) -> Result<Node, Problem> {
    let mut b = Builder {
        file,
        chars: CharIndex::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: Budget::default(),
        root: None,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let at = b.chars.byte(e.marker().index());
            Problem::new(Span::new(file, at, at), e.info().to_string())
        })?;
        let start = b.chars.byte(span.start.index());
        let end = b.chars.byte(span.end.index());
        if b.on_event(event, start, end)? {
            break;
        }
    }
    Ok(b.root
        .unwrap_or_else(|| Node::new(Value::Null, Span::new(file, 0, 0))))
}

/// The long-form name of a CloudFormation short tag (`!Ref` → `Ref`, `!Sub` → `Fn::Sub`).
fn intrinsic_name(tag: &Tag) -> Option<String> {
    if tag.handle != "!" {
        return None;
    }
    Some(match tag.suffix.as_str() {
        "Ref" | "Condition" => tag.suffix.clone(),
        other => ["Fn::", other].concat(),
    })
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Handles one event; returns true when the first document is complete.
    fn on_event(&mut self, event: Event, start: usize, end: usize) -> Result<bool, Problem> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                if style == ScalarStyle::Plain && tag.is_none() && value == "<<" {
                    if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = self.stack.last_mut()
                    {
                        *key = Some(Key::Merge);
                        return self.count(1, 2, start).map(|()| false);
                    }
                }
                let tag = tag.as_deref().and_then(intrinsic_name);
                let node = self.scalar(value, style, tag.as_deref(), start, end);
                self.finish(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(start)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start,
                    anchor,
                    tag: tag.as_deref().and_then(intrinsic_name),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.open(start)?;
                self.stack.push(Frame::Map {
                    entries: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    start,
                    anchor,
                    tag: tag.as_deref().and_then(intrinsic_name),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, start, anchor, tag, last_end) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        start,
                        anchor,
                        tag,
                    }) => {
                        let last = items.last().map(|n| n.span.end as usize);
                        (Value::List(items), start, anchor, tag, last)
                    }
                    Some(Frame::Map {
                        mut entries,
                        merges,
                        start,
                        anchor,
                        tag,
                        ..
                    }) => {
                        let last = entries.values().map(|n| n.span.end as usize).max();
                        for merged in merges {
                            merge_into(&mut entries, merged)?;
                        }
                        (Value::Map(entries), start, anchor, tag, last)
                    }
                    None => return Ok(false),
                };
                // Block collections end where their last item ends, not at the next token.
                let end = last_end.map_or(end, |l| l.max(start));
                let mut node = Node::new(value, self.span(start, end));
                if let Some(name) = &tag {
                    node = wrap_intrinsic(name, node);
                }
                self.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let (node, size) = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| Problem::new(self.span(start, end), "unknown alias"))?;
                if self.stack.len() + size.height > MAX_DEPTH {
                    return Err(self.too_deep(start));
                }
                self.count(size.nodes, size.bytes, start)?;
                let mut node = node.clone();
                node.key_span = None;
                self.push(node)?;
            }
            Event::DocumentEnd => return Ok(self.root.is_some()),
            _ => {}
        }
        Ok(false)
    }

    fn open(&mut self, start: usize) -> Result<(), Problem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.too_deep(start));
        }
        Ok(())
    }

    fn too_deep(&self, at: usize) -> Problem {
        Problem::new(
            self.span(at, at),
            format!("nesting deeper than {MAX_DEPTH} levels"),
        )
    }

    /// Counts `nodes` and `bytes` of text added at `at`.
    fn count(&self, nodes: u64, bytes: u64, at: usize) -> Result<(), Problem> {
        let what = match self.budget.spend(nodes, bytes) {
            Ok(()) => return Ok(()),
            Err(Exceeded::Bytes) => format!("more than {} MiB of text", MAX_BYTES >> 20),
            Err(_) => format!("more than {MAX_STEPS} nodes"),
        };
        Err(Problem::new(
            self.span(at, at),
            format!("document has {what}, counting alias expansions"),
        ))
    }

    fn scalar(
        &self,
        text: Cow<str>,
        style: ScalarStyle,
        tag: Option<&str>,
        start: usize,
        end: usize,
    ) -> Node {
        let span = self.span(start, end);
        match tag {
            Some("Fn::GetAtt") => {
                // `!GetAtt Res.Attr` is `{"Fn::GetAtt": ["Res", "Attr"]}`.
                let parts = match text.split_once('.') {
                    Some((r, a)) => vec![r, a],
                    None => vec![&*text],
                };
                let items = parts
                    .into_iter()
                    .map(|p| Node::new(Value::Str(p.to_string()), span))
                    .collect();
                wrap_intrinsic("Fn::GetAtt", Node::new(Value::List(items), span))
            }
            Some(name) => wrap_intrinsic(name, Node::new(Value::Str(text.into_owned()), span)),
            None if style == ScalarStyle::Plain => Node::new(resolve_plain(text), span),
            None => Node::new(Value::Str(text.into_owned()), span),
        }
    }

    /// Completes a node: records its anchor and hands it to the parent.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Problem> {
        let text = node.as_str().map_or(0, str::len) as u64;
        self.count(1, text, node.span.start as usize)?;
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), budget::size(&node)));
        }
        self.push(node)
    }

    fn push(&mut self, mut node: Node) -> Result<(), Problem> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let name = match node.value {
                        Value::Str(s) => s,
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        _ => {
                            return Err(Problem::new(
                                node.span,
                                "complex mapping keys are not supported",
                            ))
                        }
                    };
                    *key = Some(Key::Name(name, node.span));
                }
                Some(Key::Merge) => merges.push(node),
                Some(Key::Name(name, key_span)) => {
                    node.key_span = Some(key_span);
                    if let Err((name, _)) = entries.insert_new(name, node) {
                        let message = format!("duplicate key '{name}'");
                        return Err(Problem::new(key_span, message));
                    }
                }
            },
        }
        Ok(())
    }
}

/// Adds the entries of a merge key's value (a map, or a list of maps where
/// the first wins) that `entries` does not have.
fn merge_into(entries: &mut Map, merged: Node) -> Result<(), Problem> {
    let maps = match merged.value {
        Value::Map(m) => vec![m],
        Value::List(items) => items
            .into_iter()
            .map(|i| match i.value {
                Value::Map(m) => Ok(m),
                _ => Err(Problem::new(i.span, "a merge key (<<) takes maps only")),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(Problem::new(
                merged.span,
                "a merge key (<<) takes a map or a list of maps",
            ))
        }
    };
    for map in maps {
        for (k, v) in map {
            // The entries written beside the merge key win.
            let _ = entries.insert_new(k, v);
        }
    }
    Ok(())
}

fn wrap_intrinsic(name: &str, node: Node) -> Node {
    let span = node.span;
    let mut inner = node;
    inner.key_span = Some(span);
    Node::new(Value::Map(Map::from([(name.to_string(), inner)])), span)
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(s: Cow<str>) -> Value {
    match &*s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(&s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Int(i);
        }
    }
    let looks_float = digits
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_float {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn short_tags_become_long_form() {
        let text = "A: !Ref Vpc\nB: !GetAtt Role.Arn\nC: !Sub\n  - x${y}\n  - {y: 1}\n";
        let n = parse(text, FileId(0)).unwrap();
        let a = n.get("A").unwrap().get("Ref").unwrap();
        assert_eq!(a.as_str(), Some("Vpc"));
        let b = n
            .get("B")
            .unwrap()
            .get("Fn::GetAtt")
            .unwrap()
            .as_list()
            .unwrap();
        assert_eq!(b[1].as_str(), Some("Arn"));
        assert!(n
            .get("C")
            .unwrap()
            .get("Fn::Sub")
            .unwrap()
            .as_list()
            .is_some());
    }

    #[test]
    fn spans_are_bytes_even_after_non_ascii() {
        let text = "Description: \"ümlaut ✓\"\nKey: value\n";
        let n = parse(text, FileId(0)).unwrap();
        let v = n.get("Key").unwrap();
        assert_eq!(text_of(text, v.span), "value");
        assert_eq!(text_of(text, v.key_span.unwrap()), "Key");
    }

    #[test]
    fn plain_scalars_resolve() {
        let n = parse("a: 22\nb: true\nc: '22'\nd: 1.5\ne: 0.0.0.0/0\n", FileId(0)).unwrap();
        assert_eq!(n.get("a").unwrap().value, Value::Int(22));
        assert_eq!(n.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(n.get("c").unwrap().value, Value::Str("22".into()));
        assert_eq!(n.get("d").unwrap().value, Value::Float(1.5));
        assert_eq!(n.get("e").unwrap().value, Value::Str("0.0.0.0/0".into()));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert!(err.message.contains("alias expansions"), "{}", err.message);
    }

    #[test]
    fn merge_keys_apply_with_explicit_keys_and_earlier_maps_winning() {
        let text = "base: &base {FromPort: 0, ToPort: 65535, CidrIp: 0.0.0.0/0}\n\
                    other: &other {FromPort: 1, IpProtocol: tcp, Description: x}\n\
                    rule:\n  <<: [*base, *other]\n  FromPort: 22\n  ToPort: 22\n\
                    single: {<<: *other, Description: y}\n\
                    quoted: {'<<': 1}\n";
        let n = parse(text, FileId(0)).unwrap();
        let rule = n.get("rule").unwrap();
        let int = |n: &Node, k: &str| n.get(k).map(|v| v.value.clone());
        assert_eq!(int(rule, "FromPort"), Some(Value::Int(22)));
        assert_eq!(int(rule, "ToPort"), Some(Value::Int(22)));
        assert_eq!(rule.get("CidrIp").unwrap().as_str(), Some("0.0.0.0/0"));
        assert_eq!(rule.get("IpProtocol").unwrap().as_str(), Some("tcp"));
        assert!(rule.get("<<").is_none());
        let single = n.get("single").unwrap();
        assert_eq!(single.get("Description").unwrap().as_str(), Some("y"));
        assert_eq!(int(single, "FromPort"), Some(Value::Int(1)));
        assert_eq!(int(n.get("quoted").unwrap(), "<<"), Some(Value::Int(1)));
        let err = parse("a: {<<: 3}\n", FileId(0)).unwrap_err();
        assert!(err.message.contains("merge key"), "{}", err.message);
        let err = parse("a: {<<: [{b: 1}, 2]}\n", FileId(0)).unwrap_err();
        assert!(err.message.contains("maps only"), "{}", err.message);
    }

    #[test]
    fn merged_alias_bombs_are_counted() {
        let mut text = String::from("a0: &a0 {k0: [x, x, x, x, x, x, x, x, x, x]}\n");
        for i in 1..9 {
            let p = i - 1;
            let items: Vec<String> = (0..10).map(|j| format!("k{j}: *a{p}")).collect();
            text.push_str(&format!(
                "a{i}: &a{i} {{<<: *a{p}, {}}}\n",
                items.join(", ")
            ));
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert!(err.message.contains("alias expansions"), "{}", err.message);
    }

    #[test]
    fn errors_and_limits() {
        assert!(parse("a: [1, 2\nb: c", FileId(0)).is_err());
        let err = parse("a: 1\na: 2\n", FileId(0)).unwrap_err();
        assert_eq!(err.message, "duplicate key 'a'");
        let deep = "[".repeat(300);
        assert!(parse(&deep, FileId(0)).is_err());
    }
}
