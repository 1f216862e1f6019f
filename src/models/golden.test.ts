/**
 * Golden logits: every fixture folder written by scripts/make-model-fixtures.py
 * (plain-PyTorch GPT-2 and Llama-family references in float64) is loaded with
 * loadModel, and its logits must match within 1e-4: unpadded, left-padded
 * (positions from the attention mask), decoded step by step with a KV cache,
 * and for half-precision checkpoints both converted to f32 and kept half.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Runtime } from '../tensor/runtime.js';
import { loadModel } from './load.js';
import { FIXTURES, goldenRuntimes, readExpected } from './test-fixtures.js';

const TOL = 1e-4;
const FIXTURE_NAMES = ['gpt2', 'llama', 'llama-bf16', 'qwen2', 'mistral', 'llama3-rope', 'llama-linear-rope', 'llama-dynamic-rope', 'qwen2-yarn'];
const HALF = new Set(['llama-bf16', 'qwen2']);

function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>, keep?: (i: number) => boolean): number {
  assert.equal(got.length, want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) if (!keep || keep(i)) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return m;
}

async function check(rt: Runtime, name: string, dtype: 'f32' | 'keep'): Promise<void> {
  const exp = readExpected(name);
  const { model, config } = await loadModel(join(FIXTURES, name), { rt, dtype });
  const ids = exp.get('input_ids');
  const [B, T] = ids.shape as [number, number];
  const V = config.vocabSize;
  const idsT = rt.tensor(Int32Array.from(ids.data), [B, T], { dtype: 'i32' });
  const want = exp.get('logits').data;
  const d = maxDiff(model.forward(idsT).logits.toArray(), want);
  assert.ok(d < TOL, `logits differ by ${d}`);

  const mask = exp.get('attention_mask').data;
  const padded = model.forward(idsT, { attentionMask: rt.tensor(Float32Array.from(mask), [B, T]) }).logits.toArray();
  const dp = maxDiff(padded, exp.get('padded_logits').data, (i) => mask[Math.floor(i / V)] === 1);
  assert.ok(dp < TOL, `left-padded logits differ by ${dp}`);

  // Row 1 decoded incrementally: prefill half, then one token at a time. Dynamic NTK is left
  // out: its frequencies depend on the length so far, so cached keys differ from a full pass
  // by design (as in transformers).
  if (name === 'llama-dynamic-rope') return model.dispose();
  const row = Array.from(ids.data.slice(T, 2 * T));
  const cache = model.newCache();
  const half = Math.floor(T / 2);
  const outs = [model.step([{ ids: row.slice(0, half), cache, allLogits: true }])[0]!.toArray()];
  for (let t = half; t < T; t++) outs.push(model.step([{ ids: [row[t]!], cache }])[0]!.toArray());
  const steps = Float64Array.from(outs.flatMap((o) => Array.from(o)));
  const ds = maxDiff(steps, want.slice(T * V, 2 * T * V));
  assert.ok(ds < TOL, `step() logits differ by ${ds}`);
  cache.dispose();
  model.dispose();
}

for (const { name: backend, rt, skip } of goldenRuntimes()) {
  for (const name of FIXTURE_NAMES) {
    test(`[${backend}] ${name}: logits match the PyTorch reference within ${TOL}`, { skip: skip ?? false }, () => check(rt!, name, 'f32'));
    if (HALF.has(name)) {
      test(`[${backend}] ${name}: kept in half precision (dtype 'keep'), logits still match`, { skip: skip ?? false }, () => check(rt!, name, 'keep'));
    }
  }
}
