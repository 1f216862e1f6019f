/**
 * Quantized GGUF models keep their quality: on held-out text, the perplexity
 * of the model saved as Q8_0 is within 1% of f32, and as Q4_0 within 5%.
 *
 * Perplexity only says something about quantization for a model that has
 * learned something, so the model is test/fixtures/models/tiny-chars: a
 * character-level Llama (2 layers, hidden 64) trained with PyTorch by
 * scripts/make-gguf-fixtures.py on sentences from a small grammar. eval.txt
 * is text from the same grammar it did not train on; expected.json holds the
 * PyTorch reference mean NLL over the same windows (uniform guessing would be
 * ln 96 = 4.56 nats; the model gets about 0.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossEntropy } from '../../tensor/ops/nn.js';
import { createRuntime } from '../../tensor/index.js';
import type { Runtime } from '../../tensor/runtime.js';
import { loadModel } from '../load.js';
import { FIXTURES } from '../test-fixtures.js';
import { saveGguf } from './save.js';

const DIR = join(FIXTURES, 'tiny-chars');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { window: number; windows: number; mean_nll: number };

function encode(text: string): number[] {
  return Array.from(text, (c) => (c === '\n' ? 95 : c.charCodeAt(0) - 32));
}

/** Mean next-token NLL over consecutive windows of `T` predictions (the script's windows). */
async function meanNll(rt: Runtime, ref: string): Promise<{ nll: number; dtype: string }> {
  const ids = encode(readFileSync(join(DIR, 'eval.txt'), 'utf8'));
  const T = expected.window;
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i + T + 1 < ids.length; i += T) {
    x.push(ids.slice(i, i + T));
    y.push(ids.slice(i + 1, i + T + 1));
  }
  assert.equal(x.length, expected.windows);
  const { model } = await loadModel(ref, { rt, dtype: 'keep' });
  const dtype = model.namedParameters().find(([n]) => n.endsWith('q_proj.weight'))![1].dtype;
  const nll = rt.tidy(() => crossEntropy(model.forward(rt.tensor(x, undefined, { dtype: 'i32' })).logits, rt.tensor(y, undefined, { dtype: 'i32' })).item());
  model.dispose();
  return { nll, dtype };
}

test('Q8_0 perplexity within 1% of f32 and Q4_0 within 5% on held-out text', async (t) => {
  const rt = createRuntime({ backend: 'js', seed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-ppl-'));
  try {
    const { model } = await loadModel(DIR, { rt });
    for (const dtype of ['f32', 'q8_0', 'q4_0'] as const) await saveGguf(model, join(dir, `${dtype}.gguf`), { dtype });
    model.dispose();
    const f32 = await meanNll(rt, join(dir, 'f32.gguf'));
    assert.ok(Math.abs(f32.nll - expected.mean_nll) < 1e-4, `f32 NLL ${f32.nll} vs PyTorch ${expected.mean_nll}`);
    assert.ok(f32.nll < 1, `the model must have learned something (NLL ${f32.nll} vs ln 96 = 4.56)`);
    const q8 = await meanNll(rt, join(dir, 'q8_0.gguf'));
    const q4 = await meanNll(rt, join(dir, 'q4_0.gguf'));
    assert.equal(q8.dtype, 'q8_0', 'weights stay quantized in memory');
    assert.equal(q4.dtype, 'q4_0');
    const ratio = (r: { nll: number }) => Math.exp(r.nll) / Math.exp(f32.nll);
    t.diagnostic(`perplexity f32 ${Math.exp(f32.nll).toFixed(4)}, q8_0 ${Math.exp(q8.nll).toFixed(4)} (x${ratio(q8).toFixed(4)}), q4_0 ${Math.exp(q4.nll).toFixed(4)} (x${ratio(q4).toFixed(4)})`);
    assert.ok(Math.abs(ratio(q8) - 1) < 0.01, `Q8_0 perplexity ${Math.exp(q8.nll)} vs f32 ${Math.exp(f32.nll)} (x${ratio(q8)})`);
    assert.ok(Math.abs(ratio(q4) - 1) < 0.05, `Q4_0 perplexity ${Math.exp(q4.nll)} vs f32 ${Math.exp(f32.nll)} (x${ratio(q4)})`);
    // Quantization must have changed something, or the comparison tests nothing.
    assert.notEqual(q4.nll, f32.nll);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
