/**
 * Elementwise kernels of the native backend: f32 unary / binary / where run
 * in C++; copy and fill cover every storage dtype except writing quantized
 * blocks. Anything else (f64 arithmetic above all) goes to the js kernels.
 */
import type { ActivationOp, Backend, BinaryOp, UnaryOp, View } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';
import * as js from '../js/kernels.js';
import { MAX_DIMS } from './args.js';
import { bufferOf } from './args.js';
import { allF32, type NativeCtx } from './ctx.js';

export const UNARY: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, recip: 7, square: 8, sin: 9, cos: 10,
  tanh: 11, sigmoid: 12, relu: 13, silu: 14, geluTanh: 15, geluErf: 16,
};

const BINARY: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, min: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
};

/** Element type codes of native/kernels.h (ElemType); block types are 100 + BType. */
export const ELEM: Partial<Record<DType, number>> = { f32: 0, f64: 1, f16: 2, bf16: 3, i32: 4, u8: 5, q8_0: 103, q4_0: 104 };

function rankOk(...views: View[]): boolean {
  return views.every((v) => v.shape.length <= MAX_DIMS);
}

export function elementwiseKernels(c: NativeCtx): Pick<Backend, 'unary' | 'unaryGrad' | 'binary' | 'where' | 'copy' | 'fill'> {
  const a = c.addon;
  return {
    unary(op: UnaryOp, x: View, out: View): void {
      if (!allF32(x, out)) return js.unary(op, x, out);
      c.begin().num(UNARY[op]).view(x).view(out);
      a.unary(bufferOf(x), bufferOf(out));
    },
    unaryGrad(op: ActivationOp, x: View, g: View, out: View): void {
      if (!allF32(x, g, out)) return js.unaryGrad(op, x, g, out);
      c.begin().num(UNARY[op]).view(x).view(g).view(out);
      a.unaryGrad(bufferOf(x), bufferOf(g), bufferOf(out));
    },
    binary(op: BinaryOp, x: View, y: View, out: View): void {
      if (!allF32(x, y, out)) return js.binary(op, x, y, out);
      c.begin().num(BINARY[op]).view(x).view(y).view(out);
      a.binary(bufferOf(x), bufferOf(y), bufferOf(out));
    },
    where(cond: View, x: View, y: View, out: View): void {
      if (!allF32(cond, x, y, out)) return js.where(cond, x, y, out);
      c.begin().view(cond).view(x).view(y).view(out);
      a.where(bufferOf(cond), bufferOf(x), bufferOf(y), bufferOf(out));
    },
    copy(src: View, dst: View): void {
      const st = ELEM[src.dtype];
      const dt = ELEM[dst.dtype];
      const quant = st !== undefined && st >= 100;
      const ok =
        st !== undefined &&
        dt !== undefined &&
        dt < 100 &&
        rankOk(src, dst) &&
        (!quant || (dst.dtype === 'f32' && isDense(dst)));
      if (!ok) return js.copy(src, dst);
      c.begin().num(st).num(dt).view(src).view(dst);
      a.copy(bufferOf(src), bufferOf(dst));
    },
    fill(dst: View, value: number): void {
      const dt = ELEM[dst.dtype];
      if (dt === undefined || dt >= 100 || !rankOk(dst)) return js.fill(dst, value);
      c.begin().num(dt).num(value).view(dst);
      a.fill(bufferOf(dst));
    },
  };
}

/** Contiguous row-major layout (size-1 dims may have any stride). */
export function isDense(v: View): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i]!;
    if (d !== 1 && v.strides[i] !== s) return false;
    s *= d;
  }
  return true;
}
