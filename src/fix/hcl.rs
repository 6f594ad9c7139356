//! Terraform edits with hcl-edit: attributes and nested blocks added to a
//! block, a nested block removed, the rest of the file untouched.

use super::text::literal;
use super::Syntax;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::{Decorate, Decorated, Ident, Span as _};
use serde_json::Value as J;
use std::ops::Range;

/// Adds `path = value` assignments to the innermost block of `text` whose
/// span holds `at` (an object value is a nested block, a list of objects
/// repeated blocks); returns the bytes replaced and their replacement.
pub fn insert(
    text: &str,
    at: Range<usize>,
    assignments: &[(&[String], &J)],
) -> Result<(Range<usize>, String), String> {
    with_lf(text, at, |text, at| insert_lf(text, at, assignments))
}

fn insert_lf(
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
    let inner = format!("{indent}  ");
    if block.body.prefer_oneline() {
        // A one-line block gets a line per attribute.
        block.body.set_prefer_oneline(false);
        for mut s in block.body.iter_mut() {
            s.decor_mut().set_prefix(inner.as_str());
            s.decor_mut().set_suffix("");
        }
        block.body.decor_mut().set_prefix("");
        block.body.decor_mut().set_suffix(indent.as_str());
    }
    for (path, value) in assignments {
        add(&mut block.body, path, value, &inner, align)?;
    }
    Ok(minimal_edit(text, &body.to_string()))
}

/// Removes the innermost block of `text` whose span holds `at`, which must
/// be a nested block named `name`, with its lines; returns the bytes
/// replaced and their replacement.
pub fn remove(text: &str, at: Range<usize>, name: &str) -> Result<(Range<usize>, String), String> {
    with_lf(text, at, |text, at| remove_lf(text, at, name))
}

fn remove_lf(text: &str, at: Range<usize>, name: &str) -> Result<(Range<usize>, String), String> {
    let mut body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
    let holder = holder(&mut body, &at).ok_or("the element is not written as a nested block")?;
    let index = (holder.iter())
        .position(|s| s.as_block().is_some_and(|b| holds(b, &at)))
        .ok_or("the block was not found")?;
    match holder.get(index).and_then(|s| s.as_block()) {
        Some(b) if b.ident.as_str() == name && b.labels.is_empty() => {}
        Some(b) => {
            return Err(format!(
                "the element is written as `{}`, not as a `{name}` block",
                b.ident.as_str()
            ))
        }
        None => return Err("the block was not found".into()),
    }
    holder.remove(index);
    Ok(minimal_edit(text, &body.to_string()))
}

/// The lines of each top-level block of `text` (from the start of its first
/// line to the end of its last), in order: an edit inside a block is
/// planned on these lines alone.
pub fn top_level_blocks(text: &str) -> Vec<Range<usize>> {
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Vec::new();
    };
    // A block ends its line (HCL's syntax): blocks do not share lines.
    (body.iter())
        .filter_map(|s| s.as_block()?.span())
        .map(|span| {
            let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
            let end = text[span.end..]
                .find('\n')
                .map_or(text.len(), |i| span.end + i + 1);
            start..end
        })
        .collect()
}

/// Runs `edit` on `text` with its `\r\n` line ends read as `\n` (hcl-edit
/// writes `\n`), the bytes it replaces mapped back to `text`; the new text
/// has `\n` line ends.
fn with_lf(
    text: &str,
    at: Range<usize>,
    edit: impl FnOnce(&str, Range<usize>) -> Result<(Range<usize>, String), String>,
) -> Result<(Range<usize>, String), String> {
    if !text.contains("\r\n") {
        return edit(text, at);
    }
    // Where each dropped `\r` was, in the text without them.
    let dropped: Vec<usize> = (text.match_indices("\r\n").enumerate())
        .map(|(k, (i, _))| i - k)
        .collect();
    let to_lf = |o: usize| o - text[..o].matches("\r\n").count();
    let lf = text.replace("\r\n", "\n");
    let (range, new) = edit(&lf, to_lf(at.start)..to_lf(at.end))?;
    let back = |o: usize| o + dropped.partition_point(|&d| d < o);
    Ok((back(range.start)..back(range.end), new))
}

fn holds(b: &Block, at: &Range<usize>) -> bool {
    b.span()
        .is_some_and(|r| r.start <= at.start && at.end <= r.end)
}

/// The body holding the innermost block whose span holds `at`, below the
/// top level.
fn holder<'a>(body: &'a mut Body, at: &Range<usize>) -> Option<&'a mut Body> {
    let index = body
        .iter()
        .position(|s| s.as_block().is_some_and(|b| holds(b, at)))?;
    let block = body.get_mut(index)?.as_block_mut()?;
    let deeper = (block.body.iter()).position(|s| s.as_block().is_some_and(|b| holds(b, at)))?;
    let inner = block.body.get(deeper)?.as_block()?;
    let nested = (inner.body.iter()).any(|s| s.as_block().is_some_and(|b| holds(b, at)));
    match nested {
        true => holder(&mut block.body, at),
        false => Some(&mut block.body),
    }
}

/// The innermost block whose span holds `at`.
fn innermost<'a>(body: &'a mut Body, at: &Range<usize>) -> Option<&'a mut Block> {
    let index = (body.iter()).position(|s| s.as_block().is_some_and(|b| holds(b, at)))?;
    let block = body.get_mut(index)?.as_block_mut()?;
    let deeper = (block.body.iter()).any(|s| s.as_block().is_some_and(|b| holds(b, at)));
    if deeper {
        return innermost(&mut block.body, at);
    }
    Some(block)
}

/// The column of the `=` of the attributes a new one follows, when they
/// end the body, each on its line (as `terraform fmt` aligns them).
fn equals_column(text: &str, body: &Body) -> Option<usize> {
    let last = body.iter().last()?.as_attribute()?;
    let start = last.span()?.start;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..start].trim().is_empty() {
        return None;
    }
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
    let blocks = match value {
        J::Object(_) => vec![value],
        J::Array(items) if items.iter().all(J::is_object) => items.iter().collect(),
        _ => Vec::new(),
    };
    if rest.is_empty() && !blocks.is_empty() {
        if body.has_attribute(first) || body.has_blocks(first) {
            return Err(format!("`{first}` is written already"));
        }
        for object in blocks {
            let mut block = Block::new(Decorated::new(ident(first)?));
            block.decor_mut().set_prefix(indent.to_string());
            block.body.decor_mut().set_suffix(indent.to_string());
            for (k, v) in object.as_object().into_iter().flatten() {
                add(
                    &mut block.body,
                    std::slice::from_ref(k),
                    v,
                    &format!("{indent}  "),
                    None,
                )?;
            }
            body.push(block);
        }
        return Ok(());
    }
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
    let (mut start, mut end) = (prefix, old.len() - suffix);
    let mut text = new[prefix..new.len() - suffix].to_string();
    // A pure insertion or deletion moves to the start of its line (the same
    // result): edits of neighbouring blocks then do not overlap.
    while start == end || text.is_empty() {
        let before = old[..start].chars().next_back();
        let last = match text.is_empty() {
            true => old[start..end].chars().next_back(),
            false => text.chars().next_back(),
        };
        let Some(c) = before.filter(|&c| Some(c) == last && c != '\n') else {
            break;
        };
        start -= c.len_utf8();
        if text.is_empty() {
            end -= c.len_utf8();
        } else {
            text.pop();
            text.insert(0, c);
            end = start;
        }
    }
    (start..end, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_blocks_are_whole_lines() {
        let text = "# a\nresource \"x\" \"a\" {\n  b {\n  }\n}\n\n  locals { l = 1 } # c\nz = 1\nresource \"y\" \"b\" {\n}";
        let blocks = top_level_blocks(text);
        let lines: Vec<&str> = blocks.iter().map(|b| &text[b.clone()]).collect();
        assert_eq!(
            lines,
            [
                "resource \"x\" \"a\" {\n  b {\n  }\n}\n",
                "  locals { l = 1 } # c\n",
                "resource \"y\" \"b\" {\n}"
            ]
        );
        assert!(top_level_blocks("resource {").is_empty());
    }

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
    fn a_one_line_block_gets_a_line_per_attribute() {
        let text = "resource \"a\" \"b\" {}\nresource \"a\" \"c\" { size = 8 }\n";
        assert_eq!(
            added(text, 0, &["encrypted"], J::Bool(true)),
            "resource \"a\" \"b\" {\n  encrypted = true\n}\nresource \"a\" \"c\" { size = 8 }\n"
        );
        assert_eq!(
            added(text, 22, &["encrypted"], J::Bool(true)),
            "resource \"a\" \"b\" {}\nresource \"a\" \"c\" {\n  size = 8\n  encrypted = true\n}\n"
        );
    }

    #[test]
    fn objects_are_blocks_and_lists_of_objects_repeated_blocks() {
        let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
        let value = serde_json::json!({"rule": [{"apply": {"algo": "AES256"}}, {"key": true}]});
        assert_eq!(
            added(text, 0, &["encryption"], value),
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  encryption {\n    rule {\n      apply {\n        algo = \"AES256\"\n      }\n    }\n    rule {\n      key = true\n    }\n  }\n}\n"
        );
    }

    #[test]
    fn a_nested_block_is_removed_with_its_lines() {
        let text = "resource \"a\" \"b\" {\n  name = \"x\"\n  # the rule\n  ingress {\n    from_port = 22 # ssh\n  }\n  egress {\n    from_port = 0\n  }\n}\n";
        let fixed = |at: usize, name: &str| {
            remove(text, at..at, name)
                .map(|(range, new)| format!("{}{new}{}", &text[..range.start], &text[range.end..]))
        };
        let at = text.find("22").unwrap();
        assert_eq!(
            fixed(at, "ingress").unwrap(),
            "resource \"a\" \"b\" {\n  name = \"x\"\n  egress {\n    from_port = 0\n  }\n}\n"
        );
        assert_eq!(
            fixed(at, "egress").unwrap_err(),
            "the element is written as `ingress`, not as a `egress` block"
        );
        assert_eq!(
            fixed(text.find("name").unwrap(), "ingress").unwrap_err(),
            "the element is not written as a nested block"
        );
        let crlf = text.replace('\n', "\r\n");
        // Removals of neighbouring blocks take whole lines: they do not overlap.
        let ingress = remove(text, at..at, "ingress").unwrap().0;
        let egress = text.find("from_port = 0").unwrap();
        let egress = remove(text, egress..egress, "egress").unwrap().0;
        assert_eq!(
            &text[ingress.clone()],
            "  # the rule\n  ingress {\n    from_port = 22 # ssh\n  }\n"
        );
        assert_eq!(ingress.end, egress.start);
        let at = crlf.find("22").unwrap();
        let (range, new) = remove(&crlf, at..at, "ingress").unwrap();
        let fixed = format!("{}{new}{}", &crlf[..range.start], &crlf[range.end..]);
        assert!(
            !fixed.contains("ingress") && !fixed.contains("\n\n"),
            "{fixed:?}"
        );
        assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
    }

    #[test]
    fn crlf_files_are_edited_at_the_right_bytes() {
        let text = "resource \"a\" \"b\" {\r\n  size = 8 # GiB\r\n}\r\n";
        let (range, new) =
            insert(text, 0..0, &[(&["encrypted".to_string()], &J::Bool(true))]).unwrap();
        let fixed = format!(
            "{}{}{}",
            &text[..range.start],
            new.replace('\n', "\r\n"),
            &text[range.end..]
        );
        assert_eq!(
            fixed,
            "resource \"a\" \"b\" {\r\n  size = 8 # GiB\r\n  encrypted = true\r\n}\r\n"
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
