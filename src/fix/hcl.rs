//! Terraform edits with hcl-edit: attributes (and the nested blocks that
//! hold them) added to a block, the rest of the file untouched.

use super::text::literal;
use super::Syntax;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::{Decorate, Decorated, Ident, Span as _};
use serde_json::Value as J;
use std::ops::Range;

/// Adds `path = value` assignments to the innermost block of `text` whose
/// span holds `at`; returns the bytes replaced and their replacement.
pub fn insert(
    text: &str,
    at: Range<usize>,
    assignments: &[(&[String], &J)],
) -> Result<(Range<usize>, String), String> {
    let mut body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
    let block = innermost(&mut body, &at).ok_or("the block to add to was not found")?;
    let start = block.span().map_or(0, |r| r.start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let align = equals_column(text, &block.body);
    for (path, value) in assignments {
        add(&mut block.body, path, value, &format!("{indent}  "), align)?;
    }
    Ok(minimal_edit(text, &body.to_string()))
}

/// The innermost block whose span holds `at`.
fn innermost<'a>(body: &'a mut Body, at: &Range<usize>) -> Option<&'a mut Block> {
    let holds = |b: &Block| {
        b.span()
            .is_some_and(|r| r.start <= at.start && at.end <= r.end)
    };
    let index = body.iter().position(|s| s.as_block().is_some_and(holds))?;
    let block = body.get_mut(index)?.as_block_mut()?;
    let deeper = block.body.iter().any(|s| s.as_block().is_some_and(holds));
    if deeper {
        return innermost(&mut block.body, at);
    }
    Some(block)
}

/// The column of the `=` of the attributes a new one follows, when they
/// end the body (as `terraform fmt` aligns them).
fn equals_column(text: &str, body: &Body) -> Option<usize> {
    let last = body.iter().last()?.as_attribute()?;
    let start = last.span()?.start;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let equals = start + text[start..].find('=')?;
    Some(text[line_start..equals].chars().count())
}

/// Sets `path` to `value` in `body`, making the nested blocks it needs; a
/// new attribute's `=` is at `align` when given (and the key is shorter).
fn add(
    body: &mut Body,
    path: &[String],
    value: &J,
    indent: &str,
    align: Option<usize>,
) -> Result<(), String> {
    let ident = |name: &str| Ident::try_new(name).map_err(|e| e.to_string());
    let (first, rest) = path.split_first().ok_or("empty path")?;
    if rest.is_empty() {
        let expr: Expression = literal(value, Syntax::Hcl)
            .parse()
            .map_err(|e: hcl_edit::parser::Error| e.to_string())?;
        if let Some(mut attr) = body.get_attribute_mut(first) {
            *attr.value_mut() = expr.decorated((" ", ""));
            return Ok(());
        }
        let mut key = Decorated::new(ident(first)?);
        let width = indent.chars().count() + first.len();
        let pad = align.filter(|&c| c > width).map_or(1, |c| c - width);
        key.decor_mut().set_suffix(" ".repeat(pad));
        let mut attr = Attribute::new(key, expr);
        attr.decor_mut().set_prefix(indent.to_string());
        body.push(attr);
        return Ok(());
    }
    let mut blocks: Vec<&mut Block> = body.get_blocks_mut(first).collect();
    match blocks.len() {
        0 => {
            let mut block = Block::new(Decorated::new(ident(first)?));
            block.decor_mut().set_prefix(indent.to_string());
            block.body.decor_mut().set_suffix(indent.to_string());
            add(&mut block.body, rest, value, &format!("{indent}  "), None)?;
            body.push(block);
            Ok(())
        }
        1 => add(
            &mut blocks[0].body,
            rest,
            value,
            &format!("{indent}  "),
            None,
        ),
        _ => Err(format!("there are several `{first}` blocks")),
    }
}

/// The one replacement that turns `old` into `new`: what lies between their
/// common beginning and common end.
fn minimal_edit(old: &str, new: &str) -> (Range<usize>, String) {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    (
        prefix..old.len() - suffix,
        new[prefix..new.len() - suffix].to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(text: &str, at: usize, path: &[&str], value: J) -> String {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        let (range, new) = insert(text, at..at, &[(&path, &value)]).unwrap();
        format!("{}{new}{}", &text[..range.start], &text[range.end..])
    }

    #[test]
    fn attributes_and_blocks_are_added_indented_comments_kept() {
        let text = "# volume\nresource \"aws_ebs_volume\" \"v\" {\n  size = 8 # GiB\n}\n";
        assert_eq!(
            added(text, 12, &["encrypted"], J::Bool(true)),
            "# volume\nresource \"aws_ebs_volume\" \"v\" {\n  size = 8 # GiB\n  encrypted = true\n}\n"
        );
        let text =
            "resource \"a\" \"b\" {\n  availability_zone = \"x\"\n  size              = 8\n}\n";
        assert_eq!(
            added(text, 0, &["encrypted"], J::Bool(true)),
            "resource \"a\" \"b\" {\n  availability_zone = \"x\"\n  size              = 8\n  encrypted         = true\n}\n"
        );
        let text = "resource \"aws_instance\" \"i\" {\n  ami = \"a\"\n}\n";
        assert_eq!(
            added(text, 0, &["metadata_options", "http_tokens"], J::from("required")),
            "resource \"aws_instance\" \"i\" {\n  ami = \"a\"\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n"
        );
    }

    #[test]
    fn the_innermost_block_is_chosen() {
        let text = "resource \"a\" \"b\" {\n  root_block_device {\n    size = 8\n  }\n}\n";
        assert_eq!(
            added(text, 25, &["encrypted"], J::Bool(true)),
            "resource \"a\" \"b\" {\n  root_block_device {\n    size = 8\n    encrypted = true\n  }\n}\n"
        );
    }
}
