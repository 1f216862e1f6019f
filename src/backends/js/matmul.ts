/**
 * Matrix products of the js reference backend: batched strided matmul and
 * linear (x @ w^T + b) with weights in any storage dtype. Accumulates in double.
 */
import type { View } from '../backend.js';
import { bf16ToF32, f16ToF32, isQuantized } from '../../tensor/dtype.js';
import { UnsupportedError } from '../../errors.js';
import { planRows } from './strided.js';
import { dequantizeInto } from './quant.js';

export function matmul(a: View, b: View, out: View, accumulate: boolean): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const batchShape = out.shape.slice(0, nd - 2);
  const bp = planRows([...batchShape, 1], [
    { strides: [...a.strides.slice(0, nd - 2), 0], offset: a.offset },
    { strides: [...b.strides.slice(0, nd - 2), 0], offset: b.offset },
    { strides: [...out.strides.slice(0, nd - 2), 0], offset: out.offset },
  ]);
  const sam = a.strides[nd - 2]!;
  const sak = a.strides[nd - 1]!;
  const sbk = b.strides[nd - 2]!;
  const sbn = b.strides[nd - 1]!;
  const som = out.strides[nd - 2]!;
  const son = out.strides[nd - 1]!;
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  const row = new Float64Array(N);
  for (let r = 0; r < bp.rows; r++) {
    const a0 = bp.starts[0]![r]!;
    const b0 = bp.starts[1]![r]!;
    const o0 = bp.starts[2]![r]!;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const ai = a0 + i * sam;
      for (let k = 0; k < K; k++) {
        const av = ad[ai + k * sak]!;
        if (av === 0) continue;
        const bk = b0 + k * sbk;
        for (let j = 0; j < N; j++) row[j] += av * bd[bk + j * sbn]!;
      }
      const oi = o0 + i * som;
      if (accumulate) for (let j = 0; j < N; j++) od[oi + j * son] += row[j]!;
      else for (let j = 0; j < N; j++) od[oi + j * son] = row[j]!;
    }
  }
}

/** One weight row as numbers, whatever its storage dtype. */
function rowReader(w: View, K: number): (n: number) => ArrayLike<number> {
  const wd = w.data;
  if (w.dtype === 'f32' || w.dtype === 'f64') {
    return (n) => wd.subarray(w.offset + n * K, w.offset + (n + 1) * K);
  }
  const buf = new Float64Array(K);
  if (w.dtype === 'f16' || w.dtype === 'bf16') {
    const conv = w.dtype === 'f16' ? f16ToF32 : bf16ToF32;
    return (n) => {
      const base = w.offset + n * K;
      for (let k = 0; k < K; k++) buf[k] = conv(wd[base + k]!);
      return buf;
    };
  }
  if (isQuantized(w.dtype)) {
    const f = new Float32Array(K);
    const rowBytes = w.data.length / w.shape[0]!;
    return (n) => {
      const src: View = { data: wd.subarray(n * rowBytes, (n + 1) * rowBytes), dtype: w.dtype, shape: [1, K], strides: [K, 1], offset: 0 };
      dequantizeInto(src, { data: f, dtype: 'f32', shape: [1, K], strides: [K, 1], offset: 0 });
      return f;
    };
  }
  throw new UnsupportedError('linear', `weights of dtype ${w.dtype} are not supported`);
}

export function linear(x: View, w: View, bias: View | null, out: View): void {
  const M = x.shape[0]!;
  const K = x.shape[1]!;
  const N = w.shape[0]!;
  const xd = x.data;
  const od = out.data;
  const read = rowReader(w, K);
  for (let n = 0; n < N; n++) {
    const wr = read(n);
    const bv = bias ? bias.data[bias.offset + n * (bias.strides[0] ?? 1)]! : 0;
    for (let m = 0; m < M; m++) {
      const xi = x.offset + m * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += xd[xi + k]! * wr[k]!;
      od[out.offset + m * N + n] = acc + bv;
    }
  }
}
