//! Code actions: "Fix RULE-ID" applies the policy's fix that the
//! diagnostic carries (preferred, unless it is unsafe: AWS replaces the
//! resource, or it changes what the resource does); "Suppress RULE-ID for this resource" inserts an ignore
//! above the Terraform block or CloudFormation resource (YAML: a comment;
//! JSON: a `Metadata` entry), with the reason left for the user to write:
//! a tab stop in a snippet when the client takes snippet edits, else an
//! empty reason, which warns (and suppresses nothing) until it is written.

use super::documents::Document;
use crate::cfn;
use crate::discover::Kind;
use crate::model::{Node, Value};
use crate::source::{FileId, SourceFile};
use crate::terraform;
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use lsp_types::{CodeAction, CodeActionKind, Diagnostic, Position, Range, TextEdit, Uri};
use serde_json::json;

/// Where the reason goes in the inserted text: a private-use character,
/// which JSON leaves as it is.
const REASON: &str = "\u{e000}";

/// The quick fix of one diagnostic whose finding has a fix.
pub fn fix(diagnostic: &Diagnostic) -> Option<serde_json::Value> {
    let rule = match diagnostic.code.as_ref()? {
        lsp_types::NumberOrString::String(id) => id,
        lsp_types::NumberOrString::Number(_) => return None,
    };
    let fix = diagnostic.data.as_ref()?.get("fix")?;
    let replaces = fix.get("unsafe")?.as_bool()?;
    let title = match replaces {
        true => format!(
            "Fix {rule} (unsafe: AWS replaces the resource, or it changes what the resource does)"
        ),
        false => format!("Fix {rule}"),
    };
    let action = CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        is_preferred: Some(!replaces),
        ..Default::default()
    };
    let mut action = serde_json::to_value(action).ok()?;
    action["edit"] = json!({"changes": fix.get("changes")?});
    Some(action)
}

/// The suppression action for one diagnostic with a rule id, if the
/// resource around it can be found in the buffer's current text; with a
/// snippet edit (LSP 3.18 `SnippetTextEdit`) when `snippets`.
pub fn suppress(
    doc: &Document,
    uri: &Uri,
    diagnostic: &Diagnostic,
    snippets: bool,
) -> Option<serde_json::Value> {
    let rule = match diagnostic.code.as_ref()? {
        lsp_types::NumberOrString::String(id) => id,
        lsp_types::NumberOrString::Number(_) => return None,
    };
    let file = SourceFile::new(
        doc.path.display().to_string(),
        doc.path.clone(),
        doc.text.clone(),
    );
    let at = super::documents::byte_offset(&file.text, diagnostic.range.start);
    let (offset, text) = match doc.kind {
        Kind::Terraform => comment_above(&file, terraform_block_start(&file, at)?, rule),
        Kind::Template => {
            let doc = cfn::parse_document(&file, FileId(0)).ok()?;
            let (key, value) = template_resource(&doc, at)?;
            if file.text.trim_start().starts_with('{') {
                json_metadata(&file, value, rule)?
            } else {
                comment_above(&file, key, rule)
            }
        }
    };
    let (line, character) = file.utf16_position(offset);
    let position = Position { line, character };
    let range = Range::new(position, position);
    let action = CodeAction {
        title: format!("Suppress {rule} for this resource"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        ..Default::default()
    };
    let mut action = serde_json::to_value(action).ok()?;
    action["edit"] = if snippets {
        let snippet = escape_snippet(&text).replace(REASON, "$1");
        json!({"documentChanges": [{
            "textDocument": {"uri": uri, "version": doc.version},
            "edits": [{"range": range, "snippet": {"kind": "snippet", "value": snippet}}],
        }]})
    } else {
        let edit = TextEdit {
            range,
            new_text: text.replace(REASON, ""),
        };
        json!({"changes": {uri.as_str(): [edit]}})
    };
    Some(action)
}

/// Text taken literally in a snippet: `$`, `}` and `\` escaped.
fn escape_snippet(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Start of the `resource` block that contains the byte offset.
fn terraform_block_start(file: &SourceFile, at: usize) -> Option<usize> {
    let body = terraform::parse_file(file, FileId(0)).ok()?.body;
    let start = body
        .iter()
        .filter_map(Structure::as_block)
        .filter(|b| b.ident.as_str() == "resource")
        .filter_map(|b| b.span())
        .find(|r| r.start <= at && at <= r.end)
        .map(|r| r.start);
    start
}

/// The logical id's key offset and the declaration of the template resource containing the offset.
fn template_resource(doc: &Node, at: usize) -> Option<(usize, &Node)> {
    let Value::Map(resources) = &doc.get("Resources")?.value else {
        return None;
    };
    resources.values().find_map(|decl| {
        let key = decl.key_span?;
        let whole = key.to(decl.span);
        (whole.start as usize <= at && at <= whole.end as usize)
            .then_some((key.start as usize, decl))
    })
}

/// `# tenken:ignore RULE <reason>` on its own line above `offset`, indented like that line.
fn comment_above(file: &SourceFile, offset: usize, rule: &str) -> (usize, String) {
    let line_start = file.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = file.text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    (
        line_start,
        format!("{indent}# tenken:ignore {rule} {REASON}\n"),
    )
}

/// A `Metadata` entry as the first key of a JSON resource without one.
fn json_metadata(file: &SourceFile, decl: &Node, rule: &str) -> Option<(usize, String)> {
    if decl.get("Metadata").is_some() {
        return None;
    }
    let open = decl.span.start as usize;
    if file.text.as_bytes().get(open) != Some(&b'{') {
        return None;
    }
    let key = decl.key_span?.start as usize;
    let line_start = file.text[..key].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = file.text[line_start..key]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let entry = serde_json::json!({"tenken": {"ignore": [{"id": rule, "reason": REASON}]}});
    Some((open + 1, format!("\n{indent}  \"Metadata\": {entry},")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{NumberOrString, WorkspaceEdit};

    /// The plain edit of the action at `needle`.
    fn action(name: &str, text: &str, needle: &str) -> Option<TextEdit> {
        let (uri, action) = suppress_at(name, text, needle, false)?;
        let edit: WorkspaceEdit = serde_json::from_value(action["edit"].clone()).ok()?;
        let (target, mut edits) = edit.changes?.into_iter().next()?;
        assert_eq!(target, uri);
        edits.pop()
    }

    fn suppress_at(
        name: &str,
        text: &str,
        needle: &str,
        snippets: bool,
    ) -> Option<(Uri, serde_json::Value)> {
        let path = std::path::PathBuf::from(format!("/w/{name}"));
        let kind = crate::discover::kind_of(&path).unwrap();
        let doc = Document {
            opened: 1,
            path,
            kind,
            version: 1,
            text: text.into(),
        };
        let file = SourceFile::new(String::new(), "".into(), text.into());
        let (line, character) = file.utf16_position(text.find(needle).unwrap());
        let diagnostic = Diagnostic {
            range: Range::new(Position { line, character }, Position { line, character }),
            code: Some(NumberOrString::String("TKN-X-1".into())),
            ..Default::default()
        };
        let uri: Uri = "file:///w/x".parse().unwrap();
        let action = suppress(&doc, &uri, &diagnostic, snippets)?;
        Some((uri, action))
    }

    #[test]
    fn terraform_comment_above_the_block() {
        let text = "locals {}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n";
        let edit = action("main.tf", text, "acl").unwrap();
        assert_eq!(
            edit.range.start,
            Position {
                line: 2,
                character: 0
            }
        );
        assert_eq!(edit.new_text, "# tenken:ignore TKN-X-1 \n");
    }

    #[test]
    fn yaml_comment_above_the_logical_id() {
        let text = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead\n";
        let edit = action("t.yaml", text, "PublicRead").unwrap();
        assert_eq!(
            edit.range.start,
            Position {
                line: 1,
                character: 0
            }
        );
        assert_eq!(edit.new_text, "  # tenken:ignore TKN-X-1 \n");
    }

    #[test]
    fn json_metadata_entry() {
        let text = "{\"Resources\": {\n  \"B\": {\n    \"Type\": \"AWS::S3::Bucket\"\n  }\n}}\n";
        let edit = action("t.json", text, "Type").unwrap();
        assert_eq!(
            edit.range.start,
            Position {
                line: 1,
                character: 8
            }
        );
        assert_eq!(
            edit.new_text,
            "\n    \"Metadata\": {\"tenken\":{\"ignore\":[{\"id\":\"TKN-X-1\",\"reason\":\"\"}]}},"
        );
    }

    #[test]
    fn snippets_leave_a_tab_stop_for_the_reason() {
        let text = "{\"Resources\": {\n  \"B\": {\n    \"Type\": \"AWS::S3::Bucket\"\n  }\n}}\n";
        let (uri, action) = suppress_at("t.json", text, "Type", true).unwrap();
        let change = &action["edit"]["documentChanges"][0];
        assert_eq!(change["textDocument"]["uri"], uri.as_str());
        assert_eq!(change["textDocument"]["version"], 1);
        let snippet = &change["edits"][0]["snippet"];
        assert_eq!(snippet["kind"], "snippet");
        assert_eq!(
            snippet["value"],
            "\n    \"Metadata\": {\"tenken\":{\"ignore\":[{\"id\":\"TKN-X-1\",\"reason\":\"$1\"\\}]\\}\\},"
        );
        let tf = "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n";
        let (_, action) = suppress_at("main.tf", tf, "acl", true).unwrap();
        let edit = &action["edit"]["documentChanges"][0]["edits"][0];
        assert_eq!(edit["snippet"]["value"], "# tenken:ignore TKN-X-1 $1\n");
        assert_eq!(edit["range"]["start"]["line"], 0);
    }

    #[test]
    fn nothing_outside_a_resource() {
        assert!(action("main.tf", "variable \"x\" {}\n", "variable").is_none());
    }
}
