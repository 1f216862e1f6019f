/**
 * Quantized linear on the native backend with q8_0 activations (the default):
 * checked against the js reference run on activations rounded to q8_0 blocks
 * by the io codecs (quantize, then dequantize), which is the product the
 * native kernels promise to compute, for decode-sized and prompt-sized inputs.
 * Also: weight buffers from allocWeights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../backend.js';
import { createJsBackend } from '../js/index.js';
import { dequantizeQ8_0, quantizeQ4_0, quantizeQ8_0 } from '../../io/quant.js';
import { assertClose, Rng } from '../conformance-util.js';
import { loadNativeBackend, nativeIsas, type Isa } from './index.js';

let isas: Isa[] = [];
let missing: string | false = false;
try {
  isas = nativeIsas();
} catch (e) {
  missing = (e as Error).message;
}

const f32 = (data: Float32Array, shape: number[]): View => ({ data, dtype: 'f32', shape, strides: shape.length === 2 ? [shape[1]!, 1] : [1], offset: 0 });

for (const isa of isas) {
  test(`quantized linear with q8_0 activations (${isa})`, () => {
    const be = loadNativeBackend({ isa, threads: 2 });
    const ref = createJsBackend();
    const rng = new Rng(7);
    for (const wt of ['q8_0', 'q4_0'] as const) {
      for (const [M, N, K] of [[1, 37, 64], [2, 8, 256], [4, 65, 96], [3, 1, 32], [9, 33, 128], [40, 70, 320]] as const) {
        const wf = new Float32Array(N * K).map(() => rng.uniform(-1, 1));
        const wq = wt === 'q8_0' ? quantizeQ8_0(wf) : quantizeQ4_0(wf);
        const w: View = { data: wq, dtype: wt, shape: [N, K], strides: [K, 1], offset: 0 };
        const x = new Float32Array(M * K).map(() => rng.uniform(-3, 3));
        const bias = new Float32Array(N).map(() => rng.uniform(-1, 1));
        const got = new Float32Array(M * N);
        be.linear(f32(x, [M, K]), w, f32(bias, [N]), f32(got, [M, N]));
        const xr = dequantizeQ8_0(quantizeQ8_0(x));
        const want = new Float32Array(M * N);
        ref.linear(f32(xr, [M, K]), w, f32(bias, [N]), f32(want, [M, N]));
        assertClose(Array.from(got), Array.from(want), { rtol: 1e-4, atol: 1e-4 }, `${wt} M=${M} N=${N} K=${K}`);
      }
    }
  });
}

test('allocWeights gives zeroed, usable buffers with and without huge pages', { skip: missing }, () => {
  const be = loadNativeBackend({ threads: 1 });
  for (const hugePages of [true, false]) {
    const buf = be.allocWeights(3 << 20, { hugePages });
    assert.equal(buf.byteLength, 3 << 20);
    const u = new Uint8Array(buf);
    assert.equal(u[0], 0);
    assert.equal(u[u.length - 1], 0);
    u.fill(7);
    assert.equal(u[12345], 7);
  }
  assert.throws(() => be.allocWeights(-1), /bytes/);
});
