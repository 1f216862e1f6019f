import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../tensor/index.js';
import { ByteTokenizer } from '../generate/testing/byte-tokenizer.js';
import { TinyAttentionLM } from '../generate/testing/toy-lm.js';
import { perplexity } from './perplexity.js';

const rt = createRuntime({ backend: 'js' });

/** log-softmax rows of one forward pass over ids. */
function forwardLogprobs(model: TinyAttentionLM, ids: number[]): Float32Array {
  return model.forward(rt.tensor(ids, [1, ids.length], { dtype: 'i32' })).logits.logSoftmax(-1).toArray() as Float32Array;
}

test('perplexity: one window equals exp(mean NLL); sliding windows score each token once with the given context', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 4, contextLength: 64 });
  const ids = tok.encode('the quick brown fox jumps over the lazy dog');
  const V = tok.vocabSize;
  const lp = forwardLogprobs(model, ids);
  let nll = 0;
  for (let i = 1; i < ids.length; i++) nll -= lp[(i - 1) * V + ids[i]!]!;
  const full = perplexity(model, ids);
  assert.equal(full.tokens, ids.length - 1);
  assert.ok(Math.abs(full.nll * full.tokens - nll) < 1e-3);
  assert.ok(Math.abs(full.perplexity / Math.exp(nll / (ids.length - 1)) - 1) < 1e-5);
  // window 16, stride 8: tokens [16, 24) are scored by the window starting at 8, with 8 tokens of context
  const slid = perplexity(model, ids, { context: 16, stride: 8 });
  assert.equal(slid.tokens, ids.length - 1);
  let want = 0;
  let prevEnd = 0;
  for (let begin = 0; begin < ids.length; begin += 8) {
    const end = Math.min(begin + 16, ids.length);
    const w = forwardLogprobs(model, ids.slice(begin, end));
    for (let j = Math.max(prevEnd, begin + 1); j < end; j++) want -= w[(j - begin - 1) * V + ids[j]!]!;
    prevEnd = end;
    if (end === ids.length) break;
  }
  assert.ok(Math.abs(slid.nll * slid.tokens - want) < 1e-3);
  assert.throws(() => perplexity(model, ids, { context: 100 }), /context: 100 exceeds the model's context length 64/);
});

test('perplexity batches windows of equal length without changing the result', () => {
  const tok = new ByteTokenizer();
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 5, contextLength: 32 });
  const ids = tok.encode('a sliding window scores every token once, whatever the batch size, and nothing else');
  const one = perplexity(model, ids, { context: 12, stride: 6, batchSize: 1 });
  const many = perplexity(model, ids, { context: 12, stride: 6, batchSize: 8 });
  assert.equal(one.tokens, ids.length - 1);
  assert.equal(many.windows, one.windows);
  assert.ok(Math.abs(one.nll - many.nll) < 1e-5);
  assert.throws(() => perplexity(model, [1], {}), /at least 2 are needed/);
});
