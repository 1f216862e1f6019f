import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../tensor/index.js';
import { beamSearch } from './beam.js';
import { generate } from './generate.js';
import { CharTokenizer } from './testing/char-tokenizer.js';
import { FunctionLM, TinyAttentionLM } from './testing/toy-lm.js';

const rt = createRuntime({ backend: 'js' });
const logs = (ps: number[]) => ps.map((p) => (p === 0 ? -1e9 : Math.log(p)));

// Alphabet 'pabc' + EOS(4). After the prompt 'p': 'a' (0.6) or 'b' (0.4).
// After 'a' the model is unsure (a, b, c each 0.3, EOS 0.1); after 'b' it ends (EOS 0.99).
const trap = (tok: CharTokenizer) =>
  new FunctionLM(rt, tok.vocabSize, (h) => {
    const last = h[h.length - 1]!;
    if (h.length === 1) return logs([0, 0.6, 0.4, 0, 0]);
    if (last === 1) return logs([0, 0.3, 0.3, 0.3, 0.1]);
    if (last === 2) return logs([0, 0.0025, 0.0025, 0.005, 0.99]);
    return logs([0, 0.1, 0.1, 0.1, 0.7]);
  });

test('beam search finds the most likely sequence where greedy does not', async () => {
  const tok = new CharTokenizer('pabc');
  const model = trap(tok);
  const greedy = await generate(model, tok, 'p', { temperature: 0, maxTokens: 6 });
  assert.equal(greedy.text[0], 'a');
  const beam = await beamSearch(model, tok, 'p', { numBeams: 2, maxTokens: 6, lengthPenalty: 0 });
  assert.equal(beam.text, 'b');
  assert.equal(beam.finishReason, 'eos');
  assert.ok(Math.abs(beam.logprob - Math.log(0.4 * 0.99)) < 1e-5);
  assert.ok(Math.abs(beam.score - Math.log(0.4 * 0.99)) < 1e-5, 'lengthPenalty 0 leaves the sum');
});

/** Every output of up to L tokens: those ended by EOS, and those cut at L. */
function bruteForce(model: TinyAttentionLM, prompt: number[], V: number, eos: number, L: number, alpha: number) {
  let best = { tokens: [] as number[], score: -Infinity };
  const visit = (tokens: number[]) => {
    const ids = [...prompt, ...tokens];
    const lp = model.forward(rt.tensor(ids, [1, ids.length], { dtype: 'i32' })).logits.logSoftmax(-1).toArray();
    let sum = 0;
    for (let i = 0; i < tokens.length; i++) sum += lp[(prompt.length - 1 + i) * V + tokens[i]!]!;
    const last = lp.subarray((ids.length - 1) * V, ids.length * V);
    if (tokens.length < L) {
      const s = (sum + last[eos]!) / Math.pow(tokens.length + 1, alpha);
      if (s > best.score) best = { tokens, score: s };
      for (let t = 0; t < V; t++) if (t !== eos) visit([...tokens, t]);
    } else if (tokens.length === L) {
      const s = sum / Math.pow(L, alpha);
      if (s > best.score) best = { tokens, score: s };
    }
  };
  visit([]);
  return best;
}

test('with enough beams and earlyStopping never, beam search is exact (checked by enumeration with forward())', async () => {
  const tok = new CharTokenizer('abc');
  for (const [seed, alpha] of [[1, 1], [2, 0.5], [3, 2], [4, 0]] as const) {
    const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed, scale: 1.5, contextLength: 16 });
    const want = bruteForce(model, [0], tok.vocabSize, 3, 4, alpha);
    const got = await beamSearch(model, tok, [0], { numBeams: 27, maxTokens: 4, lengthPenalty: alpha, earlyStopping: 'never' });
    assert.deepEqual(got.tokens, want.tokens, `seed ${seed}`);
    assert.ok(Math.abs(got.score - want.score) < 1e-4, `seed ${seed}: ${got.score} vs ${want.score}`);
  }
});

test('numReturnSequences returns distinct hypotheses best first; beams step together; caches are released', async () => {
  const tok = new CharTokenizer('abc');
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 9, contextLength: 32 });
  const r = await beamSearch(model, tok, [0, 1], { numBeams: 3, numReturnSequences: 3, maxTokens: 5 });
  assert.equal(r.sequences.length, 3);
  for (let i = 1; i < 3; i++) assert.ok(r.sequences[i - 1]!.score >= r.sequences[i]!.score);
  assert.equal(new Set(r.sequences.map((s) => s.tokens.join())).size, 3);
  assert.ok(model.calls.slice(1).every((c) => c.every((n) => n === 1)));
  assert.ok(model.calls.some((c) => c.length === 3), 'three beams in one step');
  assert.ok(model.caches.length > 3, 'beams forked caches');
  assert.ok(model.caches.every((c) => c.disposed), 'every cache and clone released');
  await assert.rejects(beamSearch(model, tok, [0], { numBeams: 2, numReturnSequences: 3 }), /numReturnSequences: expected an integer in \[1, numBeams = 2\]/);
});
