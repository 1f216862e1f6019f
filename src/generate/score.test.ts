import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../tensor/index.js';
import { encodePair, logLikelihood, logLikelihoods, promptLogprobs, scorePairs } from './score.js';
import { BOS, ByteTokenizer } from './testing/byte-tokenizer.js';
import { scriptedLM } from './testing/scripted.js';
import { TinyAttentionLM } from './testing/toy-lm.js';

const rt = createRuntime({ backend: 'js' });

/** log-softmax rows of the full forward pass: an independent path from step(). */
function forwardLogprobs(model: TinyAttentionLM, ids: number[]): Float32Array {
  return model.forward(rt.tensor(ids, [1, ids.length], { dtype: 'i32' })).logits.logSoftmax(-1).toArray() as Float32Array;
}

test('encodePair follows lm-evaluation-harness: trailing spaces move to the continuation, tokens split at the context boundary', () => {
  const tok = new ByteTokenizer({ extra: [' b', 'ab'] });
  const p = encodePair(tok, 'x a ', 'b');
  assert.deepEqual(p.context, tok.encode('x a'));
  assert.deepEqual(p.continuation, [tok.idOf(' b')]);
  // a merge across the boundary belongs to the whole encoding: 'ab' is one token, split at len(encode('a'))
  const q = encodePair(tok, 'a', 'bc');
  assert.deepEqual(q.context, [0x61]);
  assert.deepEqual(q.continuation, [0x63]);
  assert.deepEqual(encodePair(tok, '', 'hi'), { context: [BOS], continuation: tok.encode('hi') });
  assert.deepEqual(encodePair(tok, 'q', 'r', true).context, [BOS, 0x71]);
});

test('logLikelihood is the sum of per-token log-softmax of the full forward pass', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 6 });
  const r = logLikelihood(model, tok, 'The cat', ' sat down');
  const ctx = tok.encode('The cat');
  const all = [...ctx, ...r.tokens];
  const lp = forwardLogprobs(model, all);
  const V = tok.vocabSize;
  const want = r.tokens.map((t, i) => lp[(ctx.length - 1 + i) * V + t]!);
  r.tokenLogprobs.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) < 1e-4));
  assert.ok(Math.abs(r.logprob - want.reduce((a, b) => a + b)) < 1e-3);
  assert.equal(r.isGreedy, false);
});

test('isGreedy is true exactly when greedy decoding gives the continuation', () => {
  const tok = new ByteTokenizer();
  const model = scriptedLM(rt, tok.vocabSize, 2, [...new TextEncoder().encode('ok!')]);
  assert.equal(logLikelihood(model, tok, 'Q:', 'ok!').isGreedy, true);
  assert.equal(logLikelihood(model, tok, 'Q:', 'ok?').isGreedy, false);
});

test('batched requests score as they do alone, in shared step calls', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 7 });
  const reqs = [
    { context: 'Paris is in', continuation: ' France' },
    { context: 'A', continuation: 'B' },
    { context: '', continuation: 'hello' },
  ];
  const alone = reqs.map((r) => logLikelihood(model, tok, r.context, r.continuation));
  model.calls.length = 0;
  const batch = logLikelihoods(model, tok, reqs);
  batch.forEach((b, i) => {
    assert.deepEqual(b.tokens, alone[i]!.tokens);
    assert.ok(Math.abs(b.logprob - alone[i]!.logprob) < 1e-5);
  });
  assert.deepEqual(model.calls.map((c) => c.length), [3, 2]);
});

test('inputs longer than the window are cut from the left, as the harness does', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 8, contextLength: 8 });
  const ctx = tok.encode('0123456789');
  const cont = tok.encode('abc');
  const [r] = scorePairs(model, [{ context: ctx, continuation: cont }]);
  const ids = [...ctx, ...cont].slice(-9, -1);
  const lp = forwardLogprobs(model, ids);
  const V = tok.vocabSize;
  const want = cont.reduce((s, t, i) => s + lp[(ids.length - cont.length + i) * V + t]!, 0);
  assert.ok(Math.abs(r!.logprob - want) < 1e-4);
});

test('promptLogprobs match the forward pass; the first token has none', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 2 });
  const ids = tok.encode('hello', { addSpecial: true });
  const out = promptLogprobs(model, ids, { top: 2 });
  const lp = forwardLogprobs(model, ids);
  const V = tok.vocabSize;
  assert.equal(out[0], null);
  for (let i = 1; i < ids.length; i++) {
    assert.ok(Math.abs(out[i]!.logprob - lp[(i - 1) * V + ids[i]!]!) < 1e-4);
    assert.equal(out[i]!.top!.length, 2);
  }
});

