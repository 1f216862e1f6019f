import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGguf } from '../io/gguf.js';
import { FileFormatError, UnsupportedError } from '../errors.js';
import { Tokenizer } from './tokenizer.js';
import { parseSentencePieceModel } from './sentencepiece.js';
import { fixtureDir, hasSharedData, sharedTokenizerDir } from './test-helpers.js';

const skip = hasSharedData ? false : `shared test data not found at ${sharedTokenizerDir}`;

/** llama.cpp's vectors: inputs separated by "\n__ggml_vocab_test__\n", one line of ids per input. */
function vectors(name: string): { text: string; ids: number[] }[] {
  const inp = readFileSync(join(sharedTokenizerDir, `${name}.inp`), 'utf8').split('\n__ggml_vocab_test__\n');
  const out = readFileSync(join(sharedTokenizerDir, `${name}.out`), 'utf8').split('\n');
  if (inp[inp.length - 1] === '') inp.pop();
  return inp.map((text, i) => ({ text, ids: out[i]!.trim() === '' ? [] : out[i]!.trim().split(/\s+/).map(Number) }));
}

for (const name of ['ggml-vocab-gpt-2.gguf', 'ggml-vocab-llama-spm.gguf', 'ggml-vocab-bert-bge.gguf']) {
  test(`${name}: matches every llama.cpp test vector`, { skip }, async () => {
    const tok = await Tokenizer.load(join(sharedTokenizerDir, name));
    const cases = vectors(name);
    assert.ok(cases.length > 30);
    for (const c of cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
  });
}

test('GGUF llama-spm: metadata API, special tokens and round trip', { skip }, () => {
  const path = join(sharedTokenizerDir, 'ggml-vocab-llama-spm.gguf');
  const tok = Tokenizer.fromGgufMetadata(readGguf(path).metadata, path);
  assert.equal(tok.vocabSize, 32000);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.deepEqual(tok.eosIds, [2]);
  const ids = tok.encode('Hello world', { addSpecial: true });
  assert.equal(ids[0], 1);
  assert.equal(tok.decode(ids, { skipSpecial: true }), 'Hello world');
  assert.deepEqual(tok.encode('<s>x', { parseSpecial: true })[0], 1);
  assert.notEqual(tok.encode('<s>x')[0], 1);
  const emoji = 'Ünïcödé 🦙 text';
  assert.equal(tok.decode(tok.encode(emoji)), emoji);
});

test('GGUF gpt-2: decode(encode(x)) == x', { skip }, async () => {
  const tok = await Tokenizer.load(join(sharedTokenizerDir, 'ggml-vocab-gpt-2.gguf'));
  for (const c of vectors('ggml-vocab-gpt-2.gguf')) assert.equal(tok.decode(tok.encode(c.text)), c.text);
});

test('GGUF metadata without a tokenizer, or of an unknown kind, is a clear error', () => {
  assert.throws(() => Tokenizer.fromGgufMetadata({}, 'm.gguf'), (e: unknown) => e instanceof FileFormatError && e.message === '[m.gguf] tokenizer.ggml.model: missing: this GGUF file has no embedded tokenizer');
  assert.throws(
    () => Tokenizer.fromGgufMetadata({ 'tokenizer.ggml.model': 'rwkv', 'tokenizer.ggml.tokens': ['a'] }, 'm.gguf'),
    (e: unknown) => e instanceof UnsupportedError && /tokenizer model 'rwkv'/.test(e.message),
  );
  assert.throws(
    () => Tokenizer.fromGgufMetadata({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': ['a', 'b'], 'tokenizer.ggml.scores': new Float32Array(1) }, 'm.gguf'),
    { message: '[m.gguf] tokenizer.ggml.scores: has 1 entries for 2 tokens' },
  );
});

test('GGUF t5 (Unigram) metadata, built from a SentencePiece model, gives sentencepiece\'s ids', () => {
  const m = parseSentencePieceModel(readFileSync(join(fixtureDir, 'spm-unigram.model')), 'spm-unigram.model');
  const meta: Record<string, unknown> = {
    'tokenizer.ggml.model': 't5',
    'tokenizer.ggml.tokens': m.pieces.map((p) => p.piece),
    'tokenizer.ggml.scores': Float32Array.from(m.pieces.map((p) => p.score)),
    'tokenizer.ggml.token_type': Int32Array.from(m.pieces.map((p) => p.type)),
    'tokenizer.ggml.unknown_token_id': m.unkId,
    'tokenizer.ggml.bos_token_id': m.bosId,
    'tokenizer.ggml.eos_token_id': m.eosId,
    'tokenizer.ggml.add_space_prefix': m.normalizer.addDummyPrefix,
    'tokenizer.ggml.remove_extra_whitespaces': m.normalizer.removeExtraWhitespaces,
    'tokenizer.ggml.precompiled_charsmap': m.normalizer.charsmap,
  };
  const tok = Tokenizer.fromGgufMetadata(meta, 'unigram.gguf');
  const cases = (JSON.parse(readFileSync(join(fixtureDir, 'spm-cases.json'), 'utf8')) as { models: Record<string, { cases: { text: string; ids: number[] }[] }> }).models['spm-unigram']!.cases;
  for (const c of cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
  assert.deepEqual(tok.encode('x', { addSpecial: true }).at(-1), m.eosId);
});

test('the shared data folder is where the tests expect it (or the GGUF tests say why they skip)', () => {
  assert.equal(hasSharedData, existsSync(sharedTokenizerDir));
});
