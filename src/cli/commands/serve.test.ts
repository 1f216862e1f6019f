/**
 * `lmkit serve` as a process: starts on a free port with a tiny model folder,
 * answers through its worker thread, enforces --api-keys with a key made by
 * `lmkit keys create`, and exits 0 on SIGTERM. Also the size parser.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeTinyModel } from '../../serve/testing/tiny-model.js';
import { runCli } from '../../test-util/cli.js';
import { parseSize } from './serve.js';

const BIN = fileURLToPath(new URL('../../../bin/lmkit.js', import.meta.url));

test('parseSize reads byte sizes with units', () => {
  assert.equal(parseSize('serve', 'x', '8GiB'), 8 * 2 ** 30);
  assert.equal(parseSize('serve', 'x', '512MB'), 512e6);
  assert.equal(parseSize('serve', 'x', '1024'), 1024);
  assert.throws(() => parseSize('serve', 'x', 'lots'), /--x must be a size/);
});

test('lmkit serve: worker-thread model, API keys, clean exit on SIGTERM', { timeout: 60_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lmkit-serve-home-'));
  const model = join(home, 'tiny');
  let cleanup = () => false as boolean;
  try {
    await writeTinyModel(model);
    const env = { ...process.env, LMKIT_HOME: home, LMKIT_BACKEND: 'js' };
    const key = (await runCli(['keys', 'create', '--name', 'test'], '', env)).stdout.trim();
    const child = spawn(process.execPath, [BIN, 'serve', '--model', model, '--port', '0', '--api-keys'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // A failed assertion must not leave the server running (it would hold the test runner open).
    cleanup = () => child.exitCode === null && child.kill('SIGKILL');
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, seed: 1 });
    const denied = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(denied.status, 401);
    const ok = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    assert.equal(ok.status, 200);
    const j = (await ok.json()) as { model: string; choices: { message: { role: string } }[] };
    assert.equal(j.model, model);
    assert.equal(j.choices[0]!.message.role, 'assistant');
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /loaded .*tiny/);
  } finally {
    cleanup();
    rmSync(home, { recursive: true, force: true });
  }
});
