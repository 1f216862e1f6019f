/**
 * Reductions of the native backend (f32 in, sums accumulated in double).
 */
import type { Backend, ReduceOp, View } from '../backend.js';
import * as js from '../js/kernels.js';
import { bufferOf } from './args.js';
import { allF32, type NativeCtx } from './ctx.js';
import { MAX_DIMS } from './args.js';

const REDUCE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, prod: 3 };

export function reduceKernels(c: NativeCtx): Pick<Backend, 'reduce' | 'argReduce' | 'cumsum' | 'topk' | 'sumSquares'> {
  const a = c.addon;
  return {
    reduce(op: ReduceOp, x: View, axes: readonly number[], out: View): void {
      if (!allF32(x, out) || out.shape.length !== x.shape.length) return js.reduce(op, x, axes, out);
      const b = c.begin().num(REDUCE[op]).num(axes.length);
      for (const ax of axes) b.num(ax);
      b.view(x).view(out);
      a.reduce(bufferOf(x), bufferOf(out));
    },
    argReduce(op: 'argmax' | 'argmin', x: View, axis: number, out: View): void {
      if (!allF32(x) || out.dtype !== 'i32' || out.shape.length > MAX_DIMS) return js.argReduce(op, x, axis, out);
      c.begin().num(op === 'argmin' ? 1 : 0).num(axis).view(x).view(out);
      a.argReduce(bufferOf(x), bufferOf(out));
    },
    cumsum(x: View, axis: number, reverse: boolean, out: View): void {
      if (!allF32(x, out)) return js.cumsum(x, axis, reverse, out);
      c.begin().num(axis).num(reverse ? 1 : 0).view(x).view(out);
      a.cumsum(bufferOf(x), bufferOf(out));
    },
    topk(x: View, k: number, values: View, indices: View): void {
      if (!allF32(x, values) || indices.dtype !== 'i32') return js.topk(x, k, values, indices);
      c.begin().num(k).view(x).view(values).view(indices);
      a.topk(bufferOf(x), bufferOf(values), bufferOf(indices));
    },
    sumSquares(x: View): number {
      if (!allF32(x)) return js.sumSquares(x);
      c.begin().view(x);
      return a.sumSquares(bufferOf(x));
    },
  };
}
