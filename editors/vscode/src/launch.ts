// How the server is started: which program, with which arguments, or why
// it cannot be. Plain module (no `vscode` import), tested with node alone.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A setting as `WorkspaceConfiguration.inspect` reports it. */
export interface Inspected<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value from the user's settings, else the default. Workspace and
 * folder values are never read: a repository's `.vscode/settings.json`
 * must not choose the program that runs (the settings are also
 * machine-scoped, so VS Code ignores them there itself).
 */
export function userValue<T>(inspected: Inspected<T> | undefined): T | undefined {
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** The machine the program is looked for on. */
export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  isExecutable(file: string): boolean;
}

/** This machine. */
export const thisHost: Host = {
  platform: process.platform,
  env: process.env,
  home: os.homedir(),
  isExecutable(file: string): boolean {
    try {
      const stat = fs.statSync(file);
      return stat.isFile() && (process.platform === 'win32' || (stat.mode & 0o111) !== 0);
    } catch {
      return false;
    }
  },
};

/** The command line of the server, or a message saying why there is none. */
export type Launch =
  | { ok: true; command: string; args: string[] }
  | { ok: false; message: string };

/** The arguments when the setting is absent or not a list of strings. */
export const DEFAULT_ARGS = ['lsp'];

const INSTALL =
  'Install it with `pip install tenken` (or `cargo install tenken`), or set `tenken.path` in your user settings.';

/**
 * The server's command line from the user's `tenken.path` and `tenken.args`:
 * the configured program (an absolute path, `~` for the home folder), else
 * `tenken` found on `PATH` (with `PATHEXT` on Windows).
 */
export function resolveLaunch(
  configuredPath: unknown,
  configuredArgs: unknown,
  host: Host,
): Launch {
  const args =
    Array.isArray(configuredArgs) && configuredArgs.every((a) => typeof a === 'string')
      ? (configuredArgs as string[])
      : DEFAULT_ARGS;
  const wanted = typeof configuredPath === 'string' ? configuredPath.trim() : '';
  if (wanted !== '') {
    const file = wanted.startsWith('~') ? pathOf(host).join(host.home, wanted.slice(1)) : wanted;
    if (!pathOf(host).isAbsolute(file)) {
      return { ok: false, message: `tenken.path must be an absolute path, not "${wanted}".` };
    }
    if (!host.isExecutable(file)) {
      return { ok: false, message: `tenken.path is "${file}", which is not an executable file. ${INSTALL}` };
    }
    return { ok: true, command: file, args };
  }
  const found = findOnPath('tenken', host);
  if (found === undefined) {
    return { ok: false, message: `The tenken program was not found on PATH. ${INSTALL}` };
  }
  return { ok: true, command: found, args };
}

/** The first executable `name` in the folders of `PATH`. */
export function findOnPath(name: string, host: Host): string | undefined {
  const windows = host.platform === 'win32';
  const variable = windows
    ? Object.keys(host.env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH'
    : 'PATH';
  const folders = (host.env[variable] ?? '').split(windows ? ';' : ':').filter((f) => f !== '');
  const suffixes = windows
    ? (host.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((s) => s !== '')
    : [''];
  for (const folder of folders) {
    for (const suffix of suffixes) {
      const file = pathOf(host).join(folder, name + suffix.toLowerCase());
      if (host.isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

function pathOf(host: Host): path.PlatformPath {
  return host.platform === 'win32' ? path.win32 : path.posix;
}
