import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexRangeError } from '../errors.js';
import { trainBpe } from './train-bpe.js';
import { canonicalJSON, Tokenizer } from './tokenizer.js';
import { fixtureDir, hasSharedData, randomString, readFixture, rng, sharedTokenizerDir } from './test-helpers.js';

const text = readFixture('multilingual.txt');

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-tok-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Streams ids one by one: no chunk may hold a broken character, and all chunks add up to decode(ids). */
function checkStreaming(tok: Tokenizer, s: string): number {
  const ids = tok.encode(s);
  const dec = tok.decoder();
  let out = '';
  let held = 0;
  for (const id of ids) {
    const chunk = dec.push(id);
    assert.ok(!chunk.includes('\ufffd'), `chunk ${JSON.stringify(chunk)} has a broken character`);
    if (chunk === '') held++;
    out += chunk;
  }
  out += dec.flush();
  assert.equal(out, tok.decode(ids));
  return held;
}

test('streaming decode never emits a broken UTF-8 character (byte-level BPE and byte fallback)', async () => {
  const bpe = await trainBpe({ texts: [text], vocabSize: 300 });
  const spm = await Tokenizer.load(join(fixtureDir, 'spm-bpe-bytefallback.model'));
  for (const tok of [bpe, spm]) {
    const held = checkStreaming(tok, text);
    assert.ok(held > 0, 'multi-byte characters split across tokens were held back');
    const rand = rng(5);
    for (let k = 0; k < 100; k++) checkStreaming(tok, randomString(rand, 20));
  }
});

test('decode(encode(x)) == x for a trained byte-level BPE on random strings', async () => {
  const tok = await trainBpe({ texts: [text], vocabSize: 500, pattern: 'o200k' });
  const rand = rng(8);
  for (let k = 0; k < 500; k++) {
    const s = randomString(rand, 1 + Math.floor(rand() * 40));
    assert.equal(tok.decode(tok.encode(s)), s);
  }
  assert.deepEqual(tok.encodeBatch(['a b', 'c']), [tok.encode('a b'), tok.encode('c')]);
});

test('config: BOS/EOS/pad ids, every end-of-turn id the chat template uses, and the chat template', async () => {
  const base = await trainBpe({ texts: [text], vocabSize: 300, specialTokens: ['<|begin_of_text|>', '<|end_of_text|>', '<|im_start|>', '<|im_end|>', '<|pad|>'] });
  await withDir(async (dir) => {
    base.save(dir);
    const template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}";
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ bos_token: '<|begin_of_text|>', eos_token: { content: '<|end_of_text|>' }, pad_token: '<|pad|>', chat_template: template }),
    );
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [1, 3] }));
    const tok = await Tokenizer.load(dir);
    assert.equal(tok.bosId, 0);
    assert.equal(tok.eosId, 1);
    assert.equal(tok.padId, 4);
    assert.deepEqual(tok.eosIds, [1, 3]);
    assert.equal(tok.chatTemplate, template);
    assert.deepEqual(tok.specialTokens, { '<|begin_of_text|>': 0, '<|end_of_text|>': 1, '<|im_start|>': 2, '<|im_end|>': 3, '<|pad|>': 4 });
    assert.equal(tok.tokenToId('<|im_end|>'), 3);
    assert.equal(tok.idToToken(3), '<|im_end|>');
  });
});

test('save writes tokenizer.json and tokenizer_config.json that load back to the same tokenizer and hash', async () => {
  const tok = await trainBpe({ texts: [text], vocabSize: 400, specialTokens: ['<eos>'] });
  await withDir(async (dir) => {
    tok.save(dir);
    const back = await Tokenizer.load(join(dir, 'tokenizer.json'));
    assert.equal(back.hash(), tok.hash());
    assert.deepEqual(back.encode(text), tok.encode(text));
    assert.match(tok.hash(), /^[0-9a-f]{64}$/);
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    assert.equal(json.model.type, 'BPE');
    assert.equal(json.added_tokens[0].content, '<eos>');
    const other = await trainBpe({ texts: [text], vocabSize: 401, specialTokens: ['<eos>'] });
    assert.notEqual(other.hash(), tok.hash());
  });
  assert.equal(canonicalJSON({ b: 1, a: [2, { d: 3, c: 'x' }] }), '{"a":[2,{"c":"x","d":3}],"b":1}');
});

test('decode of an id outside the vocabulary is an IndexRangeError', async () => {
  const tok = await trainBpe({ texts: [text], vocabSize: 300 });
  assert.throws(() => tok.decode([5, 99999]), (e: unknown) => e instanceof IndexRangeError && e.message === '[decode] token id 99999 is out of range for size 300');
});

test('GPT-2 vocab.json + merges.txt (encoder.json + vocab.bpe) agree with the GGUF form on llama.cpp vectors', { skip: hasSharedData ? false : `shared test data not found at ${sharedTokenizerDir}` }, async () => {
  const files = await Tokenizer.load(join(sharedTokenizerDir, 'encoder.json'));
  const gguf = await Tokenizer.load(join(sharedTokenizerDir, 'ggml-vocab-gpt-2.gguf'));
  const inputs = readFileSync(join(sharedTokenizerDir, 'ggml-vocab-gpt-2.gguf.inp'), 'utf8').split('\n__ggml_vocab_test__\n');
  for (const s of [...inputs, text]) assert.deepEqual(files.encode(s), gguf.encode(s), JSON.stringify(s));
  assert.equal(files.eosId, 50256);
});
