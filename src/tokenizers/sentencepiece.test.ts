import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '../errors.js';
import { Tokenizer } from './tokenizer.js';
import { fixtureDir } from './test-helpers.js';

interface Case {
  text: string;
  ids: number[];
  decoded: string;
}
const fixtures = JSON.parse(readFileSync(join(fixtureDir, 'spm-cases.json'), 'utf8')) as {
  models: Record<string, { vocab_size: number; bos_id: number; eos_id: number; unk_id: number; cases: Case[] }>;
};

for (const [name, m] of Object.entries(fixtures.models)) {
  test(`${name}: ids identical to sentencepiece on ${m.cases.length} strings`, async () => {
    const tok = await Tokenizer.load(join(fixtureDir, `${name}.model`));
    assert.equal(tok.vocabSize, m.vocab_size);
    for (const c of m.cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
  });

  test(`${name}: decode matches sentencepiece (where no <unk> is involved), BOS/EOS as in the model`, async () => {
    const tok = await Tokenizer.load(join(fixtureDir, `${name}.model`));
    for (const c of m.cases) if (!c.ids.includes(m.unk_id)) assert.equal(tok.decode(c.ids), c.decoded, JSON.stringify(c.text));
    assert.equal(tok.bosId, m.bos_id);
    assert.equal(tok.eosId, m.eos_id);
    assert.deepEqual(tok.encode('the model', { addSpecial: true }), [m.bos_id, ...tok.encode('the model')]);
    assert.equal(tok.decode([m.bos_id, ...tok.encode('the model')], { skipSpecial: true }), 'the model');
  });
}

test('a truncated or malformed .model file is an error naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-spm-'));
  try {
    const blob = readFileSync(join(fixtureDir, 'spm-bpe-bytefallback.model'));
    const p = join(dir, 'tokenizer.model');
    writeFileSync(p, blob.subarray(0, 1000));
    await assert.rejects(Tokenizer.load(p), (e: unknown) => e instanceof FileFormatError && /^\[.*tokenizer\.model\] field of \d+ bytes runs past the end at byte \d+; the file is truncated or not a protobuf$/.test(e.message));
    writeFileSync(p, Buffer.from('not a model at all'));
    await assert.rejects(Tokenizer.load(p), FileFormatError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
