import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { minimatch } from 'minimatch';
import { DocumentGate, documentSelector, isTerraformFile, mightBeTemplate } from '../selector';

/** VS Code's rule: every field a filter has must match. */
function selected(scheme: string, language: string, fsPath: string): boolean {
  return documentSelector.some(
    (f) =>
      f.scheme === scheme &&
      (f.language === undefined || f.language === language) &&
      (f.pattern === undefined || minimatch(fsPath, f.pattern, { dot: true })),
  );
}

test('Terraform files are selected whatever language another extension gave them', () => {
  assert.ok(selected('file', 'terraform', '/w/infra/main.tf'));
  assert.ok(selected('file', 'terraform-vars', '/w/infra/prod.tfvars'));
  assert.ok(selected('file', 'opentofu', '/w/.hidden/main.tofu'));
  assert.ok(selected('file', 'plaintext', '/w/stacks/app.template'));
});

test('YAML and JSON are selected by language; other files and unsaved buffers are not', () => {
  assert.ok(selected('file', 'yaml', '/w/template.yaml'));
  assert.ok(selected('file', 'json', '/w/template.json'));
  assert.ok(!selected('file', 'markdown', '/w/README.md'));
  assert.ok(!selected('file', 'plaintext', '/w/main.tf.bak'));
  assert.ok(!selected('untitled', 'yaml', 'Untitled-1'));
  assert.ok(!selected('git', 'terraform', '/w/main.tf'));
});

test('Terraform file names', () => {
  for (const name of ['main.tf', 'main.tf.json', 'a.tfvars', 'a.tfvars.json', 'b.tofu', 'b.tofu.json', 'UP.TF']) {
    assert.ok(isTerraformFile(`/w/${name}`), name);
  }
  for (const name of ['main.tfx', 'tf', 'template.yaml', 'main.tf.bak']) {
    assert.ok(!isTerraformFile(`/w/${name}`), name);
  }
});

test('a template passes the content check, other YAML and JSON do not', () => {
  assert.ok(mightBeTemplate('AWSTemplateFormatVersion: "2010-09-09"\n'));
  assert.ok(mightBeTemplate('Resources:\n  B:\n    Type: AWS::S3::Bucket\n'));
  assert.ok(mightBeTemplate('{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}'));
  assert.ok(!mightBeTemplate('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n'));
  assert.ok(!mightBeTemplate('{"name": "app", "dependencies": {}}'));
  assert.ok(!mightBeTemplate('Resources: []\n'));
});

test('the gate forwards templates and Terraform, and opens a document that becomes a template', () => {
  const gate = new DocumentGate();
  const pod = { uri: 'file:///w/pod.yaml', fileName: '/w/pod.yaml', text: 'kind: Pod\n' };
  assert.equal(gate.open(pod), false);
  assert.equal(gate.change({ ...pod, text: 'kind: Pod\nspec: {}\n' }), 'skip');
  assert.equal(gate.has(pod.uri), false);
  assert.equal(gate.close(pod.uri), false);

  const draft = { uri: 'file:///w/new.yaml', fileName: '/w/new.yaml', text: '' };
  assert.equal(gate.open(draft), false);
  assert.equal(gate.change({ ...draft, text: 'AWSTemplateFormatVersion: x\n' }), 'open');
  assert.equal(gate.change({ ...draft, text: 'AWSTemplate' }), 'forward', 'stays forwarded while open');
  assert.equal(gate.has(draft.uri), true);
  assert.equal(gate.close(draft.uri), true);
  assert.equal(gate.close(draft.uri), false);

  const tf = { uri: 'file:///w/main.tf', fileName: '/w/main.tf', text: '' };
  assert.equal(gate.open(tf), true);
  assert.equal(gate.change(tf), 'forward');
});
