/**
 * Index kernels of the js reference backend: embedding gather / scatter-add
 * and torch.gather along an axis with its backward.
 */
import type { View } from '../backend.js';
import { IndexRangeError } from '../../errors.js';
import { isQuantized } from '../../tensor/dtype.js';
import { copy } from './elementwise.js';
import { planRows } from './strided.js';

function checkId(op: string, id: number, size: number): void {
  if (!(id >= 0 && id < size)) throw new IndexRangeError(op, id, size, 'id');
}

export function gather(table: View, ids: View, out: View): void {
  const V = table.shape[0]!;
  const D = table.shape[1]!;
  const idv = planRows(ids.shape, [ids]);
  const idd = ids.data;
  const quant = isQuantized(table.dtype);
  const rowBytes = quant ? table.data.length / V : 0;
  let r = 0;
  for (let row = 0; row < idv.rows; row++) {
    let ii = idv.starts[0]![row]!;
    for (let j = 0; j < idv.n; j++, ii += idv.inner[0]!, r++) {
      const id = idd[ii]!;
      checkId('gather', id, V);
      const dst: View = { data: out.data, dtype: out.dtype, shape: [D], strides: [out.strides[out.strides.length - 1]!], offset: out.offset + r * D };
      const src: View = quant
        ? { data: table.data.subarray(id * rowBytes, (id + 1) * rowBytes), dtype: table.dtype, shape: [D], strides: [1], offset: 0 }
        : { data: table.data, dtype: table.dtype, shape: [D], strides: [table.strides[1]!], offset: table.offset + id * table.strides[0]! };
      copy(src, dst);
    }
  }
}

export function scatterAdd(src: View, ids: View, out: View): void {
  const V = out.shape[0]!;
  const D = out.shape[1]!;
  const idv = planRows(ids.shape, [ids]);
  const idd = ids.data;
  const sd = src.data;
  const od = out.data;
  let r = 0;
  for (let row = 0; row < idv.rows; row++) {
    let ii = idv.starts[0]![row]!;
    for (let j = 0; j < idv.n; j++, ii += idv.inner[0]!, r++) {
      const id = idd[ii]!;
      checkId('scatterAdd', id, V);
      const so = src.offset + r * src.strides[0]!;
      const oo = out.offset + id * out.strides[0]!;
      for (let d = 0; d < D; d++) od[oo + d * out.strides[1]!] += sd[so + d * src.strides[1]!]!;
    }
  }
}

/** Visits every element of idx with its offset in idx, the matching x offset minus the axis term, and the out offset. */
function forEachIndexed(
  x: View,
  axis: number,
  idx: View,
  other: View,
  fn: (xBase: number, idxVal: number, otherOff: number) => void,
): void {
  // x viewed with idx's shape, stride 0 along `axis` (the index supplies that coordinate).
  const xv = { strides: x.strides.map((s, d) => (d === axis ? 0 : s)), offset: x.offset };
  const p = planRows(idx.shape, [idx, xv, other]);
  const idd = idx.data;
  const size = x.shape[axis]!;
  const [si, sx, so] = p.inner as [number, number, number];
  for (let r = 0; r < p.rows; r++) {
    let ii = p.starts[0]![r]!;
    let ix = p.starts[1]![r]!;
    let io = p.starts[2]![r]!;
    for (let j = 0; j < p.n; j++, ii += si, ix += sx, io += so) {
      const k = idd[ii]!;
      checkId('gatherAxis', k, size);
      fn(ix + k * x.strides[axis]!, k, io);
    }
  }
}

export function gatherAxis(x: View, axis: number, idx: View, out: View): void {
  const xd = x.data;
  const od = out.data;
  forEachIndexed(x, axis, idx, out, (xo, _k, oo) => {
    od[oo] = xd[xo]!;
  });
}

export function scatterAddAxis(src: View, axis: number, idx: View, out: View): void {
  const sd = src.data;
  const od = out.data;
  forEachIndexed(out, axis, idx, src, (oo, _k, so) => {
    od[oo] += sd[so]!;
  });
}
