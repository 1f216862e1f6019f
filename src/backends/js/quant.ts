/**
 * Quantized (GGUF block) tensors in the js backend: dequantisation of whole
 * contiguous rows into float views. The block formats are defined once, in
 * src/io/quant.ts and src/io/quant-k.ts; this file adapts them to backend views.
 */
import type { View } from '../backend.js';
import { UnsupportedError } from '../../errors.js';
import { DTYPES } from '../../tensor/dtype.js';
import { dequantizeQ4_0, dequantizeQ8_0 } from '../../io/quant.js';
import { dequantizeQ4K, dequantizeQ6K } from '../../io/quant-k.js';

const DEQUANT = {
  q8_0: dequantizeQ8_0,
  q4_0: dequantizeQ4_0,
  q4_k: dequantizeQ4K,
  q6_k: dequantizeQ6K,
} as const;

/** Writes the dequantised elements of a contiguous quantized `src` into `dst` (same logical shape, any strides). */
export function dequantizeInto(src: View, dst: View): void {
  const f = DEQUANT[src.dtype as keyof typeof DEQUANT];
  if (!f) throw new UnsupportedError('dequantize', `no block codec for ${src.dtype}`);
  const n = src.shape.reduce((a, b) => a * b, 1);
  const info = DTYPES[src.dtype];
  const start = (src.offset / info.bytes) * info.bytes;
  const blocks = (src.data as Uint8Array).subarray(start, start + (n / info.blockSize) * info.bytes);
  const vals = f(blocks);
  const contiguousDst = dst.shape.length <= 1 || isDense(dst);
  if (contiguousDst && (dst.dtype === 'f32' || dst.dtype === 'f64')) {
    dst.data.set(vals, dst.offset);
    return;
  }
  // Strided or other-dtype destination: go through the generic copy.
  copyFlat(vals, dst);
}

function isDense(v: View): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== s) return false;
    s *= v.shape[i]!;
  }
  return true;
}

function copyFlat(vals: Float32Array, dst: View): void {
  const nd = dst.shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < vals.length; i++) {
    let off = dst.offset;
    for (let d = 0; d < nd; d++) off += idx[d]! * dst.strides[d]!;
    dst.data[off] = vals[i]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < dst.shape[d]!) break;
      idx[d] = 0;
    }
  }
}
