import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ARGS, Host, findOnPath, resolveLaunch, thisHost, userValue } from '../launch';

/** A POSIX host whose executables are `files`. */
function host(env: Record<string, string>, files: string[], platform: NodeJS.Platform = 'linux'): Host {
  return { platform, env, home: '/home/me', isExecutable: (f) => files.includes(f) };
}

test('workspace values never choose the program', () => {
  assert.equal(
    userValue({ defaultValue: '', workspaceValue: '/repo/evil', workspaceFolderValue: '/repo/evil' }),
    '',
  );
  assert.equal(userValue({ defaultValue: '', globalValue: '/opt/tenken', workspaceValue: '/repo/evil' }), '/opt/tenken');
  assert.deepEqual(userValue({ defaultValue: ['lsp'], workspaceValue: ['--evil'] }), ['lsp']);
  assert.equal(userValue(undefined), undefined);
});

test('tenken is found on PATH, in order', () => {
  const h = host({ PATH: '/usr/local/bin:/a:/b' }, ['/b/tenken', '/a/tenken']);
  assert.deepEqual(resolveLaunch('', undefined, h), { ok: true, command: '/a/tenken', args: DEFAULT_ARGS });
  assert.deepEqual(resolveLaunch(undefined, ['lsp', '--x'], h), {
    ok: true,
    command: '/a/tenken',
    args: ['lsp', '--x'],
  });
});

test('a missing program gets a message saying how to install it', () => {
  const launch = resolveLaunch('', undefined, host({ PATH: '/usr/bin' }, []));
  assert.equal(launch.ok, false);
  assert.match(!launch.ok ? launch.message : '', /not found on PATH.*pip install tenken.*tenken\.path/);
});

test('a configured program must be an absolute executable; ~ is the home folder', () => {
  const h = host({ PATH: '/a' }, ['/a/tenken', '/home/me/bin/tenken', '/opt/tenken']);
  assert.deepEqual(resolveLaunch('/opt/tenken', ['lsp'], h), { ok: true, command: '/opt/tenken', args: ['lsp'] });
  assert.deepEqual(resolveLaunch('~/bin/tenken', ['lsp'], h), {
    ok: true,
    command: '/home/me/bin/tenken',
    args: ['lsp'],
  });
  const relative = resolveLaunch('bin/tenken', ['lsp'], h);
  assert.ok(!relative.ok && /absolute path/.test(relative.message));
  const missing = resolveLaunch('/opt/nothing', ['lsp'], h);
  assert.ok(!missing.ok && /not an executable file/.test(missing.message));
});

test('arguments that are not a list of strings fall back to the default', () => {
  const h = host({ PATH: '/a' }, ['/a/tenken']);
  for (const args of [undefined, 'lsp', [1], null]) {
    assert.deepEqual(resolveLaunch('', args, h), { ok: true, command: '/a/tenken', args: DEFAULT_ARGS });
  }
});

test('on Windows, PATH is read case-insensitively and PATHEXT is tried', () => {
  const h = host({ Path: 'C:\\tools;D:\\bin', PATHEXT: '.COM;.EXE' }, ['D:\\bin\\tenken.exe'], 'win32');
  assert.equal(findOnPath('tenken', h), 'D:\\bin\\tenken.exe');
  const configured = resolveLaunch('C:\\x\\tenken.exe', ['lsp'], host({}, ['C:\\x\\tenken.exe'], 'win32'));
  assert.deepEqual(configured, { ok: true, command: 'C:\\x\\tenken.exe', args: ['lsp'] });
});

test('this host: only files with an execute bit count', { skip: process.platform === 'win32' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenken-launch-'));
  try {
    const program = path.join(dir, 'tenken');
    fs.writeFileSync(program, '#!/bin/sh\n');
    fs.chmodSync(program, 0o644);
    assert.equal(thisHost.isExecutable(program), false);
    fs.chmodSync(program, 0o755);
    assert.equal(thisHost.isExecutable(program), true);
    assert.equal(thisHost.isExecutable(dir), false);
    assert.equal(findOnPath('tenken', { ...thisHost, env: { PATH: `/nonexistent:${dir}` } }), program);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
