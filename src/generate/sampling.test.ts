import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../tensor/rng.js';
import { argmax, choiceSeed, drawFrom, Sampler, tokenLogprob, topEntries } from './sampling.js';

const logits = Float32Array.from([0.1, 2, -1, 1.5, 0.3, 1.9, -3, 0]);

test('the same seed and settings give the same tokens; another seed gives others', () => {
  const draw = (seed: number) => {
    const s = new Sampler(8, { seed, temperature: 1.3, topK: 6, topP: 0.95, minP: 0.01 });
    return Array.from({ length: 40 }, () => s.sample(logits));
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
});

test('temperature 0 is greedy whatever the seed, after penalties and bias', () => {
  const s = new Sampler(8, { temperature: 0, seed: 1 });
  assert.equal(s.sample(logits), 1);
  const b = new Sampler(8, { temperature: 0, logitBias: { 3: 1 } });
  assert.equal(b.sample(logits), 3);
  const r = new Sampler(8, { temperature: 0, repetitionPenalty: 2 }, [1]);
  assert.equal(r.sample(logits), 5);
});

test('sampled frequencies follow softmax(logits / T)', () => {
  const s = new Sampler(8, { seed: 5, temperature: 0.7 });
  const n = 20000;
  const counts = new Array(8).fill(0);
  for (let i = 0; i < n; i++) counts[s.sample(logits)]++;
  const z = [...logits].map((l) => Math.exp(l / 0.7));
  const sum = z.reduce((a, b) => a + b);
  z.forEach((p, i) => {
    const expect = (p / sum) * n;
    // within 5 standard deviations of a binomial count
    assert.ok(Math.abs(counts[i] - expect) < 5 * Math.sqrt(expect + 1), `token ${i}: ${counts[i]} vs ${expect.toFixed(0)}`);
  });
});

test('top-k 1 always picks the argmax; masks and bans are respected', () => {
  const s = new Sampler(8, { seed: 9, topK: 1 });
  for (let i = 0; i < 20; i++) assert.equal(s.sample(logits), 1);
  const m = new Uint32Array(1);
  m[0] = (1 << 2) | (1 << 6);
  const t = new Sampler(8, { seed: 9 });
  for (let i = 0; i < 50; i++) assert.ok([2, 6].includes(t.sample(logits, m)));
  const banned = new Sampler(8, { seed: 1, logitBias: new Map([[1, -Infinity], [5, -Infinity]]) });
  for (let i = 0; i < 100; i++) assert.ok(![1, 5].includes(banned.sample(logits)));
});

test('presence and frequency penalties count output tokens only; repetition penalty also the prompt', () => {
  const flat = new Float32Array(4);
  const s = new Sampler(4, { temperature: 0, frequencyPenalty: 1 }, [0]);
  assert.equal(s.sample(flat), 0);
  s.accept(0);
  assert.equal(s.sample(flat), 1);
  const r = new Sampler(4, { temperature: 0, repetitionPenalty: 1.5 }, [0]);
  // a zero logit is unchanged by division; give the prompt token a positive one
  assert.equal(r.sample(Float32Array.from([1, 0.9, 0, 0])), 1);
});

test('drawFrom and argmax handle all -Infinity', () => {
  const x = new Float32Array(3).fill(-Infinity);
  assert.equal(drawFrom(x, new Rng(1)), -1);
  assert.equal(argmax(x), -1);
});

test('logprobs are log-softmax of the raw logits; top entries are sorted with lower ids first on ties', () => {
  const x = Float32Array.from([1, 3, 3, 0]);
  const lse = Math.log(Math.E + 2 * Math.exp(3) + 1);
  const lp = tokenLogprob(x, 0, 2);
  assert.ok(Math.abs(lp.logprob - (1 - lse)) < 1e-6);
  assert.deepEqual(lp.top!.map((t) => t.token), [1, 2]);
  assert.ok(Math.abs(lp.top![0]!.logprob - (3 - lse)) < 1e-6);
  assert.deepEqual(topEntries(Float32Array.from([5, 1, 7, 7, 2]), 3).map((t) => t.token), [2, 3, 0]);
});

test('choice seeds: choice 0 keeps the seed, others differ from it and from each other', () => {
  assert.equal(choiceSeed(123, 0), 123);
  const seeds = new Set([0, 1, 2, 3].map((i) => choiceSeed(123, i)));
  assert.equal(seeds.size, 4);
});

test('drawFrom picks the id whose cumulative interval holds the uniform draw (blocks, zeros, ragged tails)', () => {
  const rng = new Rng(21);
  for (const V of [1, 63, 64, 130, 1000]) {
    const x = Float32Array.from({ length: V }, (_, i) => (i % 7 === 3 ? -Infinity : rng.normal() * 4));
    const probs = new Float32Array(V);
    const rngA = new Rng(5);
    const rngB = new Rng(5);
    for (let k = 0; k < 300; k++) {
      const id = drawFrom(x, rngA, probs);
      const total = probs.reduce((a, b) => a + b, 0);
      const u = rngB.float() * total;
      let before = 0;
      for (let i = 0; i < id; i++) before += probs[i]!;
      assert.ok(probs[id]! > 0, `V ${V}: drew a zero-probability id ${id}`);
      assert.ok(u >= before - 1e-9 && u < before + probs[id]! + 1e-9, `V ${V}: u ${u} outside [${before}, ${before + probs[id]!})`);
    }
  }
});
