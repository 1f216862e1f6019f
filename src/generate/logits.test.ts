import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyLogitBias,
  applyMask,
  applyMinP,
  applyPresenceFrequency,
  applyRepetitionPenalty,
  applyTemperature,
  applyTopK,
  applyTopP,
  selectKthLargest,
  softmaxInto,
  TokenCounts,
  validateSampling,
} from './logits.js';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';

const f32 = (a: number[]) => Float32Array.from(a);
const close = (a: ArrayLike<number>, b: number[], eps = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) {
    if (b[i] === -Infinity) assert.equal(a[i], -Infinity, `index ${i}`);
    else assert.ok(Math.abs(a[i]! - b[i]!) < eps, `index ${i}: ${a[i]} vs ${b[i]}`);
  }
};

test('repetition penalty divides positive logits and multiplies negative ones (HF), once per distinct token', () => {
  const x = f32([2, -1, 0.5, 3]);
  const seen = new TokenCounts(4);
  seen.addAll([0, 1, 0, 0]);
  applyRepetitionPenalty(x, seen, 2);
  close(x, [1, -2, 0.5, 3]);
});

test('presence and frequency penalties follow OpenAI: logit -= count*freq + presence', () => {
  const x = f32([1, 1, 1, 1]);
  const out = new TokenCounts(4);
  out.addAll([2, 2, 2, 3]);
  applyPresenceFrequency(x, out, 0.5, 0.25);
  close(x, [1, 1, 1 - 3 * 0.25 - 0.5, 1 - 0.25 - 0.5]);
});

test('logit bias adds to the listed ids; -Infinity bans a token', () => {
  const x = f32([0, 0, 0]);
  applyLogitBias(x, Int32Array.of(0, 2), f32([5, -Infinity]));
  close(x, [5, 0, -Infinity]);
});

test('mask keeps exactly the ids whose bits are set, across word boundaries', () => {
  const x = new Float32Array(40).fill(1);
  const m = new Uint32Array(2);
  for (const id of [0, 31, 32, 39]) m[id >>> 5]! |= 1 << (id & 31);
  applyMask(x, m);
  for (let i = 0; i < 40; i++) assert.equal(x[i], [0, 31, 32, 39].includes(i) ? 1 : -Infinity, `id ${i}`);
});

test('temperature divides the logits', () => {
  const x = f32([1, -2, 4]);
  applyTemperature(x, 0.5);
  close(x, [2, -4, 8]);
});

test('top-k keeps the k largest and anything tied with the k-th', () => {
  const x = f32([1, 5, 3, 5, 2, 3]);
  applyTopK(x, 3, new Float32Array(6));
  close(x, [-Infinity, 5, 3, 5, -Infinity, 3]);
  const y = f32([4, 3, 2]);
  applyTopK(y, 1, new Float32Array(3));
  close(y, [4, -Infinity, -Infinity]);
});

test('quickselect finds the k-th largest for every k on random data', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + rng.int(40);
    const a = Float32Array.from({ length: n }, () => Math.round(rng.normal() * 3) + 0);
    const sorted = [...a].sort((p, q) => q - p);
    for (let k = 1; k <= n; k++) assert.ok(selectKthLargest(Float32Array.from(a), n, k) === sorted[k - 1]);
  }
});

test('top-p keeps the most likely tokens until their mass reaches p, including the one that crosses it', () => {
  // probs 0.5, 0.25, 0.125, 0.125 (logits are log-probs)
  const logits = [0.5, 0.25, 0.125, 0.125].map(Math.log);
  const run = (p: number) => {
    const x = f32(logits);
    applyTopP(x, p, new Float32Array(4), new Int32Array(4));
    return [...x].map((v) => (v === -Infinity ? 0 : 1));
  };
  assert.deepEqual(run(0.5), [1, 0, 0, 0]);
  assert.deepEqual(run(0.6), [1, 1, 0, 0]);
  assert.deepEqual(run(0.75), [1, 1, 0, 0]);
  // 0.8 needs a third token; the fourth is tied with it and kept too.
  assert.deepEqual(run(0.8), [1, 1, 1, 1]);
  assert.deepEqual(run(1), [1, 1, 1, 1]);
});

test('top-p agrees with a full sort on random distributions (including flat ones)', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 40; trial++) {
    const V = 50 + rng.int(200);
    const spread = trial % 4 === 0 ? 0.01 : 3;
    const x = Float32Array.from({ length: V }, () => rng.normal() * spread);
    const p = 0.05 + rng.float() * 0.9;
    const probs = new Float32Array(V);
    softmaxInto(x, probs);
    const idx = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]! || a - b);
    let cum = 0;
    let cut = 0;
    for (const i of idx) {
      cum += probs[i]!;
      cut = probs[i]!;
      if (cum >= p) break;
    }
    const want = [...probs].map((q) => q >= cut);
    const y = Float32Array.from(x);
    applyTopP(y, p, new Float32Array(V), new Int32Array(V));
    assert.deepEqual([...y].map((v) => v !== -Infinity), want, `trial ${trial}`);
  }
});

test('min-p drops tokens below minP times the top probability', () => {
  // probs proportional to 8, 4, 1, 0.5 -> with minP 0.1 the cut is 0.8
  const x = f32([8, 4, 1, 0.5].map(Math.log));
  applyMinP(x, 0.1);
  close(x, [Math.log(8), Math.log(4), Math.log(1), -Infinity], 1e-5);
});

test('sampling options are checked with messages that name the field', () => {
  assert.throws(() => validateSampling('generate', { topP: 0 }), (e: unknown) => e instanceof InvalidArgumentError && e.message === '[generate] topP: expected a number in (0, 1], got 0');
  assert.throws(() => validateSampling('generate', { temperature: -1 }), /temperature: expected a number >= 0/);
  assert.throws(() => validateSampling('generate', { topK: 1.5 }), /topK: expected an integer >= 0/);
  validateSampling('generate', { temperature: 0, topK: 0, topP: 1, minP: 0 });
});
