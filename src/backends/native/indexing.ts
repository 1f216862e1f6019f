/**
 * Index kernels of the native backend: embedding gather from f32, f16, bf16,
 * q8_0 or q4_0 tables, its scatter-add backward, and gather / scatter-add
 * along an axis. Ids are validated natively; a bad one raises IndexRangeError
 * exactly as the js kernels do.
 */
import type { Backend, View } from '../backend.js';
import { IndexRangeError } from '../../errors.js';
import * as js from '../js/kernels.js';
import { bufferOf } from './args.js';
import { allF32, type NativeCtx } from './ctx.js';
import { ELEM } from './elementwise.js';
import { MAX_DIMS } from './args.js';

export function indexingKernels(c: NativeCtx): Pick<Backend, 'gather' | 'scatterAdd' | 'gatherAxis' | 'scatterAddAxis'> {
  const a = c.addon;
  const idsOk = (ids: View) => ids.dtype === 'i32' && ids.shape.length <= MAX_DIMS;
  return {
    gather(table: View, ids: View, out: View): void {
      const tt = ELEM[table.dtype];
      const quant = tt !== undefined && tt >= 100;
      const ok =
        (tt === 0 || tt === 2 || tt === 3 || quant) &&
        idsOk(ids) &&
        allF32(out) &&
        table.shape.length === 2 &&
        out.shape.length === 2 &&
        (!quant || table.shape[1]! % 32 === 0);
      if (!ok) return js.gather(table, ids, out);
      c.begin().num(tt!).view(table).view(ids).view(out);
      const bad = a.gather(bufferOf(table), bufferOf(ids), bufferOf(out));
      if (bad !== undefined) throw new IndexRangeError('gather', bad, table.shape[0]!, 'id');
    },
    scatterAdd(src: View, ids: View, out: View): void {
      if (!allF32(src, out) || !idsOk(ids) || src.shape.length !== 2 || out.shape.length !== 2) return js.scatterAdd(src, ids, out);
      c.begin().view(src).view(ids).view(out);
      const bad = a.scatterAdd(bufferOf(src), bufferOf(ids), bufferOf(out));
      if (bad !== undefined) throw new IndexRangeError('scatterAdd', bad, out.shape[0]!, 'id');
    },
    gatherAxis(x: View, axis: number, idx: View, out: View): void {
      if (!allF32(x, out) || !idsOk(idx) || idx.shape.length !== x.shape.length) return js.gatherAxis(x, axis, idx, out);
      c.begin().num(axis).num(0).view(x).view(idx).view(out);
      const bad = a.gatherAxis(bufferOf(x), bufferOf(idx), bufferOf(out));
      if (bad !== undefined) throw new IndexRangeError('gatherAxis', bad, x.shape[axis]!, 'id');
    },
    scatterAddAxis(src: View, axis: number, idx: View, out: View): void {
      if (!allF32(src, out) || !idsOk(idx) || idx.shape.length !== out.shape.length) return js.scatterAddAxis(src, axis, idx, out);
      c.begin().num(axis).num(1).view(out).view(idx).view(src);
      const bad = a.gatherAxis(bufferOf(out), bufferOf(idx), bufferOf(src));
      if (bad !== undefined) throw new IndexRangeError('gatherAxis', bad, out.shape[axis]!, 'id');
    },
  };
}
