/**
 * matmul and linear on the native backend: the packed GEMM (any strides,
 * batched, accumulate) and linear with f32, f16, bf16, q8_0 or q4_0 weights
 * (fused dequantising matrix-vector products for decode-sized inputs).
 */
import type { Backend, View } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';
import * as js from '../js/kernels.js';
import { bufferOf } from './args.js';
import { allF32, type NativeCtx } from './ctx.js';
import { isDense } from './elementwise.js';

/**
 * Quantized weights repacked for decode (native/kernels/gemv-x8.cc), per
 * weight array and matrix. Held weakly: they go when the weights go. Weights
 * must not change after their first decode-sized product (quantized weights
 * are read-only in lmkit). The layout is the same for every instruction set.
 */
const x8Cache = new WeakMap<object, Map<string, ArrayBuffer>>();

export function x8Of(c: NativeCtx, w: View, bt: number): ArrayBuffer {
  let m = x8Cache.get(w.data);
  if (!m) x8Cache.set(w.data, (m = new Map()));
  const key = `${w.offset}:${w.shape[0]}:${w.shape[1]}`;
  let buf = m.get(key);
  if (!buf) {
    c.begin().num(bt).view(w);
    buf = c.addon.repackQuant(bufferOf(w));
    m.set(key, buf);
  }
  return buf;
}

/** BType codes of native/kernels.h. */
const WEIGHT: Partial<Record<DType, number>> = { f32: 0, f16: 1, bf16: 2, q8_0: 3, q4_0: 4 };

export function linalgKernels(c: NativeCtx): Pick<Backend, 'matmul' | 'linear'> {
  const a = c.addon;
  return {
    matmul(x: View, y: View, out: View, accumulate: boolean): void {
      if (!allF32(x, y, out) || out.shape.length < 2) return js.matmul(x, y, out, accumulate);
      c.begin().num(accumulate ? 1 : 0).view(x).view(y).view(out);
      a.matmul(bufferOf(x), bufferOf(y), bufferOf(out));
    },
    linear(x: View, w: View, bias: View | null, out: View): void {
      const bt = WEIGHT[w.dtype];
      const quant = bt === 3 || bt === 4;
      const ok =
        bt !== undefined &&
        allF32(x, bias, out) &&
        w.shape.length === 2 &&
        isDense(x) &&
        isDense(out) &&
        (bias === null || bias.shape.length === 1) &&
        (quant ? w.shape[1]! % 32 === 0 : w.strides[1] === 1 || w.shape[1] === 1);
      if (!ok) return js.linear(x, w, bias, out);
      // Rows of length 1 have any stride; the kernel wants the unit stride written out.
      const wv = !quant && w.strides[1] !== 1 ? { ...w, strides: [w.strides[0]!, 1] } : w;
      const rows = x.shape.length === 2 ? x.shape[0]! : x.data.length;
      const x8 = quant && c.q8Activations && c.repackQuantized && rows <= 4 ? x8Of(c, w, bt) : null;
      c.begin().num(bt).num(c.q8Activations ? 1 : 0).view(x).view(wv).view(bias).view(out);
      a.linear(bufferOf(x), bufferOf(w), bias ? bufferOf(bias) : null, bufferOf(out), x8);
    },
  };
}
