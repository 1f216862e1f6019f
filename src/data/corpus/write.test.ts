import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '../../errors.js';
import { runCli } from '../../test-util/cli.js';
import { loadSplit, readManifest } from './load.js';
import { END_OF_TEXT } from './prompts.js';
import { writeCorpus } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'lmkit-corpus-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const manifest = writeCorpus({ outDir: dir, seed: 8, scale: 0.01 });

test('writes every file, and the manifest holds their sha256 and sizes', () => {
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, ['manifest.json', 'test.jsonl', 'test.txt', 'train.jsonl', 'train.txt', 'valid.jsonl', 'valid.txt', 'world.json']);
  for (const [name, info] of Object.entries(manifest.files)) {
    const buf = readFileSync(join(dir, name));
    assert.equal(buf.byteLength, info.bytes, name);
    assert.equal(createHash('sha256').update(buf).digest('hex'), info.sha256, name);
  }
  const m = readManifest(dir);
  assert.deepEqual(m, JSON.parse(JSON.stringify(manifest)));
  assert.equal(m.seed, 8);
  assert.ok(m.heldOut.templates.length > 0 && m.heldOut.brands.length > 0);
  assert.equal(m.counts.train.total, Object.entries(m.counts.train).filter(([k]) => k !== 'total').reduce((a, [, v]) => a + v, 0));
});

test('the .txt files are the records\' texts, each ending in <|endoftext|> and a newline', () => {
  const text = readFileSync(join(dir, 'train.txt'), 'utf8');
  const docs = text.split(`${END_OF_TEXT}\n`);
  assert.equal(docs.pop(), '');
  const records = loadSplit(dir, 'train');
  assert.equal(docs.length, records.length);
  records.forEach((r, i) => assert.equal(docs[i], r.text.endsWith(END_OF_TEXT) ? r.text.slice(0, -END_OF_TEXT.length) : r.text));
});

test('loadSplit reads and filters records by task', () => {
  const all = loadSplit(dir, 'test');
  assert.equal(all.length, manifest.counts.test.total);
  const support = loadSplit(dir, 'test', 'support');
  assert.equal(support.length, manifest.counts.test.support);
  for (const r of support) {
    assert.equal(r.task, 'support');
    assert.ok(r.facts!.length > 0);
  }
  assert.throws(() => loadSplit(dir, 'dev' as never), InvalidArgumentError);
});

test('a malformed line is a FileFormatError naming the file and line', () => {
  const bad = mkdtempSync(join(tmpdir(), 'lmkit-corpus-bad-'));
  try {
    const good = readFileSync(join(dir, 'valid.jsonl'), 'utf8').split('\n')[0]!;
    writeFileSync(join(bad, 'valid.jsonl'), `${good}\n{"task":"poetry"}\n`);
    assert.throws(() => loadSplit(bad, 'valid'), (e: unknown) => e instanceof FileFormatError && /valid\.jsonl\] line 2: unknown task 'poetry'/.test(e.message));
    writeFileSync(join(bad, 'valid.jsonl'), `not json\n`);
    assert.throws(() => loadSplit(bad, 'valid'), (e: unknown) => e instanceof FileFormatError && /line 1: not valid JSON/.test(e.message));
    writeFileSync(join(bad, 'manifest.json'), '{"format":"other"}');
    assert.throws(() => readManifest(bad), FileFormatError);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

test('lmkit corpus --json prints the manifest summary; bad flags are usage errors', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lmkit-corpus-cli-'));
  try {
    const r = await runCli(['corpus', '--out', out, '--seed', '8', '--scale', '0.01', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const j = JSON.parse(lines[0]!);
    assert.equal(j.seed, 8);
    assert.deepEqual(j.counts, manifest.counts);
    // Same seed and scale as the library call above: the same bytes.
    assert.deepEqual(j.files, manifest.files);
    const human = await runCli(['corpus', '--out', out, '--scale', '0.01']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^wrote corpus \(seed 1, scale 0\.01\)/);
    assert.match(human.stdout, /test .* use held-out entities or templates/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const missing = await runCli(['corpus']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^lmkit: \[corpus\] --out DIR is required/);
  const badScale = await runCli(['corpus', '--out', dir, '--scale', '0']);
  assert.equal(badScale.code, 2);
  assert.match(badScale.stderr, /--scale must be > 0/);
  const badSeed = await runCli(['corpus', '--out', dir, '--seed', '1.5']);
  assert.equal(badSeed.code, 2);
  assert.match(badSeed.stderr, /--seed must be an integer/);
});
