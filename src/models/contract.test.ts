/**
 * The model contract, run for every registry entry on small configs: shapes
 * and dtypes, batching, padding, incremental decoding with KV caches (alone
 * and in ragged batches) against the full forward pass, lastOnly, hidden
 * states, attention maps and gradients with respect to input embeddings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../tensor/index.js';
import { grad } from '../tensor/autograd.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { createModel, registry, type LanguageModel, type ModelConfig } from './registry.js';
import type { Architecture } from './types.js';

const TOL = 1e-5;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function close(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>, what: string, tol = TOL): void {
  const x = 'toArray' in a ? a.toArray() : a;
  const y = 'toArray' in b ? b.toArray() : b;
  const d = maxDiff(x, y);
  assert.ok(d <= tol, `${what}: max difference ${d} > ${tol}`);
}

/** Small configs covering each family's switches (GQA, bias, tying, windows, rope scaling). */
const CASES: Record<Architecture, [string, ModelConfig][]> = {
  gpt2: [
    ['gpt2 tied', registry.gpt2.config({ vocabSize: 40, contextLength: 32, hiddenSize: 16, numLayers: 2, numHeads: 2 })],
    ['gpt2 untied, erf gelu, layer-scaled', registry.gpt2.config({ vocabSize: 40, contextLength: 32, hiddenSize: 12, numLayers: 2, numHeads: 3, tieWordEmbeddings: false, activation: 'gelu', scaleAttnByInverseLayerIdx: true })],
  ],
  llama: [
    ['llama GQA untied', registry.llama.config({ vocabSize: 40, contextLength: 64, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24 })],
    ['qwen2 qkv bias tied', registry.llama.config({ modelType: 'qwen2', vocabSize: 40, contextLength: 64, hiddenSize: 16, numLayers: 2, numHeads: 2, numKvHeads: 1, intermediateSize: 20, tieWordEmbeddings: true })],
    ['mistral window 3', registry.llama.config({ modelType: 'mistral', vocabSize: 40, contextLength: 64, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 20, slidingWindow: 3 })],
    [
      'llama3 rope scaling',
      registry.llama.config({
        vocabSize: 40,
        contextLength: 64,
        hiddenSize: 16,
        numLayers: 1,
        numHeads: 2,
        intermediateSize: 20,
        ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 },
      }),
    ],
  ],
};

function ids(rt: Runtime, rows: number[][]): Tensor {
  return rt.tensor(rows, undefined, { dtype: 'i32' });
}

/** A model whose biases and norm weights are random too, so no term is trivially zero or one. */
function model(rt: Runtime, cfg: ModelConfig): LanguageModel {
  const m = createModel(rt, cfg).eval();
  for (const p of m.parameters()) p.copyFrom(rt.randn(p.shape, { std: p.ndim === 1 ? 0.5 : 0.3 }).add(p.ndim === 1 && p.numel === cfg.hiddenSize ? 1 : 0));
  return m;
}

const seqA = [3, 17, 5, 9, 22, 1, 30];
const seqB = [11, 2, 8];
const seqC = [7, 7, 13, 39, 0];

for (const [arch, cases] of Object.entries(CASES)) {
  for (const [name, cfg] of cases) {
    const label = `[${arch}] ${name}`;
    const rt = createRuntime({ backend: 'js', seed: 7 });
    const m = model(rt, cfg);
    const V = cfg.vocabSize;
    const C = cfg.hiddenSize;
    const full = (seq: number[]) => m.forward(ids(rt, [seq])).logits;

    test(`${label}: logits are (B, T, V) f32 and each row of a batch equals the row alone`, () => {
      const out = m.forward(ids(rt, [seqA.slice(0, 5), seqC]));
      assert.deepEqual(out.logits.shape, [2, 5, V]);
      assert.equal(out.logits.dtype, 'f32');
      close(out.logits.slice(0, 0, 1), full(seqA.slice(0, 5)), 'row 0');
      close(out.logits.slice(0, 1, 2), full(seqC), 'row 1');
      assert.ok(out.logits.toArray().every(Number.isFinite));
    });

    test(`${label}: a left- or right-padded row gives the logits of the sequence alone`, () => {
      const pad = 0;
      const batch = ids(rt, [[pad, pad, pad, pad, ...seqB], [...seqB, pad, pad, pad, pad], seqA]);
      const mask = rt.tensor([[0, 0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]]);
      const out = m.forward(batch, { attentionMask: mask }).logits;
      const alone = full(seqB);
      close(out.slice(0, 0, 1).slice(1, 4, 7), alone, 'left padded');
      close(out.slice(0, 1, 2).slice(1, 0, 3), alone, 'right padded');
      close(out.slice(0, 2, 3), full(seqA), 'unpadded row');
      assert.ok(out.toArray().every(Number.isFinite), 'padding rows stay finite');
    });

    test(`${label}: step() prefill then token-by-token decoding equals forward()`, () => {
      const ref = full(seqA); // (1, T, V)
      const cache = m.newCache();
      const [pre] = m.step([{ ids: seqA.slice(0, 3), cache, allLogits: true }]);
      assert.deepEqual(pre!.shape, [3, V]);
      close(pre!, ref.slice(1, 0, 3), 'prefill');
      for (let t = 3; t < seqA.length; t++) {
        const [next] = m.step([{ ids: [seqA[t]!], cache }]);
        assert.deepEqual(next!.shape, [V]);
        close(next!, ref.slice(1, t, t + 1), `decode position ${t}`);
      }
      assert.equal(cache.length, seqA.length);
      cache.dispose();
    });

    test(`${label}: a ragged step() batch mixing prefill and decode equals forward() per sequence`, () => {
      const [ca, cb, cc] = [m.newCache(), m.newCache(), m.newCache()];
      m.step([{ ids: seqA.slice(0, 4), cache: ca }]);
      m.step([{ ids: seqC.slice(0, 1), cache: cc }]);
      const out = m.step([
        { ids: seqA.slice(4, 5), cache: ca },
        { ids: seqB, cache: cb, allLogits: true },
        { ids: seqC.slice(1), cache: cc },
      ]);
      close(out[0]!, full(seqA.slice(0, 5)).slice(1, 4, 5), 'decode row');
      close(out[1]!, full(seqB), 'prefill row (all logits)');
      close(out[2]!, full(seqC).slice(1, 4, 5), 'continued prefill row');
      const next = m.step([
        { ids: [seqA[5]!], cache: ca },
        { ids: [seqC[0]!], cache: cb },
      ]);
      close(next[0]!, full(seqA.slice(0, 6)).slice(1, 5, 6), 'second decode, sequence A');
      close(next[1]!, full([...seqB, seqC[0]!]).slice(1, 3, 4), 'second decode, sequence B');
      for (const c of [ca, cb, cc]) c.dispose();
    });

    test(`${label}: cache truncate and clone replay the same logits`, () => {
      const cache = m.newCache(16);
      m.step([{ ids: seqA.slice(0, 5), cache }]);
      const fork = cache.clone();
      const [a] = m.step([{ ids: [seqA[5]!], cache }]);
      cache.truncate(5);
      const [b] = m.step([{ ids: [seqA[5]!], cache }]);
      const [c] = m.step([{ ids: [seqA[5]!], cache: fork }]);
      close(a!, b!, 'after truncate', 0);
      close(a!, c!, 'clone', 0);
      assert.throws(() => m.step([{ ids: new Array(11).fill(1), cache }]), /capacity of 16/);
      assert.throws(() => m.step([{ ids: [V], cache }]), /outside the vocabulary/);
      assert.throws(() => m.step([{ ids: [1], cache }, { ids: [2], cache }]), /appears twice/);
      cache.dispose();
      fork.dispose();
    });

    test(`${label}: lastOnly gives the last position's logits`, () => {
      const batch = ids(rt, [seqA.slice(0, 5), seqC]);
      const all = m.forward(batch).logits;
      const last = m.forward(batch, { lastOnly: true }).logits;
      assert.deepEqual(last.shape, [2, 1, V]);
      close(last, all.slice(1, 4, 5), 'lastOnly');
    });

    test(`${label}: hidden states (numLayers + 1) and attention maps`, () => {
      const batch = ids(rt, [seqC, seqA.slice(0, 5)]);
      const plain = m.forward(batch).logits;
      const out = m.forward(batch, { outputHiddenStates: true, outputAttentions: true });
      close(out.logits, plain, 'logits with attentions materialised');
      assert.equal(out.hiddenStates!.length, cfg.numLayers + 1);
      for (const h of out.hiddenStates!) assert.deepEqual(h.shape, [2, 5, C]);
      if (arch === 'llama') close(out.hiddenStates![0]!, m.embed(batch), 'first hidden state is the embeddings');
      assert.equal(out.attentions!.length, cfg.numLayers);
      const a = out.attentions![0]!;
      assert.deepEqual(a.shape, [2, cfg.numHeads, 5, 5]);
      const w = a.toArray();
      for (let r = 0; r < 2 * cfg.numHeads * 5; r++) {
        const i = r % 5;
        const row = Array.from(w.slice(r * 5, r * 5 + 5));
        assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-5, 'probabilities sum to 1');
        row.forEach((p, j) => j > i && assert.equal(p, 0, 'causal'));
      }
    });

    test(`${label}: gradients flow to inputsEmbeds, which reproduce forward(ids)`, () => {
      const batch = ids(rt, [seqC]);
      const e = m.embed(batch).detach().requireGrad();
      const out = m.forward(null, { inputsEmbeds: e });
      close(out.logits, m.forward(batch).logits, 'logits from embeddings');
      const [g] = grad(out.logits.slice(1, 4, 5).sum(), [e]);
      assert.deepEqual(g!.shape, [1, 5, C]);
      const gd = g!.toArray();
      assert.ok(gd.every(Number.isFinite));
      assert.ok(gd.some((x) => x !== 0), 'nonzero gradient');
      assert.throws(() => m.forward(null), /no inputsEmbeds/);
    });
  }
}

test('dropout is active in train mode only, and training mode changes nothing else', () => {
  const rt = createRuntime({ backend: 'js', seed: 3 });
  const cfg = registry.gpt2.config({ vocabSize: 30, contextLength: 16, hiddenSize: 16, numLayers: 1, numHeads: 2, dropout: 0.2 });
  const m = createModel(rt, cfg);
  const x = ids(rt, [[1, 2, 3, 4]]);
  const a = m.forward(x).logits.toArray();
  const b = m.forward(x).logits.toArray();
  assert.ok(maxDiff(a, b) > 1e-6, 'two train-mode passes differ');
  m.eval();
  close(m.forward(x).logits, m.forward(x).logits, 'eval is deterministic', 0);
});

test('createModel init follows GPT-2: std 0.02, residual projections 0.02/sqrt(2L), norms one, biases zero', () => {
  const rt = createRuntime({ backend: 'js', seed: 5 });
  const L = 4;
  const cfg = registry.llama.config({ vocabSize: 64, contextLength: 16, hiddenSize: 64, numLayers: L, numHeads: 4, intermediateSize: 128 });
  const m = createModel(rt, cfg);
  const std = (t: Tensor) => {
    const d = Array.from(t.toArray());
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    return Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / d.length);
  };
  const p = new Map(m.namedParameters());
  assert.ok(Math.abs(std(p.get('model.layers.0.self_attn.q_proj.weight')!) - 0.02) < 0.002);
  assert.ok(Math.abs(std(p.get('model.layers.0.self_attn.o_proj.weight')!) - 0.02 / Math.sqrt(2 * L)) < 0.001);
  assert.ok(Math.abs(std(p.get('model.layers.0.mlp.down_proj.weight')!) - 0.02 / Math.sqrt(2 * L)) < 0.001);
  assert.ok(p.get('model.norm.weight')!.toArray().every((x) => x === 1));
  assert.ok(m.trainableParameters().length === m.parameters().length, 'all parameters train');
});
