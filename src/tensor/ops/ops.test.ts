import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../index.js';
import { Rng } from '../rng.js';
import { gradcheck, randF64 } from '../../test-util/gradcheck.js';
import * as ops from './index.js';

const rt = createRuntime({ backend: 'js' });
const rng = new Rng(42);
const R = (...shape: number[]) => randF64(rt, shape, rng);

test('elementwise unary ops: gradients match finite differences', () => {
  const pos = () => R(3, 5).abs().add(0.5).detach().requireGrad();
  gradcheck(rt, (x) => x.exp(), [R(3, 5)]);
  gradcheck(rt, (x) => x.log(), [pos()]);
  gradcheck(rt, (x) => x.sqrt(), [pos()]);
  gradcheck(rt, (x) => x.rsqrt(), [pos()]);
  gradcheck(rt, (x) => x.tanh(), [R(4, 3)]);
  gradcheck(rt, (x) => x.sigmoid(), [R(4, 3)]);
  gradcheck(rt, (x) => x.silu(), [R(4, 3)]);
  gradcheck(rt, (x) => x.gelu('tanh'), [R(4, 3)]);
  gradcheck(rt, (x) => x.gelu('none'), [R(4, 3)]);
  gradcheck(rt, (x) => x.square(), [R(7)]);
  gradcheck(rt, (x) => ops.sin(x).add(ops.cos(x)), [R(7)]);
  gradcheck(rt, (x) => ops.recip(x), [pos()]);
});

test('broadcasting binary ops: gradients sum over broadcast dims', () => {
  gradcheck(rt, (a, b) => a.add(b), [R(2, 3, 4), R(3, 1)]);
  gradcheck(rt, (a, b) => a.sub(b), [R(4), R(2, 3, 4)]);
  gradcheck(rt, (a, b) => a.mul(b), [R(2, 1, 4), R(1, 3, 1)]);
  gradcheck(rt, (a, b) => a.div(b.abs().add(1)), [R(3, 4), R(4)]);
  gradcheck(rt, (a) => a.abs().add(0.5).pow(2.5), [R(5)]);
  gradcheck(rt, (a, b) => a.maximum(b), [R(3, 4), R(3, 4)]);
});

test('non-contiguous views flow through ops and gradients', () => {
  gradcheck(rt, (a) => a.transpose(0, 1).mul(2).exp(), [R(3, 5)]);
  gradcheck(rt, (a) => a.permute(2, 0, 1).slice(0, 1, 3).tanh(), [R(2, 3, 4)]);
  gradcheck(rt, (a) => a.slice(1, 1, 4).reshape(-1), [R(2, 5)]);
  gradcheck(rt, (a) => a.expand(3, 4, 2).mul(a).unsqueeze(0), [R(3, 1, 2)]);
});

test('reductions: sum, mean, max, logsumexp, cumsum', () => {
  gradcheck(rt, (a) => a.sum(1), [R(3, 4, 2)]);
  gradcheck(rt, (a) => a.mean([0, 2], true), [R(3, 4, 2)]);
  gradcheck(rt, (a) => a.max(-1), [R(3, 5)]);
  gradcheck(rt, (a) => ops.logsumexp(a, -1), [R(3, 5)]);
  gradcheck(rt, (a) => ops.cumsum(a, 1), [R(2, 5)]);
  gradcheck(rt, (a) => ops.variance(a, -1), [R(2, 6)]);
});

test('matmul: batched, broadcast, transposed operands', () => {
  gradcheck(rt, (a, b) => a.matmul(b), [R(3, 4), R(4, 2)]);
  gradcheck(rt, (a, b) => a.matmul(b), [R(2, 3, 4), R(4, 5)]);
  gradcheck(rt, (a, b) => a.matmul(b.transpose(-1, -2)), [R(2, 1, 3, 4), R(3, 5, 4)]);
  gradcheck(rt, (a, b) => a.matmul(b), [R(4), R(4, 3)]);
  gradcheck(rt, (x, w, b) => ops.linear(x, w, b), [R(2, 3, 4), R(5, 4), R(5)]);
});

test('matmul values equal a hand computation', () => {
  const a = rt.tensor([[1, 2], [3, 4]]);
  const b = rt.tensor([[5, 6], [7, 8]]);
  assert.deepEqual(a.matmul(b).toNested(), [[19, 22], [43, 50]]);
  assert.deepEqual(a.matmul(b.transpose()).toNested(), [[17, 23], [39, 53]]);
});

test('softmax rows sum to one and gradients check', () => {
  const x = rt.randn([2, 3, 7]);
  const s = x.softmax(-1).sum(-1).toArray();
  for (const v of s) assert.ok(Math.abs(v - 1) < 1e-6);
  gradcheck(rt, (a) => a.softmax(-1), [R(3, 6)]);
  gradcheck(rt, (a) => a.softmax(0), [R(3, 6)]);
  gradcheck(rt, (a) => a.logSoftmax(-1), [R(4, 5)]);
});

test('norms: layerNorm and rmsNorm with weights', () => {
  gradcheck(rt, (x, w, b) => ops.layerNorm(x, w, b, 1e-5), [R(3, 8), R(8), R(8)]);
  gradcheck(rt, (x) => ops.layerNorm(x, null, null), [R(2, 2, 5)]);
  gradcheck(rt, (x, w) => ops.rmsNorm(x, w, 1e-6), [R(3, 8), R(8)]);
  gradcheck(rt, (x) => ops.rmsNorm(x.transpose(0, 1), null), [R(6, 3)]);
});

test('rope: rotation preserves norms and its gradient is the inverse rotation', () => {
  const T = 3;
  const D = 4;
  const cos = new Float64Array(T * (D / 2));
  const sin = new Float64Array(T * (D / 2));
  for (let t = 0; t < T; t++) for (let i = 0; i < D / 2; i++) {
    const th = t / 10000 ** ((2 * i) / D);
    cos[t * (D / 2) + i] = Math.cos(th);
    sin[t * (D / 2) + i] = Math.sin(th);
  }
  const c = rt.tensor(cos, [T, D / 2], { dtype: 'f64' });
  const s = rt.tensor(sin, [T, D / 2], { dtype: 'f64' });
  const x = R(2, T, 2, D);
  const y = ops.rope(x, c, s);
  const nx = x.square().sum(-1).toArray();
  const ny = y.square().sum(-1).toArray();
  nx.forEach((v, i) => assert.ok(Math.abs(v - ny[i]!) < 1e-9));
  gradcheck(rt, (a) => ops.rope(a, c, s), [R(2, T, 2, D)]);
});

test('attention: fused equals explicit softmax(QK^T)V, with causal, window, GQA and mask', () => {
  const cases = [
    { q: [1, 2, 4, 3], k: [1, 2, 4, 3], args: { causal: true } },
    { q: [2, 4, 3, 5], k: [2, 2, 6, 5], args: { causal: true } },
    { q: [1, 2, 5, 4], k: [1, 1, 5, 4], args: { causal: true, window: 2 } },
    { q: [1, 1, 3, 2], k: [1, 1, 4, 2], args: {} },
  ];
  for (const c of cases) {
    const q = R(...c.q);
    const k = R(...c.k);
    const v = R(...c.k);
    const fused = ops.attention(q, k, v, c.args).toArray();
    const ref = ops.attentionWithWeights(q, k, v, c.args).out.toArray();
    fused.forEach((x, i) => assert.ok(Math.abs(x - ref[i]!) < 1e-10, `case ${JSON.stringify(c)} element ${i}`));
    gradcheck(rt, (a, b, d) => ops.attention(a, b, d, c.args), [R(...c.q), R(...c.k), R(...c.k)]);
  }
  const mask = rt.tensor([0, -Infinity, 0, 0], [1, 1, 1, 4], { dtype: 'f64' });
  gradcheck(rt, (a, b, d) => ops.attention(a, b, d, { mask }), [R(1, 2, 3, 2), R(1, 2, 4, 2), R(1, 2, 4, 2)]);
});

test('crossEntropy: ignore index, label smoothing and gradients', () => {
  const targets = rt.tensor(new Int32Array([2, -100, 0, 4]), [4], { dtype: 'i32' });
  gradcheck(rt, (l) => ops.crossEntropy(l, targets), [R(4, 5)]);
  gradcheck(rt, (l) => ops.crossEntropy(l, targets, { labelSmoothing: 0.1, reduction: 'none' }), [R(4, 5)]);
  const logits = rt.tensor([[0, 0, 0]], undefined, { dtype: 'f64' });
  const loss = ops.crossEntropy(logits, rt.tensor(new Int32Array([1]), [1], { dtype: 'i32' }));
  assert.ok(Math.abs(loss.item() - Math.log(3)) < 1e-12);
});

test('embedding and gather: gradients scatter back to rows', () => {
  const ids = rt.tensor(new Int32Array([1, 3, 1]), [3], { dtype: 'i32' });
  gradcheck(rt, (t) => ops.embedding(t, ids), [R(4, 3)]);
  const idx = rt.tensor(new Int32Array([0, 2, 1, 1]), [2, 2], { dtype: 'i32' });
  gradcheck(rt, (x) => x.gather(1, idx), [R(2, 3)]);
});

test('concat, stack and split round-trip with gradients', () => {
  gradcheck(rt, (a, b) => ops.concat([a, b], 1), [R(2, 3), R(2, 2)]);
  gradcheck(rt, (a, b) => ops.stack([a, b], 0), [R(2, 3), R(2, 3)]);
  gradcheck(rt, (a) => {
    const [p, q] = ops.split(a, [1, 3], 1);
    return p!.mul(q!.sum(1, true));
  }, [R(2, 4)]);
});

test('dropout is deterministic for a seed and its gradient uses the same mask', () => {
  const x = rt.ones([1000]);
  const a = ops.dropout(x, 0.3, { seed: 5 }).toArray();
  const b = ops.dropout(x, 0.3, { seed: 5 }).toArray();
  assert.deepEqual(a, b);
  const kept = a.filter((v) => v !== 0).length;
  assert.ok(kept > 620 && kept < 780, `kept ${kept}`);
  gradcheck(rt, (t) => ops.dropout(t, 0.5, { seed: 9 }), [R(20)]);
});

test('topk returns sorted values and their indices', () => {
  const x = rt.tensor([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]);
  const { values, indices } = ops.topk(x, 2);
  assert.deepEqual(values.toNested(), [[5, 4], [9, 6]]);
  assert.deepEqual(indices.toNested(), [[4, 2], [0, 2]]);
});

test('quantized tables and weights read through their GGUF block codecs', async () => {
  const { quantizeQ8_0 } = await import('../../io/quant.js');
  const w = new Float32Array(4 * 64);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i) * 0.5;
  const q = rt.fromArray(quantizeQ8_0(w), [4, 64], 'q8_0');
  const wf = rt.tensor(w, [4, 64]);
  const x = rt.randn([3, 64]);
  const yq = ops.linear(x, q).toArray();
  const yf = ops.linear(x, wf).toArray();
  yq.forEach((v, i) => assert.ok(Math.abs(v - yf[i]!) < 0.05, `linear ${i}: ${v} vs ${yf[i]}`));
  const ids = rt.tensor(new Int32Array([2, 0]), [2], { dtype: 'i32' });
  const e = ops.embedding(q, ids).toArray();
  for (let j = 0; j < 64; j++) assert.ok(Math.abs(e[j]! - w[2 * 64 + j]!) < 0.01);
});
