//! Minimal text edits of YAML and JSON: a scalar written in the file's
//! syntax, new entries (scalars, mappings, lists) added to a mapping in its
//! style (block or flow) and indentation, and an element removed with its
//! lines or separator.

use super::Syntax;
use crate::model::{Node, Value};
use serde_json::Value as J;
use std::ops::Range;

/// A scalar as `syntax` writes it.
pub fn literal(value: &J, syntax: Syntax) -> String {
    match (value, syntax) {
        (J::String(s), Syntax::Yaml) if plain_yaml(s) => s.clone(),
        (J::String(s), Syntax::Hcl) => {
            let escaped = J::String(s.clone()).to_string();
            escaped.replace("${", "$${").replace("%{", "%%{")
        }
        (v, _) => v.to_string(),
    }
}

/// True if `s` reads back as the same string when written unquoted in YAML.
fn plain_yaml(s: &str) -> bool {
    let reserved = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"];
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
}

/// The entry `key: value` added to the mapping `map` (a node of the parsed
/// document, its entries with their key spans), in its style: the offset to
/// insert at and the text (`\n` line ends).
pub fn insert(
    text: &str,
    map: &Node,
    key: &str,
    value: &J,
    syntax: Syntax,
) -> Result<(usize, String), String> {
    if !matches!(map.value, Value::Map(_)) {
        return Err("the place to add to is not a mapping".into());
    }
    let start = map.span.start as usize;
    let key = name(key, syntax);
    let flow = text[start..].starts_with('{');
    let entries = written(map);
    // The entry written last ends last: only its end is worked out, which
    // keeps a mapping of many entries on one line linear.
    let last = entries.iter().max_by_key(|v| v.key_span.map(|k| k.start));
    let Some(last_end) = last.map(|v| written_end(text, v)) else {
        if !flow {
            return Err("the mapping to add to is empty".into());
        }
        return Ok((start + 1, format!("{key}: {}", inline(value, syntax))));
    };
    let first_key = (entries.iter())
        .filter_map(|v| v.key_span)
        .map(|k| k.start as usize)
        .min()
        .ok_or("the mapping's keys have no position")?;
    let line_start = text[..first_key].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..first_key].chars().count();
    let own_line = text[line_start..first_key].trim().is_empty();
    if flow {
        let indent = " ".repeat(column);
        let entry = match (own_line, syntax) {
            (true, Syntax::Json) => format!(",\n{indent}{key}: {}", pretty(value, &indent)),
            (true, _) => format!(",\n{indent}{key}: {}", inline(value, syntax)),
            (false, _) => format!(", {key}: {}", inline(value, syntax)),
        };
        return Ok((last_end, entry));
    }
    // Block style: a new line after the last entry's line, at the keys' column.
    let at = match text[..last_end].ends_with('\n') {
        true => line_end(text, last_end - 1),
        false => line_end(text, last_end),
    };
    let mut out = format!("\n{}{key}:", " ".repeat(column));
    block(value, column + 2, &mut out);
    Ok((at, out))
}

/// The bytes to delete to remove element `index` of the sequence or mapping
/// `container` with its whole lines (block style) or its separator (flow
/// style, JSON); `None` when it is the only element.
pub fn remove(text: &str, container: &Node, index: usize) -> Result<Option<Range<usize>>, String> {
    let mut elements: Vec<(usize, &Node)> = match &container.value {
        Value::List(items) => (items.iter()).map(|n| (n.span.start as usize, n)).collect(),
        Value::Map(m) => (m.values())
            .map(|n| (n.label_span().start as usize, n))
            .collect(),
        _ => return Err("the element is not in a list".into()),
    };
    let &(start, node) = elements.get(index).ok_or("the element was not found")?;
    let end = end_of(text, node);
    if elements.len() == 1 {
        return Ok(None);
    }
    // Only the ends needed are worked out (each may scan its line), which
    // keeps a list of many elements on one line linear.
    elements.sort_by_key(|e| e.0);
    let i = elements.partition_point(|e| e.0 < start);
    if text[container.span.start as usize..].starts_with(['[', '{']) {
        return Ok(Some(match elements.get(i + 1) {
            Some(next) => start..next.0,
            // The end of the element before: the last of those starting
            // where it does.
            None => {
                let before = elements[..i].last().map(|e| e.0);
                let ends = elements[..i]
                    .iter()
                    .rev()
                    .take_while(|e| Some(e.0) == before);
                ends.map(|e| end_of(text, e.1)).max().unwrap_or(start)..end
            }
        }));
    }
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let last = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let before = text[first..start].trim_start();
    let after = text[end..last].trim();
    let marker = before.starts_with('-') && matches!(container.value, Value::List(_));
    if !(before.is_empty() || marker) || !(after.is_empty() || after.starts_with('#')) {
        return Err("the element shares its lines with others".into());
    }
    Ok(Some(first..last))
}

/// The entries written in the mapping `map`, keys and all: not those
/// merged in (`<<: *a`, written before it), nor an intrinsic function's
/// (`!Ref X`).
fn written(map: &Node) -> Vec<&Node> {
    let Value::Map(entries) = &map.value else {
        return Vec::new();
    };
    (entries.values())
        .filter(|v| v.key_span.is_some_and(|k| k.start >= map.span.start))
        .collect()
}

/// Where the entry `node` of a mapping ends as written there: after its
/// alias (`K: *a`; the node is the anchor's value, written before).
fn written_end(text: &str, node: &Node) -> usize {
    let Some(key) = node.key_span.filter(|k| node.span.start < k.start) else {
        return end_of(text, node);
    };
    let rest = &text[key.end as usize..];
    let alias = rest.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    let name = alias.find(|c: char| c.is_whitespace() || ",]}".contains(c));
    key.end as usize + rest.len() - alias.len() + name.unwrap_or(alias.len())
}

/// Where the value of `node` ends: after the closing bracket of a flow
/// collection (the parser's span may stop before it), after the last line
/// of a block scalar (the parser's span runs on to the next token), where
/// the last element of a block collection ends.
fn end_of(text: &str, node: &Node) -> usize {
    let start = node.span.start as usize;
    if let Some(end) = block_scalar_end(text, node) {
        return end;
    }
    let bytes = text.as_bytes();
    if !matches!(bytes.get(start), Some(b'{' | b'[')) {
        let last = match &node.value {
            Value::List(items) => items.iter().map(|n| end_of(text, n)).max(),
            Value::Map(_) => (written(node).iter()).map(|n| written_end(text, n)).max(),
            _ => None,
        };
        return last.unwrap_or(node.span.end as usize);
    }
    let (mut depth, mut quote, mut escaped) = (0usize, None, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' && q == b'"' {
                    escaped = true;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
    }
    node.span.end as usize
}

/// Where the block scalar (`|`, `>-`, ...) `node` ends: after its last
/// line, its kept (`+`) blank lines included; `None` when it is none. Its
/// span starts at its first line (at its tag, when it has one) and runs on
/// to the next token.
fn block_scalar_end(text: &str, node: &Node) -> Option<usize> {
    let (start, end) = (node.span.start as usize, node.span.end as usize);
    // The indicator ends the header line (but for a comment).
    let indicator = |line: &str| {
        let last = line.split(" #").next()?.split_whitespace().last()?;
        let mut chars = last.chars();
        let block =
            matches!(chars.next(), Some('|' | '>')) && chars.all(|c| "+-0123456789".contains(c));
        block.then(|| last.contains('+'))
    };
    let before = text[..start].trim_end();
    let keep = indicator(&text[start..line_end(text, start)])
        .or_else(|| indicator(&before[before.rfind('\n').map_or(0, |i| i + 1)..]))?;
    let value = text.get(start..end)?;
    let kept = match keep {
        true => value.trim_end_matches([' ', '\t']),
        false => value.trim_end(),
    };
    Some(start + kept.len())
}

/// The end of the line holding `at` (before its `\r\n` or `\n`).
fn line_end(text: &str, at: usize) -> usize {
    let eol = text[at..].find('\n').map_or(text.len(), |i| at + i);
    match text[..eol].ends_with('\r') {
        true => eol - 1,
        false => eol,
    }
}

/// A key as `syntax` writes it.
fn name(key: &str, syntax: Syntax) -> String {
    match syntax {
        Syntax::Json => J::String(key.into()).to_string(),
        _ => literal(&J::String(key.into()), syntax),
    }
}

/// A value on one line: `{A: [1, 2]}` (YAML flow style), or JSON.
fn inline(value: &J, syntax: Syntax) -> String {
    match value {
        J::Object(m) => {
            let entries: Vec<String> = (m.iter())
                .map(|(k, v)| format!("{}: {}", name(k, syntax), inline(v, syntax)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        J::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| inline(v, syntax)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => literal(value, syntax),
    }
}

/// JSON over several lines, each after the first starting with `indent`.
fn pretty(value: &J, indent: &str) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.replace('\n', &format!("\n{indent}"))
}

/// A value in YAML block style after its `key:`, nested entries at `column`.
fn block(value: &J, column: usize, out: &mut String) {
    let indent = " ".repeat(column);
    match value {
        J::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                out.push_str(&format!("\n{indent}{}:", name(k, Syntax::Yaml)));
                block(v, column + 2, out);
            }
        }
        J::Array(items) if !items.is_empty() => {
            for item in items {
                let mut inner = String::new();
                block(item, column + 2, &mut inner);
                // `- ` takes the place of the first entry's indentation.
                let nested = format!("\n{indent}  ");
                match inner.strip_prefix(&nested) {
                    Some(rest) if item.is_object() => {
                        out.push_str(&format!("\n{indent}- {rest}"));
                    }
                    _ => out.push_str(&format!("\n{indent}-{inner}")),
                }
            }
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(value, Syntax::Yaml));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};
    use serde_json::json;

    fn parsed(text: &str) -> Node {
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.into());
        crate::cfn::parse_document(&file, FileId(0)).unwrap()
    }

    fn added(text: &str, key: &str, value: J) -> String {
        let doc = parsed(text);
        let map = doc.get("P").unwrap();
        let syntax = match text.starts_with('{') {
            true => Syntax::Json,
            false => Syntax::Yaml,
        };
        let (at, new) = insert(text, map, key, &value, syntax).unwrap();
        format!("{}{new}{}", &text[..at], &text[at..])
    }

    /// `text` without element `index` of the list or mapping at `P.L`.
    fn removed(text: &str, index: usize) -> Option<String> {
        let doc = parsed(text);
        let list = doc.get("P").unwrap().get("L").unwrap();
        let range = remove(text, list, index).unwrap()?;
        Some(format!("{}{}", &text[..range.start], &text[range.end..]))
    }

    #[test]
    fn block_mappings_get_a_line_at_their_indentation_comments_kept() {
        let text = "P:\n    A: 1 # one\n    B: !Ref X\nQ: 2\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "P:\n    A: 1 # one\n    B: !Ref X\n    C: true\nQ: 2\n"
        );
        assert_eq!(
            added(text, "M", json!({"HttpTokens": "required"})),
            "P:\n    A: 1 # one\n    B: !Ref X\n    M:\n      HttpTokens: required\nQ: 2\n"
        );
    }

    #[test]
    fn a_block_scalar_ends_at_its_last_line_not_at_the_next_key() {
        let text = "R:\n  P:\n    A: 1\n    D: >-\n      folded\n      text\n  Q:\n    B: 2\n";
        let doc = parsed(text);
        let map = doc.get("R").unwrap().get("P").unwrap();
        let (at, new) = insert(text, map, "C", &J::Bool(true), Syntax::Yaml).unwrap();
        assert_eq!(
            &text[..at],
            "R:\n  P:\n    A: 1\n    D: >-\n      folded\n      text"
        );
        assert_eq!(new, "\n    C: true");
        let text = "P:\n  D: !Sub |\n    one\n\n    # two\n\n# about Q\nQ: 1\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "P:\n  D: !Sub |\n    one\n\n    # two\n  C: true\n\n# about Q\nQ: 1\n"
        );
        let text = "P:\n  D: |\nQ: 1\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "P:\n  D: |\n  C: true\nQ: 1\n"
        );
        // Kept trailing blank lines are part of the value.
        let text = "P:\n  D: |+\n    one\n\nQ: 1\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "P:\n  D: |+\n    one\n\n  C: true\nQ: 1\n"
        );
    }

    #[test]
    fn aliases_and_merged_entries_are_not_where_the_mapping_is_written() {
        let text = "A: &a\n  X: 1\nP:\n  K: *a\nQ: 1\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "A: &a\n  X: 1\nP:\n  K: *a\n  C: true\nQ: 1\n"
        );
        assert_eq!(
            added("A: &a {X: 1}\nP: {K: *a}\n", "C", J::Bool(true)),
            "A: &a {X: 1}\nP: {K: *a, C: true}\n"
        );
        let text = "A: &a\n    X: 1\nP:\n  <<: *a\n  K: 2\nQ: 1\n";
        assert_eq!(
            added(text, "C", J::Bool(true)),
            "A: &a\n    X: 1\nP:\n  <<: *a\n  K: 2\n  C: true\nQ: 1\n"
        );
    }

    #[test]
    fn a_collection_ending_in_a_block_scalar_is_removed_with_its_lines_only() {
        let text = "P:\n  L:\n    - A: 1\n      D: |\n        x\n  M: 1\n";
        let doc = parsed(text);
        let range = remove(text, doc.get("P").unwrap(), 0).unwrap().unwrap();
        assert_eq!(&text[range], "  L:\n    - A: 1\n      D: |\n        x\n");
    }

    #[test]
    fn structured_values_are_written_in_block_style_lists_included() {
        let value =
            json!({"Rules": [{"ByDefault": {"Algo": "AES256"}, "Key": true}], "Tags": ["a", "b"]});
        assert_eq!(
            added("P:\n  A: 1\n", "E", value),
            "P:\n  A: 1\n  E:\n    Rules:\n      - ByDefault:\n          Algo: AES256\n        Key: true\n    Tags:\n      - a\n      - b\n"
        );
    }

    #[test]
    fn flow_mappings_and_json_keep_their_style() {
        assert_eq!(
            added("P: {A: 1}\n", "C", J::Bool(true)),
            "P: {A: 1, C: true}\n"
        );
        assert_eq!(
            added("P: {}\n", "C", json!({"D": "on"})),
            "P: {C: {D: \"on\"}}\n"
        );
        assert_eq!(
            added("P: {A: {B: 1}}\n", "C", json!([{"D": 1}])),
            "P: {A: {B: 1}, C: [{D: 1}]}\n"
        );
        assert_eq!(
            added("{\"P\": {\n  \"A\": 1\n}}", "C", J::Bool(true)),
            "{\"P\": {\n  \"A\": 1,\n  \"C\": true\n}}"
        );
        assert_eq!(
            added("{\"P\": {\n  \"A\": 1\n}}", "C", json!([{"D": 1}])),
            "{\"P\": {\n  \"A\": 1,\n  \"C\": [\n    {\n      \"D\": 1\n    }\n  ]\n}}"
        );
    }

    #[test]
    fn crlf_lines_are_added_before_the_line_end() {
        assert_eq!(
            added("P:\r\n  A: 1\r\nQ: 2\r\n", "C", J::Bool(true)),
            "P:\r\n  A: 1\n  C: true\r\nQ: 2\r\n"
        );
    }

    #[test]
    fn block_elements_go_with_their_lines_flow_ones_with_their_comma() {
        let block = "P:\n  L:\n    - A: 1 # first\n      B: 2\n    - A: 3\n  M: 1\n";
        assert_eq!(removed(block, 0).unwrap(), "P:\n  L:\n    - A: 3\n  M: 1\n");
        assert_eq!(
            removed(block, 1).unwrap(),
            "P:\n  L:\n    - A: 1 # first\n      B: 2\n  M: 1\n"
        );
        let crlf = "P:\r\n  L:\r\n    - a\r\n    - b\r\n";
        assert_eq!(removed(crlf, 0).unwrap(), "P:\r\n  L:\r\n    - b\r\n");
        let flow = "P:\n  L: [{A: 1}, {A: [2, 3]}, c]\n";
        assert_eq!(removed(flow, 0).unwrap(), "P:\n  L: [{A: [2, 3]}, c]\n");
        assert_eq!(removed(flow, 1).unwrap(), "P:\n  L: [{A: 1}, c]\n");
        assert_eq!(
            removed(flow, 2).unwrap(),
            "P:\n  L: [{A: 1}, {A: [2, 3]}]\n"
        );
        let json = "{\"P\": {\"L\": [\n  {\"A\": \"]\"},\n  {\"A\": 2}\n]}}";
        assert_eq!(
            removed(json, 0).unwrap(),
            "{\"P\": {\"L\": [\n  {\"A\": 2}\n]}}"
        );
        assert_eq!(
            removed(json, 1).unwrap(),
            "{\"P\": {\"L\": [\n  {\"A\": \"]\"}\n]}}"
        );
        assert_eq!(removed("P:\n  L: [a]\n", 0), None);
        // A mapping's entry (here `L`, the second by name) goes the same way.
        let text = "P:\n  M: 1\n  L:\n    - a\n  K: 2\n";
        let doc = parsed(text);
        let range = remove(text, doc.get("P").unwrap(), 1).unwrap().unwrap();
        assert_eq!(&text[range], "  L:\n    - a\n");
        // The first entry of a mapping that is a list item shares its `- `.
        let text = "P:\n  L:\n    - A: [x]\n      B: 2\n";
        let doc = parsed(text);
        let item = &doc.get("P").unwrap().get("L").unwrap().as_list().unwrap()[0];
        let err = remove(text, item, 0).unwrap_err();
        assert_eq!(err, "the element shares its lines with others");
    }

    #[test]
    fn strings_are_quoted_when_they_would_read_back_otherwise() {
        assert_eq!(literal(&J::from("required"), Syntax::Yaml), "required");
        assert_eq!(literal(&J::from("yes"), Syntax::Yaml), "\"yes\"");
        assert_eq!(literal(&J::from("TLS_1_2"), Syntax::Hcl), "\"TLS_1_2\"");
        assert_eq!(literal(&J::from("${x}"), Syntax::Hcl), "\"$${x}\"");
    }
}
