/**
 * A start-up check of a wide instruction set against the portable scalar
 * kernels: a handful of kernels (GEMM with transposed operands, transcendental
 * elementwise ops, softmax, LayerNorm, attention, quantized decode) on small
 * fixed inputs, run once per process. `isa: 'auto'` only picks an instruction
 * set that passes, so a CPU-specific miscompile or a kernel bug on hardware the
 * kernels were never run on cannot silently change results. It takes about a
 * millisecond.
 */
import type { Backend, View } from '../backend.js';
import { quantizeQ4_0 } from '../../io/quant.js';

function f32(shape: number[], seed: number, strides?: number[]): View {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2147483648 - 1;
  }
  const cs: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    cs[i] = acc;
    acc *= shape[i]!;
  }
  return { data, dtype: 'f32', shape, strides: strides ?? cs, offset: 0 };
}

/** Runs the probe kernels on `be` and returns every output, concatenated. */
function probe(be: Backend): Float32Array {
  const outs: Float32Array[] = [];
  const out = (shape: number[]) => {
    const v = f32(shape, 0);
    v.data.fill(0);
    outs.push(v.data as Float32Array);
    return v;
  };
  // GEMM: a transposed A (stored 45 x 37) and a row-major B, sizes off the tile grid.
  be.matmul(f32([37, 45], 1, [1, 37]), f32([45, 29], 2), out([37, 29]), false);
  be.matmul(f32([70, 300], 3), f32([300, 40], 4, [1, 300]), out([70, 40]), false);
  for (const op of ['exp', 'tanh', 'geluErf', 'silu'] as const) be.unary(op, f32([203], 5), out([203]));
  be.softmax(f32([5, 77], 6), out([5, 77]));
  be.layerNorm(f32([3, 100], 7), f32([100], 8), f32([100], 9), 1e-5, out([3, 100]), out([3]), out([3]));
  const [q, k, v] = [f32([1, 4, 9, 40], 10), f32([1, 2, 11, 40], 11), f32([1, 2, 11, 40], 12)];
  be.attention(q, k, v, out([1, 4, 9, 40]), out([1, 4, 9]), { scale: 0.15, causal: true });
  const w = f32([24, 64], 13);
  const wq: View = { data: quantizeQ4_0(w.data as Float32Array), dtype: 'q4_0', shape: [24, 64], strides: [64, 1], offset: 0 };
  be.linear(f32([1, 64], 14), wq, null, out([1, 24]));
  const all = new Float32Array(outs.reduce((a, o) => a + o.length, 0));
  let at = 0;
  for (const o of outs) {
    all.set(o, at);
    at += o.length;
  }
  return all;
}

/** True when `wide` computes what `scalar` computes, to float rounding. */
export function agrees(wide: Backend, scalar: Backend): boolean {
  const a = probe(wide);
  const b = probe(scalar);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(Math.abs(x - y) <= 1e-4 + 1e-4 * Math.abs(y))) return false;
  }
  return true;
}
