import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteTokenizer } from './byte-tokenizer.js';
import { prepareShards } from './prepare.js';
import { BatchSampler, evalBatches, openShards } from './dataset.js';
import { TokenShard } from './shard-file.js';
import type { TextTokenizer } from './text-tokenizer.js';
import { FileFormatError, InvalidArgumentError, NotFoundError } from '../errors.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-prepare-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case${n++}`);

const tok = new ByteTokenizer();
const docsText = (k: number) => Array.from({ length: k }, (_, i) => `document number ${i}: ${'xyz'.repeat(i % 5)}`);

/** A tokenizer with a vocabulary above 65535, to exercise uint32 shards. */
class WideTokenizer implements TextTokenizer {
  readonly vocabSize = 70000;
  readonly eosId = 69999;
  encode(text: string): number[] {
    return [...text].map((c) => 60000 + c.charCodeAt(0));
  }
  decode(ids: readonly number[]): string {
    return ids.map((i) => String.fromCharCode(i - 60000)).join('');
  }
  hash(): string {
    return 'wide';
  }
}

function allTokens(dir: string, split: 'train' | 'validation'): number[] {
  const set = openShards(dir);
  const s = set[split];
  const out = new Int32Array(s.numTokens);
  s.read(0, s.numTokens, out);
  set.close();
  return Array.from(out);
}

test('shards hold every document followed by EOS, split into train and validation', async () => {
  const data = fresh() + '.txt';
  const docs = docsText(40);
  writeFileSync(data, docs.join('<|endoftext|>\n') + '<|endoftext|>\n');
  const out = fresh();
  const m = await prepareShards({ inputs: [data], tokenizer: tok, outDir: out, valFraction: 0.1, shardTokens: 100 });
  assert.equal(m.dtype, 'uint16');
  assert.equal(m.tokenizer.hash, tok.hash());
  assert.equal(m.splits.train.documents + m.splits.validation.documents, 40);
  assert.ok(m.splits.validation.documents >= 3, `validation got ${m.splits.validation.documents} documents`);
  const total = m.splits.train.tokens + m.splits.validation.tokens;
  assert.ok(Math.abs(m.splits.validation.tokens - 0.1 * total) <= 40, `validation ${m.splits.validation.tokens} of ${total} tokens`);
  assert.ok(m.splits.train.shards.length > 3, 'small shardTokens makes several shard files');
  assert.equal(m.files[0]!.bytes, statSync(data).size);
  // Decoding both splits gives back exactly the documents, each ended by EOS.
  const decoded = [...tok.decode(allTokens(out, 'train')).split('<|endoftext|>'), ...tok.decode(allTokens(out, 'validation')).split('<|endoftext|>')].filter((d) => d);
  assert.deepEqual(decoded.sort(), [...docs].sort());
  // Document starts recorded in the shards line up with the tokens after each EOS.
  const shard = new TokenShard(join(out, m.splits.train.shards[0]!.file));
  const starts = shard.docStarts();
  assert.equal(starts[0], 0);
  shard.verify();
  shard.close();
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no staging files left');
});

test('uint32 shards for vocabularies above 65535', async () => {
  const data = fresh() + '.jsonl';
  writeFileSync(data, ['{"text":"héllo"}', '{"text":"world"}', '{"text":"again"}'].join('\n'));
  const out = fresh();
  const wide = new WideTokenizer();
  const m = await prepareShards({ inputs: [data], tokenizer: wide, outDir: out, valFraction: 0.4 });
  assert.equal(m.dtype, 'uint32');
  const all = [...allTokens(out, 'train'), ...allTokens(out, 'validation')];
  assert.ok(all.includes(69999) && all.every((id) => id >= 60000));
  const text = [...allTokens(out, 'train'), ...allTokens(out, 'validation')].filter((i) => i !== 69999);
  assert.equal(wide.decode(text).length, 'hélloworldagain'.length);
  assert.equal(allTokens(out, 'train').filter((i) => i === 69999).length + allTokens(out, 'validation').filter((i) => i === 69999).length, 3);
});

test('a folder laid out as splits gives train and validation files', async () => {
  const dir = fresh();
  const out = fresh();
  await import('node:fs').then((fs) => fs.mkdirSync(dir));
  writeFileSync(join(dir, 'train.txt'), docsText(10).join('<|endoftext|>\n'));
  writeFileSync(join(dir, 'train.jsonl'), '{"text":"ignored: the .txt split wins"}\n');
  writeFileSync(join(dir, 'valid.txt'), 'held out text<|endoftext|>\n');
  const m = await prepareShards({ inputs: [dir], tokenizer: tok, outDir: out });
  assert.equal(m.splits.train.documents, 10);
  assert.equal(m.splits.validation.documents, 1);
  assert.equal(m.options.valFraction, null);
  assert.equal(tok.decode(allTokens(out, 'validation')), 'held out text<|endoftext|>');
});

test('random and sequential batches: targets are inputs shifted by one; state restores the stream', async () => {
  const data = fresh() + '.txt';
  writeFileSync(data, docsText(60).join('<|endoftext|>'));
  const out = fresh();
  await prepareShards({ inputs: [data], tokenizer: tok, outDir: out, shardTokens: 333 });
  const set = openShards(out, { tokenizer: tok, verify: true });
  const all = new Int32Array(set.train.numTokens);
  set.train.read(0, all.length, all);
  for (const mode of ['random', 'sequential'] as const) {
    const s = new BatchSampler(set.train, { batchSize: 3, context: 16, mode, seed: 5 });
    const b = s.next();
    for (let r = 0; r < 3; r++) {
      const row = Array.from(b.inputs.subarray(r * 16, r * 16 + 16));
      const tgt = Array.from(b.targets.subarray(r * 16, r * 16 + 16));
      assert.deepEqual(row.slice(1), tgt.slice(0, 15));
      // The window occurs in the split's token stream.
      const hay = Array.from(all).join(',');
      assert.ok((',' + hay + ',').includes(',' + [...row, tgt[15]].join(',') + ','));
    }
    for (let i = 0; i < 7; i++) s.next();
    const saved = JSON.parse(JSON.stringify(s.state()));
    const expected = [s.next(), s.next()];
    const s2 = new BatchSampler(set.train, { batchSize: 3, context: 16, mode, seed: 5 });
    s2.loadState(saved);
    assert.deepEqual([s2.next(), s2.next()], expected);
  }
  const seq = new BatchSampler(set.train, { batchSize: 4, context: 16, mode: 'sequential' });
  const first = seq.next();
  assert.deepEqual(Array.from(first.inputs.subarray(16, 32)), Array.from(all.subarray(16, 32)));
  const ev = [...evalBatches(set.validation, 2, 8, 2)];
  assert.ok(ev.length >= 1 && ev.length <= 2);
  set.close();
});

test('bad inputs: missing file, empty data, no validation, no partial output', async () => {
  const out = fresh();
  await assert.rejects(prepareShards({ inputs: [join(root, 'nope.txt')], tokenizer: tok, outDir: out }), (e: unknown) => e instanceof NotFoundError && /no such file or folder: .*nope\.txt/.test(e.message));
  assert.equal(existsSync(out), false);
  const empty = fresh() + '.txt';
  writeFileSync(empty, '\n\n<|endoftext|>\n');
  await assert.rejects(prepareShards({ inputs: [empty], tokenizer: tok, outDir: out }), (e: unknown) => e instanceof InvalidArgumentError && /no text found in .* the inputs are empty/.test(e.message));
  assert.equal(existsSync(out), false, 'the output folder we created is removed again');
  const one = fresh() + '.txt';
  writeFileSync(one, 'just one short document');
  await assert.rejects(prepareShards({ inputs: [one], tokenizer: tok, outDir: out }), /the split is empty: 1 document\(s\) of 24 tokens are too few for --val-fraction 0.01/);
  const badJson = fresh() + '.jsonl';
  writeFileSync(badJson, '{"text":"a"}\nnot json\n');
  await assert.rejects(prepareShards({ inputs: [badJson], tokenizer: tok, outDir: out }), FileFormatError);
  assert.equal(existsSync(out), false);
});

test('a failed prepare keeps the earlier good shards; a tokenizer mismatch and a truncated shard are refused', async () => {
  const data = fresh() + '.txt';
  writeFileSync(data, docsText(30).join('<|endoftext|>'));
  const out = fresh();
  const m = await prepareShards({ inputs: [data], tokenizer: tok, outDir: out, valFraction: 0.1 });
  const before = readFileSync(join(out, 'manifest.json'), 'utf8');
  const bad = fresh() + '.jsonl';
  writeFileSync(bad, '{"text":"fine"}\n{oops}\n');
  await assert.rejects(prepareShards({ inputs: [bad], tokenizer: tok, outDir: out }), FileFormatError);
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), before);
  assert.equal(allTokens(out, 'train').length, m.splits.train.tokens);
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), []);

  assert.throws(() => openShards(out, { tokenizer: new WideTokenizer() }), /were made with tokenizer [0-9a-f]{12} \(vocab 257\), not this run's wide \(vocab 70000\); prepare the data again/);
  const shardPath = join(out, m.splits.train.shards[0]!.file);
  truncateSync(shardPath, statSync(shardPath).size - 3);
  assert.throws(() => openShards(out), (e: unknown) => e instanceof FileFormatError && /the file is truncated or corrupt/.test(e.message));
});
