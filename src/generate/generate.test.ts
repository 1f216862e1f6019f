import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import { createRuntime } from '../tensor/index.js';
import { generate, generateBatch, stream } from './generate.js';
import { ByteTokenizer, EOS } from './testing/byte-tokenizer.js';
import { scriptedLM } from './testing/scripted.js';
import { TinyAttentionLM } from './testing/toy-lm.js';
import type { StreamPiece } from './types.js';

const rt = createRuntime({ backend: 'js' });
const enc = new TextEncoder();
const bytes = (s: string) => [...enc.encode(s)];

async function collect(it: AsyncIterable<StreamPiece>): Promise<StreamPiece[]> {
  const out: StreamPiece[] = [];
  for await (const p of it) out.push(p);
  return out;
}

test('greedy generation follows the model and stops at EOS (not included in tokens or text)', async () => {
  const tok = new ByteTokenizer();
  const prompt = tok.encode('Q:', { addSpecial: true });
  const model = scriptedLM(rt, tok.vocabSize, prompt.length, [...bytes(' yes'), EOS]);
  const r = await generate(model, tok, 'Q:', { temperature: 0 });
  assert.equal(r.text, ' yes');
  assert.deepEqual(r.tokens, bytes(' yes'));
  assert.equal(r.finishReason, 'eos');
  assert.deepEqual(r.usage, { promptTokens: 3, completionTokens: 4, totalTokens: 7 });
  // one prefill row of 3 tokens, then one token per step
  assert.deepEqual(model.calls, [[3], [1], [1], [1], [1]]);
});

test('maxTokens ends with finishReason length; ignoreEos keeps going past EOS', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, [...bytes('ab'), EOS]);
  const r = await generate(model, tok, 'x', { temperature: 0, maxTokens: 1 });
  assert.equal(r.text, 'a');
  assert.equal(r.finishReason, 'length');
  const r2 = await generate(model, tok, 'x', { temperature: 0, maxTokens: 4, ignoreEos: true });
  assert.deepEqual(r2.tokens, [...bytes('ab'), EOS, EOS]);
  assert.equal(r2.finishReason, 'length');
});

test('stop strings are found across token boundaries and never emitted, in stream or result', async () => {
  const tok = new ByteTokenizer({ extra: ['lo<E', 'ND>m', '<', 'E'] });
  const script = [...bytes('Hel'), tok.idOf('lo<E'), tok.idOf('ND>m'), ...bytes('ore'), EOS];
  const model = scriptedLM(rt, tok.vocabSize, 2, script);
  const pieces = await collect(stream(model, tok, 'x', { temperature: 0, stop: ['<END>'] }));
  const text = pieces.map((p) => p.text).join('');
  assert.equal(text, 'Hello');
  assert.ok(pieces.every((p) => !p.text.includes('<')), JSON.stringify(pieces));
  assert.equal(pieces.at(-1)!.finishReason, 'stop');
  const r = await generate(model, tok, 'x', { temperature: 0, stop: '<END>' });
  assert.equal(r.text, 'Hello');
  assert.equal(r.finishReason, 'stop');
  assert.deepEqual(r.tokens, script.slice(0, 5));
});

test('held-back text that never became a stop string is released at the end', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, [...bytes('a<EN'), EOS]);
  const pieces = await collect(stream(model, tok, 'x', { temperature: 0, stop: '<END>' }));
  assert.deepEqual(
    pieces.map((p) => p.text),
    ['a', '', '', '', '<EN'],
  );
  assert.equal(pieces.at(-1)!.token, EOS);
  assert.equal(pieces.at(-1)!.finishReason, 'eos');
});

test('pieces never split a UTF-8 character when tokens are single bytes of multi-byte characters', async () => {
  const tok = new ByteTokenizer();
  const target = 'héllo 😀 世界';
  const model = scriptedLM(rt, tok.vocabSize, 2, [...bytes(target), EOS]);
  const pieces = await collect(stream(model, tok, 'x', { temperature: 0 }));
  assert.equal(pieces.map((p) => p.text).join(''), target);
  for (const p of pieces) assert.ok(!p.text.includes('\ufffd'), JSON.stringify(p.text));
  // the emoji's four bytes give three empty pieces and then the whole character
  const emojiAt = pieces.findIndex((p) => p.text === '😀');
  assert.deepEqual(pieces.slice(emojiAt - 3, emojiAt).map((p) => p.text), ['', '', '']);
});

test('an incomplete character at the end comes out as U+FFFD rather than vanishing', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, [0x61, 0xe4, 0xb8, EOS]);
  const r = await generate(model, tok, 'x', { temperature: 0 });
  assert.equal(r.text, 'a\ufffd');
});

test('streaming and non-streaming give the same text and tokens; the same seed gives the same output', async () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 3 });
  const opts = { seed: 7, temperature: 0.9, topP: 0.9, maxTokens: 30, logprobs: 2 };
  const a = await generate(model, tok, 'Once upon', opts);
  const s = stream(model, tok, 'Once upon', opts);
  const pieces = await collect(s);
  const b = await s.result;
  assert.deepEqual(b, a);
  assert.equal(pieces.map((p) => p.text).join(''), a.text);
  assert.deepEqual(pieces.map((p) => p.token).filter((t) => t !== EOS), a.tokens);
  assert.deepEqual(pieces.map((p) => p.logprob), a.logprobs!.map((l) => l.logprob));
  const c = await generate(model, tok, 'Once upon', { ...opts, seed: 8 });
  assert.notDeepEqual(c.tokens, a.tokens);
});

test('logprobs equal log-softmax of the full forward pass at each generated position', async () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 5 });
  const prompt = tok.encode('hi', { addSpecial: true });
  const r = await generate(model, tok, prompt, { seed: 1, maxTokens: 12, logprobs: 3, ignoreEos: true });
  const all = [...prompt, ...r.tokens];
  const logits = model.forward(rt.tensor(all, [1, all.length], { dtype: 'i32' })).logits.logSoftmax(-1).toArray();
  const V = tok.vocabSize;
  r.logprobs!.forEach((lp, i) => {
    const pos = prompt.length - 1 + i;
    assert.ok(Math.abs(lp.logprob - logits[pos * V + lp.token]!) < 1e-4, `token ${i}`);
    const row = [...logits.subarray(pos * V, (pos + 1) * V)];
    const best = row.indexOf(Math.max(...row));
    assert.equal(lp.top![0]!.token, best);
  });
});

test('generateBatch gives each prompt what generate gives it alone, in shared step calls', async () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 2 });
  const prompts = ['a', 'a longer prompt here', 'mid length'];
  const opts = { seed: 3, temperature: 0.8, maxTokens: 12, stop: 'zz' };
  const alone = [];
  for (const p of prompts) alone.push(await generate(model, tok, p, opts));
  model.calls.length = 0;
  const batch = await generateBatch(model, tok, prompts, opts);
  assert.deepEqual(batch, alone);
  assert.deepEqual(model.calls[0], prompts.map((p) => p.length + 1));
  assert.ok(model.calls.slice(1).some((c) => c.length === 3), 'decode steps carry all three sequences');
});

test('an abort signal ends generation with finishReason abort and frees the cache', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, bytes('abcdefghijklmnop'));
  const ac = new AbortController();
  const s = stream(model, tok, 'x', { temperature: 0, signal: ac.signal });
  let n = 0;
  for await (const _ of s) if (++n === 3) ac.abort();
  const r = await s.result;
  assert.equal(r.finishReason, 'abort');
  assert.equal(r.tokens.length, 3);
  assert.ok(model.caches.every((c) => c.disposed));
});

test('breaking out of a stream aborts it and frees the cache', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, bytes('abcdefghijklmnop'));
  const s = stream(model, tok, 'x', { temperature: 0 });
  for await (const p of s) if (p.text === 'b') break;
  assert.equal((await s.result).finishReason, 'abort');
  assert.ok(model.caches.every((c) => c.disposed));
});

test('the budget never runs past the context; bad prompts give typed errors', async () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, bytes('abcdefghijklmnop'), 6);
  const r = await generate(model, tok, 'x', { temperature: 0, maxTokens: 100 });
  assert.equal(r.tokens.length, 5);
  assert.equal(r.finishReason, 'length');
  await assert.rejects(generate(model, tok, 'much too long', {}), (e: unknown) => e instanceof InvalidArgumentError && /has 14 tokens but the model's context is 6/.test(e.message));
  await assert.rejects(generate(model, tok, [999], {}), /token id 999 is not in \[0, 258\)/);
  await assert.rejects(generate(model, tok, 'x', { topP: 2 }), /topP: expected a number in \(0, 1\]/);
});
