/**
 * GGUF models against independent references:
 *   - GGUF files written by scripts/make-gguf-fixtures.py (its own GGUF writer,
 *     numpy's reshape for llama.cpp's q/k permutation) load through loadModel
 *     and reproduce the PyTorch reference logits of the same weights;
 *   - lmkit's writer lays tensors out byte for byte as that script does;
 *   - HF folder -> GGUF -> HF folder round trips keep the logits (1e-5, f32)
 *     for every model fixture (GPT-2, Llama, Llama bf16, Qwen2 f16, Mistral
 *     window, llama3 / linear / yarn rope).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGguf, readGgufTensor } from '../../io/gguf.js';
import { createRuntime } from '../../tensor/index.js';
import type { Runtime } from '../../tensor/runtime.js';
import { convertModel } from '../convert.js';
import { loadModel } from '../load.js';
import { FIXTURES, readExpected } from '../test-fixtures.js';
import { saveGguf } from './save.js';

const rt = createRuntime({ backend: 'js', seed: 1 });

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function logitsOf(r: Runtime, ref: string, ids: { data: Float64Array; shape: readonly number[] }, dtype: 'f32' | 'keep' = 'f32'): Promise<Float32Array> {
  const { model } = await loadModel(ref, { rt: r, dtype });
  const out = model.forward(r.tensor(Int32Array.from(ids.data), [...ids.shape], { dtype: 'i32' })).logits.toArray() as Float32Array;
  model.dispose();
  return out;
}

for (const name of ['llama', 'qwen2', 'gpt2']) {
  test(`${name}.gguf written by the Python fixture script loads with the PyTorch reference logits`, async () => {
    const exp = readExpected(name);
    const { model, config, warnings, source } = await loadModel(join(FIXTURES, 'gguf', `${name}.gguf`), { rt });
    assert.equal(source.kind, 'gguf');
    assert.equal(config.architecture, name === 'gpt2' ? 'gpt2' : 'llama');
    assert.ok(warnings.some((w) => w.includes('no tokenizer.ggml.model')));
    const ids = exp.get('input_ids');
    const got = model.forward(rt.tensor(Int32Array.from(ids.data), [...ids.shape], { dtype: 'i32' })).logits.toArray();
    const d = maxDiff(got, exp.get('logits').data);
    assert.ok(d < 1e-4, `logits differ from the reference by ${d}`);
    model.dispose();
  });
}

test("lmkit's GGUF writer lays out tensors exactly as the independent fixture script (names, shapes, types, bytes)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-'));
  try {
    for (const name of ['llama', 'qwen2', 'gpt2']) {
      const { model } = await loadModel(join(FIXTURES, name), { rt, dtype: 'keep' });
      const out = join(dir, `${name}.gguf`);
      await saveGguf(model, out);
      model.dispose();
      const ours = readGguf(out);
      const ref = readGguf(join(FIXTURES, 'gguf', `${name}.gguf`));
      assert.deepEqual(
        ours.tensors.map((t) => [t.name, t.dtype, t.shape.join('x')]).sort(),
        ref.tensors.map((t) => [t.name, t.dtype, t.shape.join('x')]).sort(),
        name,
      );
      for (const t of ref.tensors) assert.deepEqual(readGgufTensor(ours, t.name), readGgufTensor(ref, t), `${name}: ${t.name}`);
      for (const k of Object.keys(ref.metadata).filter((k) => k !== 'general.name')) {
        assert.deepEqual([ours.metadata[k], ours.metadataTypes[k]], [ref.metadata[k], ref.metadataTypes[k]], `${name}: ${k}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const ROUND_TRIP: [name: string, dtype: 'f32' | 'keep'][] = [
  ['gpt2', 'f32'],
  ['llama', 'f32'],
  ['llama-bf16', 'keep'],
  ['qwen2', 'keep'],
  ['mistral', 'f32'],
  ['llama3-rope', 'f32'],
  ['llama-linear-rope', 'f32'],
  ['qwen2-yarn', 'f32'],
];

for (const [name, dtype] of ROUND_TRIP) {
  test(`${name}: HF folder -> GGUF -> HF folder keeps the logits`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-'));
    try {
      const exp = readExpected(name);
      const ids = exp.get('input_ids');
      const hf = await logitsOf(rt, join(FIXTURES, name), ids, dtype);
      assert.ok(maxDiff(hf, exp.get('logits').data) < 1e-4, 'the HF load itself matches the reference');
      const gguf = join(dir, 'model.gguf');
      const r1 = await convertModel(join(FIXTURES, name), gguf, { rt });
      assert.equal(r1.output.format, 'gguf');
      const fromGguf = await logitsOf(rt, gguf, ids, dtype);
      assert.ok(maxDiff(fromGguf, hf) <= 1e-5, `GGUF logits differ from HF by ${maxDiff(fromGguf, hf)}`);
      const back = join(dir, 'back');
      await convertModel(gguf, back, { rt });
      const again = await logitsOf(rt, back, ids, dtype);
      assert.ok(maxDiff(again, hf) <= 1e-5, `HF -> GGUF -> HF logits differ by ${maxDiff(again, hf)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('llama3 rope scaling travels as rope_freqs.weight and is recovered exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-'));
  try {
    const { model, config } = await loadModel(join(FIXTURES, 'llama3-rope'), { rt });
    await saveGguf(model, join(dir, 'm.gguf'));
    const g = readGguf(join(dir, 'm.gguf'));
    assert.ok(g.tensors.some((t) => t.name === 'rope_freqs.weight'));
    assert.equal(g.metadata['llama.rope.scaling.type'], undefined);
    const back = await loadModel(join(dir, 'm.gguf'), { rt });
    assert.deepEqual((back.config as typeof config & { ropeScaling: unknown }).ropeScaling, (config as typeof config & { ropeScaling: unknown }).ropeScaling);
    model.dispose();
    back.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dynamic NTK rope scaling has no GGUF form: saved without it, with a warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-'));
  try {
    const { model } = await loadModel(join(FIXTURES, 'llama-dynamic-rope'), { rt });
    const r = await saveGguf(model, join(dir, 'm.gguf'));
    assert.ok(r.warnings.some((w) => w.includes('dynamic NTK rope scaling')));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
