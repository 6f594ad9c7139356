// The VS Code side: starts `tenken lsp` and forwards the documents the
// gate lets through. The decisions live in `selector.ts` and `launch.ts`.

import * as vscode from 'vscode';
import {
  DidOpenTextDocumentNotification,
  LanguageClient,
  LanguageClientOptions,
  Middleware,
  TransportKind,
} from 'vscode-languageclient/node';
import { resolveLaunch, thisHost, userValue } from './launch';
import { DocumentGate, documentSelector } from './selector';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('tenken.restart', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('tenken.path') || e.affectsConfiguration('tenken.args')) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('tenken');
  const launch = resolveLaunch(
    userValue(config.inspect<string>('path')),
    userValue(config.inspect<string[]>('args')),
    thisHost,
  );
  if (!launch.ok) {
    const open = 'Open User Settings';
    const choice = await vscode.window.showErrorMessage(launch.message, open);
    if (choice === open) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'tenken.path');
    }
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const gate = new DocumentGate();
  const created: LanguageClient = new LanguageClient(
    'tenken',
    'tenken',
    {
      command: launch.command,
      args: launch.args,
      transport: TransportKind.stdio,
      options: { cwd: folder },
    },
    {
      documentSelector,
      initializationOptions: {
        policies: config.get<string[]>('policies', []),
        strict: config.get<boolean>('strict', false),
      },
      synchronize: { configurationSection: 'tenken' },
      middleware: gated(gate, () => created),
    } satisfies LanguageClientOptions,
  );
  client = created;
  try {
    await created.start();
  } catch (error) {
    client = undefined;
    void vscode.window.showErrorMessage(
      `tenken: the language server (${launch.command}) could not start: ${String(error)}`,
    );
  }
}

/** Sends the server only the documents `gate` lets through. */
function gated(gate: DocumentGate, current: () => LanguageClient): Middleware {
  const doc = (d: vscode.TextDocument) => ({
    uri: d.uri.toString(),
    fileName: d.fileName,
    text: d.getText(),
  });
  return {
    didOpen: (document, next) => (gate.open(doc(document)) ? next(document) : Promise.resolve()),
    didChange: (event, next) => {
      switch (gate.change(doc(event.document))) {
        case 'forward':
          return next(event);
        case 'open': {
          const c = current();
          return c.sendNotification(
            DidOpenTextDocumentNotification.type,
            c.code2ProtocolConverter.asOpenTextDocumentParams(event.document),
          );
        }
        case 'skip':
          return Promise.resolve();
      }
    },
    didSave: (document, next) =>
      gate.has(document.uri.toString()) ? next(document) : Promise.resolve(),
    didClose: (document, next) =>
      gate.close(document.uri.toString()) ? next(document) : Promise.resolve(),
    provideHover: (document, position, token, next) =>
      gate.has(document.uri.toString()) ? next(document, position, token) : undefined,
    provideCodeActions: (document, range, context, token, next) =>
      gate.has(document.uri.toString()) ? next(document, range, context, token) : undefined,
  };
}
