//! Code actions: "Suppress RULE-ID for this resource" inserts an ignore with
//! a reason to fill in, above the Terraform block or CloudFormation resource
//! (YAML: a comment; JSON: a `Metadata` entry).

use super::documents::Document;
use crate::cfn;
use crate::discover::Kind;
use crate::model::{Node, Value};
use crate::source::{FileId, SourceFile};
use crate::terraform;
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use lsp_types::{
    CodeAction, CodeActionKind, Diagnostic, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// Placeholder for the reason the user must give.
pub const REASON: &str = "<reason>";

/// The suppression action for one diagnostic with a rule id, if the
/// resource around it can be found in the buffer's current text.
pub fn suppress(doc: &Document, uri: &Uri, diagnostic: &Diagnostic) -> Option<CodeAction> {
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
    let edit = TextEdit {
        range: Range::new(position, position),
        new_text: text,
    };
    Some(CodeAction {
        title: format!("Suppress {rule} for this resource"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
            ..Default::default()
        }),
        ..Default::default()
    })
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
    use lsp_types::NumberOrString;

    fn action(name: &str, text: &str, needle: &str) -> Option<TextEdit> {
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
        let action = suppress(&doc, &uri, &diagnostic)?;
        let (target, mut edits) = action.edit?.changes?.into_iter().next()?;
        assert_eq!(target, uri);
        edits.pop()
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
        assert_eq!(edit.new_text, "# tenken:ignore TKN-X-1 <reason>\n");
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
        assert_eq!(edit.new_text, "  # tenken:ignore TKN-X-1 <reason>\n");
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
            "\n    \"Metadata\": {\"tenken\":{\"ignore\":[{\"id\":\"TKN-X-1\",\"reason\":\"<reason>\"}]}},"
        );
    }

    #[test]
    fn nothing_outside_a_resource() {
        assert!(action("main.tf", "variable \"x\" {}\n", "variable").is_none());
    }
}
