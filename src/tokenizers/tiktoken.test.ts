import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { FileFormatError } from '../errors.js';
import { ranksFromJsTiktoken, ranksToTiktoken, tokenizerFromRanks } from './tiktoken.js';
import { Tokenizer } from './tokenizer.js';
import { randomString, readFixture, rng } from './test-helpers.js';

const encodings = [
  ['cl100k_base', cl100k],
  ['o200k_base', o200k],
] as const;

const text = readFixture('multilingual.txt');

for (const [name, data] of encodings) {
  // js-tiktoken uses JavaScript's \s; match it exactly with the 'js' flavor.
  const ours = tokenizerFromRanks(ranksFromJsTiktoken(data.bpe_ranks), { encoding: name, whitespace: 'js' }, name);
  const ref = new Tiktoken(data);
  const refEncode = (s: string): number[] => ref.encode(s, [], []);

  test(`${name}: ids identical to js-tiktoken on the multilingual text, whole and line by line`, () => {
    assert.deepEqual(ours.encode(text), refEncode(text));
    for (const line of text.split('\n')) assert.deepEqual(ours.encode(line), refEncode(line), JSON.stringify(line));
  });

  test(`${name}: ids identical to js-tiktoken on 1500 random strings`, () => {
    const rand = rng(name.length);
    for (let k = 0; k < 1500; k++) {
      const s = randomString(rand, 1 + Math.floor(rand() * 30));
      assert.deepEqual(ours.encode(s), refEncode(s), JSON.stringify(s));
    }
  });

  test(`${name}: decode(encode(x)) == x for random strings and the test text`, () => {
    assert.equal(ours.decode(ours.encode(text)), text);
    const rand = rng(99);
    for (let k = 0; k < 1500; k++) {
      const s = randomString(rand, 1 + Math.floor(rand() * 40));
      assert.equal(ours.decode(ours.encode(s)), s, JSON.stringify(s));
    }
  });

  test(`${name}: special tokens are text unless parseSpecial`, () => {
    const s = 'a<|endoftext|>b';
    assert.deepEqual(ours.encode(s), refEncode(s));
    assert.deepEqual(ours.encode(s, { parseSpecial: true }), ref.encode(s, 'all'));
    assert.equal(ours.decode(ours.encode(s, { parseSpecial: true })), s);
    assert.equal(ours.decode(ours.encode(s, { parseSpecial: true }), { skipSpecial: true }), 'ab');
    assert.equal(ours.eosId, data.special_tokens['<|endoftext|>']);
  });
}

test('a .tiktoken file named after cl100k_base loads with its regex and special tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-tiktoken-'));
  try {
    const ranks = ranksFromJsTiktoken(cl100k.bpe_ranks);
    const path = join(dir, 'cl100k_base.tiktoken');
    writeFileSync(path, ranksToTiktoken(ranks));
    const tok = await Tokenizer.load(path);
    const ref = new Tiktoken(cl100k);
    assert.deepEqual(tok.encode(text), ref.encode(text, [], []));
    assert.deepEqual(tok.encode('<|fim_prefix|>x', { parseSpecial: true }), [100258, 87]);
    assert.equal(tok.vocabSize, 100277);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed .tiktoken file is an error naming the file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-tiktoken-'));
  try {
    const path = join(dir, 'cl100k_base.tiktoken');
    writeFileSync(path, 'IQ== 0\nnot-base64!! 1\n');
    await assert.rejects(Tokenizer.load(path), (e: unknown) => {
      assert.ok(e instanceof FileFormatError);
      assert.equal(e.message, `[${path}] line 2: expected "BASE64 RANK", got "not-base64!! 1"`);
      return true;
    });
    writeFileSync(path, 'IQ== 0\n');
    await assert.rejects(Tokenizer.load(path), /no token for the single byte 0x00/);
    const unknown = join(dir, 'mystery.tiktoken');
    writeFileSync(unknown, ranksToTiktoken(ranksFromJsTiktoken(cl100k.bpe_ranks)).split('\n').slice(0, 300).join('\n'));
    await assert.rejects(Tokenizer.load(unknown), /name the file after a known encoding/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
