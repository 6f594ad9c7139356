//! JSON text into model nodes, with a byte span on every key and value
//! (templates, `.tf.json` files and JSON documents inside strings).

use crate::diag::Problem;
use crate::model::{Map, Node, Value};
use crate::source::{FileId, Span};
use jsonc_parser::ast;

/// Nesting beyond this is refused (real templates stay far below it).
const MAX_DEPTH: usize = 256;

/// JSON as the services read it (a missing or trailing comma, a single-quoted
/// string or a bare word is an error), with comments still allowed.
pub const STRICT: jsonc_parser::ParseOptions = jsonc_parser::ParseOptions {
    allow_comments: true,
    allow_loose_object_property_names: false,
    allow_trailing_commas: false,
    allow_missing_commas: false,
    allow_single_quoted_strings: false,
    allow_hexadecimal_numbers: false,
    allow_unary_plus_numbers: false,
    allow_bare_decimal_point_numbers: false,
    allow_non_finite_numbers: false,
    allow_extended_string_escapes: false,
};

pub fn parse(text: &str, file: FileId) -> Result<Node, Problem> {
    if let Some(offset) = too_deep(text) {
        return Err(Problem::new(
            Span::new(file, offset, offset),
            format!("nesting deeper than {MAX_DEPTH} levels"),
        ));
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &STRICT).map_err(|e| {
        let r = e.range();
        Problem::new(Span::new(file, r.start, r.end), e.kind().to_string())
    })?;
    let value = parsed
        .value
        .ok_or_else(|| Problem::new(Span::new(file, 0, 0), "empty JSON document"))?;
    convert(&value, file)
}

/// The JSON object or array a string value holds (a policy document written
/// as a string), or `None` when it holds neither. Spans point into `written`, the
/// text of the value's file, where the string appears there verbatim; else
/// every span is the whole value's.
pub fn parse_embedded(value: &Node, written: Option<&str>) -> Option<Node> {
    let text = value.as_str()?;
    if !text.trim_start().starts_with(['{', '[']) {
        return None;
    }
    let mut doc = parse(text, value.span.file).ok()?;
    let start = value.span.start as usize;
    let offset = written
        .and_then(|w| w.get(start..value.span.end as usize))
        .and_then(|s| s.find(text))
        .map(|i| start + i);
    shift_spans(&mut doc, offset, value.span);
    doc.span = value.span;
    doc.key_span = value.key_span;
    Some(doc)
}

pub(crate) fn shift_spans(node: &mut Node, offset: Option<usize>, whole: Span) {
    let shift = |s: &mut Span| match offset {
        Some(o) => {
            s.start += o as u32;
            s.end += o as u32;
        }
        None => *s = whole,
    };
    shift(&mut node.span);
    if let Some(k) = &mut node.key_span {
        shift(k);
    }
    match &mut node.value {
        Value::Map(m) => m.values_mut().for_each(|v| shift_spans(v, offset, whole)),
        Value::List(l) => l.iter_mut().for_each(|v| shift_spans(v, offset, whole)),
        _ => {}
    }
}

/// Offset of the first bracket nested deeper than [`MAX_DEPTH`], ignoring
/// strings; a text with no more opening brackets than that is not looked at further.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'{', b'[', bytes).nth(MAX_DEPTH)?;
    let (mut depth, mut i) = (0usize, 0);
    while let Some(&b) = bytes.get(i) {
        match b {
            // An unterminated string holds the rest of the text.
            b'"' => i += 1 + string_end(&bytes[i + 1..])?,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The offset of the quote ending a string whose text starts `rest`.
fn string_end(rest: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let found = at + memchr::memchr2(b'"', b'\\', rest.get(at..)?)?;
        if rest[found] == b'"' {
            return Some(found);
        }
        at = found + 2;
    }
}

fn span(r: jsonc_parser::common::Range, file: FileId) -> Span {
    Span::new(file, r.start, r.end)
}

fn convert(v: &ast::Value, file: FileId) -> Result<Node, Problem> {
    Ok(match v {
        ast::Value::StringLit(s) => Node::new(Value::Str(s.value.to_string()), span(s.range, file)),
        ast::Value::NumberLit(n) => {
            let value = match n.value.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => n
                    .value
                    .parse::<f64>()
                    .map_or_else(|_| Value::Str(n.value.to_string()), Value::Float),
            };
            Node::new(value, span(n.range, file))
        }
        ast::Value::BooleanLit(b) => Node::new(Value::Bool(b.value), span(b.range, file)),
        ast::Value::NullKeyword(n) => Node::new(Value::Null, span(n.range, file)),
        ast::Value::Array(a) => {
            let items = a
                .elements
                .iter()
                .map(|e| convert(e, file))
                .collect::<Result<_, _>>()?;
            Node::new(Value::List(items), span(a.range, file))
        }
        ast::Value::Object(o) => {
            let mut map = Map::with_capacity(o.properties.len());
            for prop in &o.properties {
                let key = prop.name.as_str().to_string();
                let key_range = match &prop.name {
                    ast::ObjectPropName::String(s) => s.range,
                    ast::ObjectPropName::Word(w) => w.range,
                };
                if map.contains_key(&key) {
                    return Err(Problem::new(
                        span(key_range, file),
                        format!("duplicate key '{}'", prop.name.as_str()),
                    ));
                }
                let mut node = convert(&prop.value, file)?;
                node.key_span = Some(span(key_range, file));
                map.insert(key, node);
            }
            Node::new(Value::Map(map), span(o.range, file))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let text = r#"{"a": {"b": [1, "x"]}}"#;
        let node = parse(text, FileId(0)).unwrap();
        let b = node.get("a").unwrap().get("b").unwrap();
        let x = &b.as_list().unwrap()[1];
        assert_eq!(&text[x.span.start as usize..x.span.end as usize], "\"x\"");
        let k = b.key_span.unwrap();
        assert_eq!(&text[k.start as usize..k.end as usize], "\"b\"");
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("{\"a\": [1,}", FileId(0)).unwrap_err();
        assert!(err.span.start > 0, "{err:?}");
        let err = parse(&"[".repeat(10_000), FileId(0)).unwrap_err();
        assert!(err.message.contains("nesting"));
        // Brackets inside strings, escaped quotes included, do not nest.
        let text = format!(
            r#"["\"\\{}", {}1{}]"#,
            "[".repeat(300),
            "[".repeat(9),
            "]".repeat(9)
        );
        assert_eq!(too_deep(&text), None);
        let deep = format!(r#"["\\", {}1{}]"#, "[".repeat(300), "]".repeat(300));
        assert_eq!(
            too_deep(&deep),
            Some(deep.find('[').unwrap() + MAX_DEPTH + 6)
        );
        assert!(parse(&text, FileId(0)).is_ok());
        // At the limit and one past it: the count of brackets decides nothing on its own.
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert_eq!(too_deep(&nested(MAX_DEPTH + 1)), Some(MAX_DEPTH));
        let err = parse(r#"{"a": 1, "a": 2}"#, FileId(0)).unwrap_err();
        assert!(err.message.contains("duplicate key 'a'"));
    }

    #[test]
    fn embedded_documents_point_into_the_file_when_written_verbatim() {
        let file = r#"policy: '{"Statement": []}'"#;
        let (start, end) = (8, file.len());
        let value = Node::new(
            Value::Str(file[start + 1..end - 1].to_string()),
            Span::new(FileId(0), start, end),
        );
        let doc = parse_embedded(&value, Some(file)).unwrap();
        let statements = doc.get("Statement").unwrap();
        assert_eq!(
            &file[statements.span.start as usize..statements.span.end as usize],
            "[]"
        );
        assert_eq!(doc.span, value.span);
        let elsewhere = parse_embedded(&value, None).unwrap();
        assert_eq!(elsewhere.get("Statement").unwrap().span, value.span);
        let list = Node::new(Value::Str("[1]".into()), value.span);
        assert!(parse_embedded(&list, Some(file)).is_some_and(|l| l.as_list().is_some()));
        let name = Node::new(Value::Str("{{resolve:ssm:p}}".into()), value.span);
        assert!(parse_embedded(&name, Some(file)).is_none());
    }

    #[test]
    fn only_strict_json_is_accepted_comments_aside() {
        for text in [
            "{\"a\": 1\n \"b\": 2}",
            "{\"a\": [1 2]}",
            "{\"a\": 1,}",
            "{a: 1}",
            "{\"a\": 'x'}",
            "{\"a\": 0x1F}",
            "{\"a\": +1}",
            "{\"a\": NaN}",
        ] {
            assert!(parse(text, FileId(0)).is_err(), "{text}");
        }
        let err = parse("{\"a\": 1\n \"b\": 2}", FileId(0)).unwrap_err();
        assert_eq!(
            (err.span.start, err.message.as_str()),
            (7, "Expected comma")
        );
        let doc = parse("// a note\n{\"a\": /* inline */ 1}", FileId(0)).unwrap();
        assert_eq!(doc.get("a").unwrap().value, Value::Int(1));
    }
}
