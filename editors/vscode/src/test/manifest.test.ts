import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentSelector } from '../selector';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the program settings are machine-scoped and restricted in untrusted workspaces', () => {
  const properties = manifest.contributes.configuration.properties;
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of ['tenken.path', 'tenken.args']) {
    assert.equal(properties[key].scope, 'machine', key);
    assert.ok(restricted.includes(key), key);
  }
});

test('the terraform language id is contributed for .tf, .tfvars and .tofu', () => {
  const terraform = manifest.contributes.languages.find((l: { id: string }) => l.id === 'terraform');
  assert.deepEqual(terraform.extensions, ['.tf', '.tfvars', '.tofu']);
});

test('every language the selector names activates the extension', () => {
  for (const f of documentSelector.filter((f) => f.language !== undefined)) {
    assert.ok(manifest.activationEvents.includes(`onLanguage:${f.language}`), f.language);
  }
});
