/**
 * loadWeights over any WeightStore: a quantized matrix is kept quantized with
 * dtype 'keep' (read as stored) or dequantized into f32, and the model's
 * logits follow; a transposed layout refuses quantized blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeQ8_0, quantizeQ8_0 } from '../io/quant.js';
import type { TypedArray } from '../tensor/dtype.js';
import { createRuntime } from '../tensor/index.js';
import { createModel, registry } from './registry.js';
import { checkpointTensors, loadWeights, type StoredTensorInfo, type WeightStore } from './weights.js';

const rt = createRuntime({ backend: 'js', seed: 4 });

function memoryStore(entries: { name: string; info: Omit<StoredTensorInfo, 'name' | 'file'>; data: TypedArray }[]): WeightStore {
  const map = new Map(entries.map((e) => [e.name, e]));
  const tensors = entries.map((e) => ({ name: e.name, ...e.info, file: 'memory' }));
  return {
    path: 'memory',
    tensors,
    has: (n) => map.has(n),
    get: (n) => tensors.find((t) => t.name === n)!,
    read: (n, target) => {
      const d = map.get(n)!.data;
      if (!target) return d.slice();
      target.set(d as never);
      return target;
    },
  };
}

test('a q8_0 matrix loads quantized (keep) or dequantized (f32), and both give the dequantized model', () => {
  const cfg = registry.llama.config({ vocabSize: 40, contextLength: 32, hiddenSize: 64, numLayers: 1, numHeads: 2, intermediateSize: 64 });
  const src = createModel(rt, cfg).eval();
  const target = 'model.layers.0.mlp.up_proj.weight';
  const entries = checkpointTensors(src, registry.llama.formats.hf).map((t) => {
    const data = t.data() as Float32Array;
    if (t.name !== target) return { name: t.name, info: { dtype: t.dtype, shape: t.shape }, data };
    return { name: t.name, info: { dtype: 'q8_0' as const, shape: t.shape }, data: quantizeQ8_0(data) };
  });
  const q = entries.find((e) => e.name === target)!;
  // The reference: the source model with that matrix replaced by its dequantized values.
  src.setParameter(target, rt.tensor(dequantizeQ8_0(q.data as Uint8Array), q.info.shape));
  const ids = rt.tensor(Int32Array.from([3, 1, 4, 1, 5]), [1, 5], { dtype: 'i32' });
  const want = src.forward(ids).logits.toArray();
  for (const dtype of ['keep', 'f32'] as const) {
    const m = createModel(rt, cfg, { init: 'empty' }).eval();
    const { warnings } = loadWeights(m, memoryStore(entries), registry.llama.formats.hf, { dtype });
    assert.deepEqual(warnings, []);
    const p = new Map(m.namedParameters()).get(target)!;
    assert.equal(p.dtype, dtype === 'keep' ? 'q8_0' : 'f32');
    const got = m.forward(ids).logits.toArray();
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
    assert.ok(d < 1e-5, `${dtype}: logits differ by ${d}`);
  }
});

test("GPT-2's transposed Conv1D layout cannot hold quantized blocks: a clear error", () => {
  const cfg = registry.gpt2.config({ vocabSize: 40, contextLength: 8, hiddenSize: 32, numLayers: 1, numHeads: 2 });
  const src = createModel(rt, cfg);
  const entries = checkpointTensors(src, registry.gpt2.formats.hf).map((t) => {
    const data = t.data() as Float32Array;
    if (t.name !== 'transformer.h.0.mlp.c_fc.weight') return { name: t.name, info: { dtype: t.dtype, shape: t.shape }, data };
    return { name: t.name, info: { dtype: 'q8_0' as const, shape: t.shape }, data: quantizeQ8_0(data) };
  });
  const m = createModel(rt, cfg, { init: 'empty' });
  assert.throws(() => loadWeights(m, memoryStore(entries), registry.gpt2.formats.hf, { dtype: 'keep' }), /transformer\.h\.0\.mlp\.c_fc\.weight'.*quantized blocks cannot be transposed/);
});
