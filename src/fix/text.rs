//! Minimal text edits of YAML and JSON: a scalar written in the file's
//! syntax, and new entries added to a mapping in its style (block or flow)
//! and indentation.

use super::Syntax;
use crate::model::{Node, Value};
use serde_json::Value as J;

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

/// The entry `path: value` added to the mapping `map` (a node of the parsed
/// document, its entries with their key spans): the offset to insert at and
/// the text, nested mappings made for the path's first keys.
pub fn insert(
    text: &str,
    map: &Node,
    path: &[String],
    value: &J,
    syntax: Syntax,
) -> Result<(usize, String), String> {
    let Value::Map(entries) = &map.value else {
        return Err("the place to add to is not a mapping".into());
    };
    let start = map.span.start as usize;
    let json = syntax == Syntax::Json;
    let key = |k: &str| {
        if json {
            J::String(k.into()).to_string()
        } else {
            literal(&J::String(k.into()), syntax)
        }
    };
    let leaf = literal(value, syntax);
    // The value written on one line: `{"A": {"B": true}}` style below the first key.
    let inline = |rest: &[String]| {
        rest.iter()
            .rev()
            .fold(leaf.clone(), |inner, k| format!("{{{}: {inner}}}", key(k)))
    };
    let flow = text[start..].starts_with('{');
    let Some(last_end) = entries.values().map(|v| v.span.end as usize).max() else {
        if !flow {
            return Err("the mapping to add to is empty".into());
        }
        let (first, rest) = path.split_first().ok_or("empty path")?;
        return Ok((start + 1, format!("{}: {}", key(first), inline(rest))));
    };
    let first_key = entries
        .values()
        .filter_map(|v| v.key_span)
        .map(|k| k.start as usize)
        .min()
        .ok_or("the mapping's keys have no position")?;
    let line_start = text[..first_key].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..first_key].chars().count();
    let own_line = text[line_start..first_key].trim().is_empty();
    let (first, rest) = path.split_first().ok_or("empty path")?;
    if flow {
        let separator = match own_line {
            true => format!(",\n{}", " ".repeat(column)),
            false => ", ".to_string(),
        };
        return Ok((
            last_end,
            format!("{separator}{}: {}", key(first), inline(rest)),
        ));
    }
    // Block style: a new line after the last entry's line, at the keys' column.
    let at = if text[..last_end].ends_with('\n') {
        last_end - 1
    } else {
        text[last_end..]
            .find('\n')
            .map_or(text.len(), |i| last_end + i)
    };
    let mut out = String::new();
    for (depth, k) in path.iter().enumerate() {
        out.push('\n');
        out.push_str(&" ".repeat(column + 2 * depth));
        out.push_str(&key(k));
        out.push(':');
    }
    out.push(' ');
    out.push_str(&leaf);
    Ok((at, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};

    fn added(text: &str, path: &[&str], value: J) -> String {
        let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.into());
        let doc = crate::cfn::parse_document(&file, FileId(0)).unwrap();
        let map = doc.get("P").unwrap();
        let syntax = if text.starts_with('{') {
            Syntax::Json
        } else {
            Syntax::Yaml
        };
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        let (at, new) = insert(text, map, &path, &value, syntax).unwrap();
        format!("{}{new}{}", &text[..at], &text[at..])
    }

    #[test]
    fn block_mappings_get_a_line_at_their_indentation_comments_kept() {
        let text = "P:\n    A: 1 # one\n    B: !Ref X\nQ: 2\n";
        assert_eq!(
            added(text, &["C"], J::Bool(true)),
            "P:\n    A: 1 # one\n    B: !Ref X\n    C: true\nQ: 2\n"
        );
        assert_eq!(
            added(text, &["M", "HttpTokens"], J::String("required".into())),
            "P:\n    A: 1 # one\n    B: !Ref X\n    M:\n      HttpTokens: required\nQ: 2\n"
        );
    }

    #[test]
    fn flow_mappings_and_json_keep_their_style() {
        assert_eq!(
            added("P: {A: 1}\n", &["C"], J::Bool(true)),
            "P: {A: 1, C: true}\n"
        );
        assert_eq!(
            added("P: {}\n", &["C", "D"], J::from("on")),
            "P: {C: {D: \"on\"}}\n"
        );
        assert_eq!(
            added("{\"P\": {\n  \"A\": 1\n}}", &["C"], J::Bool(true)),
            "{\"P\": {\n  \"A\": 1,\n  \"C\": true\n}}"
        );
    }

    #[test]
    fn strings_are_quoted_when_they_would_read_back_otherwise() {
        assert_eq!(literal(&J::from("required"), Syntax::Yaml), "required");
        assert_eq!(literal(&J::from("yes"), Syntax::Yaml), "\"yes\"");
        assert_eq!(literal(&J::from("TLS_1_2"), Syntax::Hcl), "\"TLS_1_2\"");
        assert_eq!(literal(&J::from("${x}"), Syntax::Hcl), "\"$${x}\"");
    }
}
