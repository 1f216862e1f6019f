/**
 * `lmkit translate|sentiment|summarize|chat`: the I/O contracts (text, --json,
 * --jsonl with one JSON result per input line, usage errors) on a tiny model
 * loaded in-process, and the same commands against a server (--url) whose
 * mock engine records what they asked for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../serve/server.js';
import { MockEngine } from '../../serve/testing/mock-engine.js';
import { writeTinyModel } from '../../serve/testing/tiny-model.js';
import { runCli } from '../../test-util/cli.js';

describe('task commands on a local tiny model', () => {
  let dir: string;
  const env = { LMKIT_BACKEND: 'js' };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmkit-cli-tiny-'));
    await writeTinyModel(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sentiment --jsonl: one result per input line, with label and score', async () => {
    const r = await runCli(['sentiment', '--model', dir, '--jsonl'], '"Great boots!"\n"Awful stove."\n\n"It is a tent."\n', env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string; score: number; scores: Record<string, number> });
    assert.equal(lines.length, 3);
    for (const l of lines) {
      assert.ok(['positive', 'negative', 'neutral'].includes(l.label));
      assert.equal(l.score, l.scores[l.label]);
      assert.ok(Math.abs(Object.values(l.scores).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    }
  });

  it('translate and summarize print text, --json objects, and fail cleanly on bad input', async () => {
    const t = await runCli(['translate', '--model', dir, '--from', 'en', '--to', 'es', '--max-tokens', '6', 'The', 'tent'], '', env);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout.endsWith('\n'), true);
    const j = await runCli(['summarize', '--model', dir, '--max-tokens', '6', '--json'], 'A long text about a tent.', env);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(typeof (JSON.parse(j.stdout) as { summary: string }).summary, 'string');
    const bad = await runCli(['translate', '--model', dir, '--jsonl'], '{"text": "x"}\n', env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /line 1 is object; --jsonl expects one JSON string per line/);
    const none = await runCli(['summarize', '--model', dir], '', env);
    assert.equal(none.code, 2);
    const missing = await runCli(['sentiment', '--model', join(dir, 'nope'), 'x'], '', env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^lmkit: /);
  });

  it('chat keeps the conversation and streams each answer on its own line', async () => {
    const r = await runCli(['chat', '--model', dir, '--max-tokens', '5', '--seed', '1', '--system', 'Be brief.'], 'Hello\n/reset\nAgain\n', env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 3);
    assert.match(r.stderr, /conversation cleared/);
  });
});

describe('task commands against a server (--url)', () => {
  let server: RunningServer;
  let engine: MockEngine;
  before(async () => {
    engine = new MockEngine({ info: { contextLength: 4096 }, respond: (req) => (String(req.prompt).includes('Summarize') ? ['Short', '.'] : ['Hola', '.']) });
    server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
  });
  after(async () => server.close());

  it('translate --jsonl batches through the server', async () => {
    const r = await runCli(['translate', '--url', server.url, '--jsonl', '--batch', '2'], '"one"\n"two"\n"three"\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n').map((l) => JSON.parse(l)),
      [{ translation: 'Hola.' }, { translation: 'Hola.' }, { translation: 'Hola.' }],
    );
    assert.match(String(engine.generateCalls()[0]!.prompt), /from English to Spanish/);
  });

  it('summarize, sentiment and chat over HTTP', async () => {
    assert.equal((await runCli(['summarize', '--url', server.url, 'some text'])).stdout, 'Short.\n');
    const s = await runCli(['sentiment', '--url', server.url, '--json', 'nice']);
    assert.equal(s.code, 0, s.stderr);
    assert.ok('label' in (JSON.parse(s.stdout) as object));
    const c = await runCli(['chat', '--url', server.url], 'Hi\n');
    assert.equal(c.stdout, 'Hola.\n');
  });
});
