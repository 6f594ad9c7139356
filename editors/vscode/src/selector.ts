// Which documents the language server sees. Plain module (no `vscode`
// import) so that it can be tested with node alone.

/** A document filter, as VS Code and the language client take it. */
export interface DocumentFilter {
  scheme: string;
  language?: string;
  pattern?: string;
}

/**
 * The documents offered to the server. Terraform files are chosen by name
 * whatever language another extension gave them (HashiCorp's gives
 * `.tfvars` its own `terraform-vars` id, an OpenTofu extension may claim
 * `.tofu`). YAML and JSON stay their own extensions' languages: every such
 * document matches here, and {@link DocumentGate} forwards only those that
 * may be CloudFormation templates. Only files on disk: the server lints a
 * Terraform file with the rest of its folder.
 */
export const documentSelector: DocumentFilter[] = [
  { scheme: 'file', language: 'terraform' },
  { scheme: 'file', pattern: '**/*.{tf,tfvars,tofu}' },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', pattern: '**/*.template' },
];

/** `.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`, `.tofu` and `.tofu.json` files. */
export function isTerraformFile(fileName: string): boolean {
  return /\.(tf|tf\.json|tfvars|tfvars\.json|tofu|tofu\.json)$/i.test(fileName);
}

/**
 * Whether a YAML/JSON text may be a CloudFormation template: the server's
 * own pre-check (`might_be_template`), a superset of what it lints, so a
 * template is never held back and a Kubernetes manifest or a
 * `package.json` never leaves the editor.
 */
export function mightBeTemplate(text: string): boolean {
  return (
    text.includes('AWSTemplateFormatVersion') ||
    (text.includes('Resources') && text.includes('AWS::'))
  );
}

/** What the server needs of a document to decide. */
export interface Doc {
  uri: string;
  fileName: string;
  text: string;
}

/** What to do with an edit of a document the selector matched. */
export type Change = 'forward' | 'open' | 'skip';

/**
 * Tracks the documents forwarded to the server: Terraform files always,
 * YAML/JSON once they may be templates. A document that becomes a template
 * while edited is opened then (with its whole text); one that was
 * forwarded stays forwarded until closed.
 */
export class DocumentGate {
  private readonly forwarded = new Set<string>();

  /** Whether the server should see `doc`, opened in the editor. */
  open(doc: Doc): boolean {
    if (!wanted(doc)) {
      return false;
    }
    this.forwarded.add(doc.uri);
    return true;
  }

  /** `forward` the edit, `open` the document (its text now), or `skip` it. */
  change(doc: Doc): Change {
    if (this.forwarded.has(doc.uri)) {
      return 'forward';
    }
    return this.open(doc) ? 'open' : 'skip';
  }

  /** Whether the server saw `uri` (and so must be told it closed). */
  close(uri: string): boolean {
    return this.forwarded.delete(uri);
  }

  /** Whether the server knows `uri` (hover and quick fixes ask it then). */
  has(uri: string): boolean {
    return this.forwarded.has(uri);
  }
}

function wanted(doc: Doc): boolean {
  return isTerraformFile(doc.fileName) || mightBeTemplate(doc.text);
}
