// The fused decode step (fused-decode.ts, native/ops-decode.cc) against the
// per-op path it replaces, on the same model: logits within 1e-4 (relative to
// the largest logit) for f32, f16, q8_0 and q4_0 weights, GQA, q/k/v/o/MLP
// biases, a sliding window, gelu, ragged batches of several sequences, prompt
// steps of several tokens and runs of decode steps; greedy decoding gives the
// same tokens. Counting the backend's linear calls shows which path ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../tensor/index.js';
import { Runtime } from '../../tensor/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { UnsupportedError, ShapeError, InvalidArgumentError } from '../../errors.js';
import { quantizeQ4_0, quantizeQ8_0 } from '../../io/quant.js';
import { f32ToF16 } from '../../tensor/dtype.js';
import { loadAddon } from '../../backends/native/addon.js';
import { argBuffer } from '../../backends/native/args.js';
import { Linear } from '../../nn/layers.js';
import type { LayeredKVCache } from '../../nn/kv-cache.js';
import { llamaConfig, type LlamaOptions } from './config.js';
import { LlamaForCausalLM } from './model.js';
import { MAX_FUSED_ROWS } from './fused-decode.js';
import { loadNativeBackend, nativeIsas, type NativeBackend } from '../../backends/native/index.js';

function nativeRuntime(threads: number): Runtime | null {
  try {
    return createRuntime({ backend: 'native', threads, seed: 7 });
  } catch (e) {
    if (e instanceof UnsupportedError) return null;
    throw e;
  }
}
const probe = nativeRuntime(1);
const skip = probe ? false : 'native backend unavailable';

const base: LlamaOptions = { vocabSize: 96, contextLength: 64, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 96, initializerRange: 0.15 };

/** Big enough that the products (and a 40-token prompt's attention) split over the thread pool. */
const big: Partial<LlamaOptions> = { hiddenSize: 256, intermediateSize: 512, numKvHeads: 2, contextLength: 128 };

type WeightType = 'f32' | 'f16' | 'q8_0' | 'q4_0';

/** A random model; norms and biases random too (their defaults, 1 and 0, would hide mistakes). */
function makeModel(rt: Runtime, opts: Partial<LlamaOptions>, wt: WeightType = 'f32'): LlamaForCausalLM {
  const model = new LlamaForCausalLM(rt, llamaConfig({ ...base, ...opts }), { init: 'normal' });
  model.eval();
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith('layernorm.weight') || name === 'model.norm.weight') p.copyFrom(rt.randn(p.shape, { std: 0.2 }).add(1));
    if (name.endsWith('.bias')) p.copyFrom(rt.randn(p.shape, { std: 0.1 }));
  }
  if (wt !== 'f32') {
    for (const layer of model.model.layers) {
      const a = layer.self_attn;
      const m = layer.mlp;
      for (const lin of [a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj, m.down_proj]) {
        const w = lin.weight.data as Float32Array;
        const shape = lin.weight.shape;
        if (wt === 'f16') lin.weight = rt.fromArray(Uint16Array.from(w, (v) => f32ToF16(v)), shape, 'f16');
        else lin.weight = rt.fromArray(wt === 'q8_0' ? quantizeQ8_0(w) : quantizeQ4_0(w), shape, wt);
      }
    }
  }
  return model;
}

/** Counts the backend's linear calls while fn runs (one per token-row matrix on the per-op path; the head only when fused). */
function countLinear<T>(rt: Runtime, fn: () => T): { result: T; calls: number } {
  const be = rt.backend as { linear: (...a: unknown[]) => void };
  const orig = be.linear;
  let calls = 0;
  be.linear = (...a: unknown[]) => {
    calls++;
    return orig.apply(be, a);
  };
  try {
    return { result: fn(), calls };
  } finally {
    be.linear = orig;
  }
}

/** Logits of one step per sequence, copied out. */
function step(model: LlamaForCausalLM, fused: boolean, batch: { ids: number[]; cache: LayeredKVCache }[]): { logits: Float32Array[]; linear: number } {
  model.fusedDecode = fused;
  const rt = model.rt;
  const { result, calls } = countLinear(rt, () => rt.tidy(() => model.step(batch).map((t: Tensor) => Float32Array.from(t.toArray()))));
  return { logits: result, linear: calls };
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  assert.ok(diff <= 1e-4 * scale, `${what}: max difference ${diff} over max |logit| ${scale}`);
}

/**
 * Runs the same schedule of steps (each entry: new tokens per sequence) on
 * fresh caches with and without fusion and compares every step's logits.
 */
function compare(model: LlamaForCausalLM, schedule: number[][], what: string): void {
  const n = schedule[0]!.length;
  const fusedCaches = Array.from({ length: n }, () => model.newCache());
  const refCaches = Array.from({ length: n }, () => model.newCache());
  let tok = 3;
  schedule.forEach((counts, s) => {
    const ids = counts.map((c) => Array.from({ length: c }, () => (tok = (tok * 31 + 7) % model.config.vocabSize)));
    const f = step(model, true, ids.map((x, i) => ({ ids: x, cache: fusedCaches[i]! })));
    const r = step(model, false, ids.map((x, i) => ({ ids: x, cache: refCaches[i]! })));
    const L = model.config.numLayers;
    assert.equal(f.linear, 1, `${what} step ${s}: the fused path ran (only the head is a linear call)`);
    assert.equal(r.linear, 7 * L + 1, `${what} step ${s}: the reference ran per op`);
    f.logits.forEach((l, i) => assertClose(l, r.logits[i]!, `${what} step ${s} sequence ${i}`));
  });
  for (const c of [...fusedCaches, ...refCaches]) c.dispose();
}

const decodeRun = [[5], [1], [1], [1], [1], [1], [1], [1]];

for (const wt of ['f32', 'f16', 'q8_0', 'q4_0'] as const) {
  test(`fused decode matches the per-op path: ${wt} weights, GQA, prompt then decode, 1 and 2 threads`, { skip }, () => {
    compare(makeModel(nativeRuntime(1)!, { numKvHeads: 2 }, wt), decodeRun, `${wt} 1t`);
    compare(makeModel(nativeRuntime(2)!, big, wt), decodeRun, `${wt} 2t`);
  });
}

test('fused decode on every instruction set this CPU runs (scalar, avx2, avx512)', { skip }, () => {
  for (const isa of nativeIsas()) {
    const rt = new Runtime(loadNativeBackend({ isa, threads: 2 }), { seed: 3 });
    for (const wt of ['f32', 'q4_0'] as const) compare(makeModel(rt, { numHeads: 8, numKvHeads: 1, headDim: 20 }, wt), decodeRun, `${isa} ${wt}`);
  }
});

test('fused decode: q/k/v, o and MLP biases, gelu, tied head, 3 threads', { skip }, () => {
  const rt = nativeRuntime(3)!;
  const model = makeModel(rt, { qkvBias: true, oBias: true, mlpBias: true, activation: 'gelu_tanh', tieWordEmbeddings: true, numKvHeads: 1 }, 'q8_0');
  compare(model, decodeRun, 'biases');
});

test('fused decode: sliding window on the upper layers, steps past the window', { skip }, () => {
  const rt = nativeRuntime(2)!;
  const model = makeModel(rt, { modelType: 'qwen2', slidingWindow: 4, maxWindowLayers: 1, numLayers: 3, qkvBias: true });
  compare(model, [[6], [1], [1], [1], [1], [1], [2], [1]], 'window');
});

test('fused decode: a ragged batch of several sequences', { skip }, () => {
  const rt = nativeRuntime(2)!;
  for (const wt of ['f32', 'q8_0'] as const) {
    compare(makeModel(rt, { numKvHeads: 2 }, wt), [[3, 1, 6], [1, 1, 1], [2, 1, 1], [1, 3, 1], [1, 1, 1]], `batch ${wt}`);
    compare(makeModel(rt, big, wt), [[40, 3, 33], [1, 1, 1], [1, 2, 1]], `batch ${wt} big`);
  }
});

test('greedy decoding gives the same tokens fused and per op', { skip }, () => {
  const rt = nativeRuntime(2)!;
  for (const wt of ['f32', 'q4_0'] as const) {
    const model = makeModel(rt, { numKvHeads: 2 }, wt);
    const run = (fused: boolean) => {
      const cache = model.newCache();
      const out: number[] = [];
      let ids = [1, 5, 9];
      for (let i = 0; i < 24; i++) {
        const l = step(model, fused, [{ ids, cache }]).logits[0]!;
        let best = 0;
        for (let j = 1; j < l.length; j++) if (l[j]! > l[best]!) best = j;
        out.push(best);
        ids = [best];
      }
      cache.dispose();
      return out;
    };
    assert.deepEqual(run(true), run(false), wt);
  }
});

test('fused decode falls back when a projection is not a stock Linear, and rebinds changed weights', { skip }, () => {
  const rt = nativeRuntime(1)!;
  const model = makeModel(rt, {});
  const cache = model.newCache();
  // The plan is built once per model and kept while its weights stay.
  const decoder = (rt.backend as NativeBackend).decoder as { createPlan: (...a: never[]) => unknown };
  const createPlan = decoder.createPlan;
  let plans = 0;
  decoder.createPlan = (...a: never[]) => {
    plans++;
    return createPlan.apply(decoder, a);
  };
  const first = step(model, true, [{ ids: [1, 2], cache }]);
  assert.equal(first.linear, 1);
  step(model, true, [{ ids: [3], cache }]);
  assert.equal(plans, 1);
  cache.truncate(2);
  // A reassigned weight: the next step binds the new tensor.
  const q = model.model.layers[1]!.self_attn.q_proj;
  q.weight = rt.randn(q.weight.shape, { std: 0.05 });
  const ref = model.newCache();
  step(model, false, [{ ids: [1, 2], cache: ref }]);
  assertClose(step(model, true, [{ ids: [3], cache }]).logits[0]!, step(model, false, [{ ids: [3], cache: ref }]).logits[0]!, 'rebound');
  assert.equal(plans, 2);
  decoder.createPlan = createPlan;
  // An adapter-like subclass of Linear: the per-op path runs.
  class Wrapped extends Linear {}
  const w = new Wrapped(rt, q.inFeatures, q.outFeatures, { bias: false });
  w.weight = q.weight;
  model.model.layers[1]!.self_attn.q_proj = w;
  assert.equal(step(model, true, [{ ids: [4], cache }]).linear, 7 * 2 + 1);
  cache.dispose();
  ref.dispose();
  // A prompt longer than MAX_FUSED_ROWS: per op (GEMM-bound; the fused step's buffers stay decode-sized).
  const long = makeModel(rt, { contextLength: MAX_FUSED_ROWS + 8 });
  const c3 = long.newCache();
  assert.equal(step(long, true, [{ ids: Array.from({ length: MAX_FUSED_ROWS + 1 }, (_, i) => i % 90), cache: c3 }]).linear, 7 * 2 + 1);
  assert.equal(step(long, true, [{ ids: [5], cache: c3 }]).linear, 1);
  c3.dispose();
});

test('the native decode step rejects bad shapes with typed errors', { skip }, () => {
  const rt = nativeRuntime(1)!;
  const model = makeModel(rt, { numKvHeads: 2 });
  const cache = model.newCache();
  step(model, true, [{ ids: [1], cache }]); // binds the plan
  const be = rt.backend as NativeBackend;
  const dims = { layers: 2, hidden: 64, heads: 4, kvHeads: 2, headDim: 16, intermediate: 96, eps: 1e-6, scale: 0.25, activation: 'silu' as const };
  const L = model.model.layers[0]!;
  const lin = (l: Linear) => ({ weight: l.weight, bias: l.bias });
  const layer = {
    inputNorm: L.input_layernorm.weight,
    postNorm: L.post_attention_layernorm.weight,
    q: lin(L.self_attn.q_proj),
    k: lin(L.self_attn.k_proj),
    v: lin(L.self_attn.v_proj),
    o: lin(L.self_attn.o_proj),
    gate: lin(L.mlp.gate_proj),
    up: lin(L.mlp.up_proj),
    down: lin(L.mlp.down_proj),
    window: 0,
  };
  // A plan whose k_proj has q_proj's shape.
  assert.throws(() => be.decoder.createPlan(dims, [layer, { ...layer, k: layer.q }]), ShapeError);
  assert.throws(() => be.decoder.createPlan(dims, [layer]), InvalidArgumentError);
  const plan = be.decoder.createPlan(dims, [layer, layer]);
  cache.reserve(1);
  const kv = cache.buffer!;
  const x = rt.zeros([1, 64]);
  const cs = rt.zeros([1, 8]);
  assert.throws(() => be.decoder.step(plan, rt.zeros([1, 48]), cs, cs, [{ start: 0, length: 1, past: 1, cache: kv }]), ShapeError);
  assert.throws(() => be.decoder.step(plan, x, rt.zeros([1, 6]), cs, [{ start: 0, length: 1, past: 1, cache: kv }]), ShapeError);
  assert.throws(() => be.decoder.step(plan, x, cs, cs, [{ start: 0, length: 1, past: 1, cache: rt.zeros([2, 2, 1, 64, 16]) }]), ShapeError);
  assert.throws(() => be.decoder.step(plan, x, cs, cs, [{ start: 0, length: 1, past: kv.shape[3]!, cache: kv }]), InvalidArgumentError);
  assert.throws(() => be.decoder.step(plan, x, cs, cs, [{ start: 0, length: 2, past: 1, cache: kv }]), InvalidArgumentError);
  // The addon checks again on its own (what a caller bypassing the wrapper meets).
  const addon = loadAddon();
  const handle = (plan as unknown as { handle: object }).handle;
  const bad = rt.zeros([2, 2, 1, 64, 16]);
  argBuffer(addon).start(1, 0).num(1).num(0).num(1).num(1).view(x).view(cs).view(cs).view(bad);
  assert.throws(() => addon.decodeStep(handle, x.data.buffer, cs.data.buffer, cs.data.buffer, [bad.data.buffer]), RangeError);
  argBuffer(addon).start(1, 0).num(1);
  assert.throws(() => addon.decodeStep({}, x.data.buffer, cs.data.buffer, cs.data.buffer, []), TypeError);
  be.decoder.step(plan, x, cs, cs, [{ start: 0, length: 1, past: 1, cache: kv }]);
  cache.dispose();
});
