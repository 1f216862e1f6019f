import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../test-util/cli.js';

test('unknown command exits 2 with a short message', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^lmkit: unknown command 'frobnicate'/);
});

test('--help lists the commands and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /bench/);
});

test('unknown benchmark is a usage error without a stack trace', async () => {
  const r = await runCli(['bench', 'nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^lmkit: \[bench\] unknown benchmark 'nope'/);
  assert.doesNotMatch(r.stderr, /at .*\.js/);
});
