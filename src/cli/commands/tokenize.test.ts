import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../main.js';
import { runCli } from '../../test-util/cli.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
import { fixtureDir, readFixture } from '../../tokenizers/test-helpers.js';

const spm = join(fixtureDir, 'spm-bpe-bytefallback.model');

test('tokenize prints ids space-separated by default and as a JSON array with --json', async () => {
  const tok = await Tokenizer.load(spm);
  const ids = tok.encode('the model reads text');
  let r = await runCli(['tokenize', '--tokenizer', spm], 'the model reads text');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, ids.join(' ') + '\n');
  r = await runCli(['tokenize', '--tokenizer', spm, '--json'], 'the model reads text');
  assert.deepEqual(JSON.parse(r.stdout), ids);
});

test('tokenize --jsonl reads one JSON string per line and prints one array per line', async () => {
  const tok = await Tokenizer.load(spm);
  const lines = readFixture('multilingual.txt').split('\n').slice(0, 6);
  const r = await runCli(['tokenize', '--tokenizer', spm, '--jsonl'], lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)), lines.map((l) => tok.encode(l)));
  const bad = await runCli(['tokenize', '--tokenizer', spm, '--jsonl'], '"ok"\nnot json\n');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'lmkit: [tokenize] stdin line 2: with --jsonl each line must be a JSON string, e.g. "Hello world"\n');
});

test('tokenize adds special tokens and parses special text only when asked', async () => {
  const plain = JSON.parse((await runCli(['tokenize', '--tokenizer', spm, '--json'], '<s>x')).stdout) as number[];
  assert.notEqual(plain[0], 1);
  const parsed = JSON.parse((await runCli(['tokenize', '--tokenizer', spm, '--json', '--parse-special'], '<s>x')).stdout) as number[];
  assert.equal(parsed[0], 1);
  const added = JSON.parse((await runCli(['tokenize', '--tokenizer', spm, '--json', '--add-special'], 'x')).stdout) as number[];
  assert.equal(added[0], 1);
});

test('tokenize rejects invalid UTF-8 on stdin with the offset, and missing flags as usage errors', async () => {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end(Buffer.from([0x6f, 0x6b, 0x20, 0xc3, 0x28]));
  let stderr = '';
  err.on('data', (d) => (stderr += d));
  const code = await main(['tokenize', '--tokenizer', spm], { stdout: out, stderr: err, stdin: input, env: {} });
  assert.equal(code, 1);
  assert.equal(stderr, 'lmkit: [tokenize] stdin: is not valid UTF-8 (bad byte 0xc3 at offset 3)\n');
  const r = await runCli(['tokenize'], 'x');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'lmkit: [tokenize] --tokenizer PATH is required\n');
  const missing = await runCli(['tokenize', '--tokenizer', '/nonexistent/tok.json'], 'x');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'lmkit: [/nonexistent/tok.json] no such file or folder\n');
});

test('tokenizer train writes a tokenizer that tokenize and tokenizer info load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-cli-tok-'));
  try {
    const data = join(dir, 'data.txt');
    writeFileSync(data, readFixture('multilingual.txt').repeat(3));
    const out = join(dir, 'tok');
    const r = await runCli(['tokenizer', 'train', '--data', data, '--vocab-size', '400', '--out', out, '--special', '<|endoftext|>', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.vocabSize, 400);
    assert.ok(existsSync(join(out, 'tokenizer.json')) && existsSync(join(out, 'tokenizer_config.json')));
    const tok = await Tokenizer.load(out);
    assert.equal(summary.hash, tok.hash());
    const ids = JSON.parse((await runCli(['tokenize', '--tokenizer', out, '--json', '--parse-special'], 'Größe<|endoftext|>')).stdout) as number[];
    assert.equal(ids.at(-1), 0);
    assert.equal(tok.decode(ids), 'Größe<|endoftext|>');
    const info = JSON.parse((await runCli(['tokenizer', 'info', out, '--json'])).stdout);
    assert.equal(info.model, 'BPE');
    assert.deepEqual(info.specialTokens, { '<|endoftext|>': 0 });
    const bad = await runCli(['tokenizer', 'train', '--data', data, '--vocab-size', '10', '--out', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^lmkit: \[trainBpe\] vocabSize: must be an integer of at least 256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
