import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { resolveLaunch, thisHost } from '../launch';
import { DocumentGate } from '../selector';

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
`;

interface Published {
  uri: string;
  diagnostics: { code?: string | number }[];
}

// With the default settings, as the extension starts it: `tenken` from PATH.
const launch = resolveLaunch('', undefined, thisHost);

test(
  'the server the extension launches diagnoses a template the gate forwards',
  { skip: launch.ok ? false : 'tenken is not on PATH', timeout: 60_000 },
  async () => {
    assert.ok(launch.ok);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenken-server-'));
    const child = spawn(launch.command, launch.args, { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    try {
      const published = new Promise<Published>((resolve) =>
        connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
          if (p.diagnostics.length > 0) {
            resolve(p);
          }
        }),
      );
      connection.listen();
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(dir).href,
        capabilities: {},
        initializationOptions: {},
      });
      await connection.sendNotification('initialized', {});

      const file = path.join(dir, 'web.yaml');
      const uri = pathToFileURL(file).href;
      assert.ok(new DocumentGate().open({ uri, fileName: file, text: TEMPLATE }));
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'yaml', version: 1, text: TEMPLATE },
      });
      const result = await published;
      assert.equal(result.uri, uri);
      const codes = result.diagnostics.map((d) => d.code);
      assert.ok(codes.includes('TKN-NET-001'), `SSH open to the world in ${codes}`);
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
