/**
 * Tokenizers written as GGUF metadata tokenize as before when read back, and
 * match llama.cpp's own tokenizer test vectors: llama.cpp's GPT-2 and Llama
 * (SentencePiece) vocabularies from ../shared/data are read, written back by
 * tokenizerToGguf, read again, and must reproduce every expected id list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedError } from '../../errors.js';
import { readGguf } from '../../io/gguf.js';
import { writeGguf } from '../../io/gguf-writer.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
import { sharedTokenizerDir } from '../../tokenizers/test-helpers.js';
import { trainBpe } from '../../tokenizers/train-bpe.js';
import { tokenizerToGguf } from './tokenizer-metadata.js';

const SHARED = sharedTokenizerDir;
const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-tok-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Writes the metadata to a GGUF file and reads it back (so value types are checked too). */
async function throughFile(name: string, md: ReturnType<typeof tokenizerToGguf>): Promise<ReturnType<typeof readGguf>> {
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, { metadata: { 'general.architecture': 'llama', ...md } });
  return readGguf(path);
}

function vectors(vocab: string): { text: string; ids: number[] }[] {
  const inp = readFileSync(join(SHARED, `${vocab}.inp`), 'utf8').split('\n__ggml_vocab_test__\n');
  const out = readFileSync(join(SHARED, `${vocab}.out`), 'utf8').split('\n');
  return inp.slice(0, out.length).map((text, i) => ({ text, ids: out[i]!.trim() ? out[i]!.trim().split(/\s+/).map(Number) : [] })).filter((v) => v.text.length > 0);
}

for (const [vocab, model] of [
  ['ggml-vocab-llama-spm.gguf', 'llama'],
  ['ggml-vocab-gpt-2.gguf', 'gpt2'],
] as const) {
  const path = join(SHARED, vocab);
  const skip = existsSync(path) ? false : `${path} is absent (shared test data)`;
  test(`${vocab}: read, written back by tokenizerToGguf, read again: llama.cpp's test vectors still hold`, { skip }, async () => {
    const orig = readGguf(path);
    const tok = Tokenizer.fromGgufMetadata(orig.metadata, path);
    const g = await throughFile(model, tokenizerToGguf(tok));
    const m = g.metadata;
    assert.equal(m['tokenizer.ggml.model'], model);
    assert.deepEqual(m['tokenizer.ggml.tokens'], orig.metadata['tokenizer.ggml.tokens']);
    assert.deepEqual(m['tokenizer.ggml.token_type'], orig.metadata['tokenizer.ggml.token_type']);
    assert.equal(g.metadataTypes['tokenizer.ggml.token_type'] && JSON.stringify(g.metadataTypes['tokenizer.ggml.token_type']), JSON.stringify({ array: 'i32' }));
    for (const k of ['tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id']) {
      assert.equal(m[k], orig.metadata[k], k);
      if (m[k] !== undefined) assert.equal(g.metadataTypes[k], 'u32', k);
    }
    if (model === 'gpt2') {
      assert.deepEqual(m['tokenizer.ggml.merges'], orig.metadata['tokenizer.ggml.merges']);
      assert.equal(m['tokenizer.ggml.pre'], 'gpt-2');
    } else {
      assert.equal(m['tokenizer.ggml.add_bos_token'], true);
      assert.equal(m['tokenizer.ggml.add_space_prefix'], true);
    }
    const again = Tokenizer.fromGgufMetadata(g.metadata, 'rewritten');
    for (const { text, ids } of vectors(vocab)) {
      assert.deepEqual(again.encode(text), ids, JSON.stringify(text));
    }
    assert.deepEqual(again.encode('Hello world', { addSpecial: true }), tok.encode('Hello world', { addSpecial: true }));
  });
}

for (const [pattern, pre] of [['gpt2', 'gpt-2'], ['cl100k', 'llama-bpe'], ['qwen2', 'qwen2']] as const) {
test(`a byte-level BPE trained by lmkit (${pattern} regex) round-trips through GGUF metadata as pre '${pre}'`, async () => {
  const text = 'the quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away, 123 times!\n'.repeat(20);
  const tok = await trainBpe({ texts: [text], vocabSize: 300, specialTokens: ['<|endoftext|>'], pattern });
  const g = await throughFile('trained', tokenizerToGguf(tok, { vocabSize: 320 }));
  assert.equal(g.metadata['tokenizer.ggml.model'], 'gpt2');
  assert.equal(g.metadata['tokenizer.ggml.pre'], pre);
  const tokens = g.metadata['tokenizer.ggml.tokens'] as string[];
  assert.equal(tokens.length, 320, 'padded to the model vocabulary');
  assert.equal(tokens[319], '[PAD319]');
  assert.equal((g.metadata['tokenizer.ggml.token_type'] as Int32Array)[319], 5);
  const again = Tokenizer.fromGgufMetadata(g.metadata, 'trained');
  for (const s of ['the quick brown fox', 'A new sentence, with 4567 digits and ünïcödé.', text.slice(0, 200)]) assert.deepEqual(again.encode(s), tok.encode(s), s);
});
}

test('WordPiece and other non-BPE tokenizers are refused', { skip: existsSync(join(SHARED, 'ggml-vocab-bert-bge.gguf')) ? false : 'shared test data absent' }, () => {
  const bert = Tokenizer.fromGgufMetadata(readGguf(join(SHARED, 'ggml-vocab-bert-bge.gguf')).metadata);
  assert.throws(() => tokenizerToGguf(bert), (e: unknown) => e instanceof UnsupportedError && /a WordPiece tokenizer cannot be written to GGUF/.test(e.message));
});
