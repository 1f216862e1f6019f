/**
 * Reductions of the js reference backend. Sums accumulate in double.
 */
import type { ReduceOp, View } from '../backend.js';
import { contiguousStrides } from '../../tensor/shape.js';
import { planRows } from './strided.js';

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/** `out` viewed with x's shape: reduced dims get stride 0, so each x element lands on its output slot. */
function outAsInput(x: View, axes: readonly number[], out: View): { strides: number[]; offset: number } {
  const s = contiguousStrides(out.shape);
  return { strides: x.shape.map((_, d) => (axes.includes(d) ? 0 : s[d]!)), offset: 0 };
}

export function reduce(op: ReduceOp, x: View, axes: readonly number[], out: View): void {
  const n = out.data.length === 0 ? 0 : countOf(out.shape);
  const acc = new Float64Array(n).fill(INIT[op]);
  const ov = outAsInput(x, axes, out);
  const p = planRows(x.shape, [x, ov], true);
  const xd = x.data;
  const [sx, so] = p.inner as [number, number];
  for (let r = 0; r < p.rows; r++) {
    let ix = p.starts[0]![r]!;
    let io = p.starts[1]![r]!;
    switch (op) {
      case 'sum':
        for (let j = 0; j < p.n; j++, ix += sx, io += so) acc[io] += xd[ix]!;
        break;
      case 'prod':
        for (let j = 0; j < p.n; j++, ix += sx, io += so) acc[io] *= xd[ix]!;
        break;
      case 'max':
        for (let j = 0; j < p.n; j++, ix += sx, io += so) {
          const v = xd[ix]!;
          if (v > acc[io]! || Number.isNaN(v)) acc[io] = v;
        }
        break;
      case 'min':
        for (let j = 0; j < p.n; j++, ix += sx, io += so) {
          const v = xd[ix]!;
          if (v < acc[io]! || Number.isNaN(v)) acc[io] = v;
        }
        break;
    }
  }
  const od = out.data;
  for (let i = 0; i < n; i++) od[out.offset + i] = acc[i]!;
}

/** x's view with `axis` moved last, so each row is one scan along the axis. */
function axisLast(v: { shape: readonly number[]; strides: readonly number[]; offset: number }, axis: number) {
  const order = v.shape.map((_, i) => i).filter((i) => i !== axis);
  order.push(axis);
  return { shape: order.map((i) => v.shape[i]!), strides: order.map((i) => v.strides[i]!), offset: v.offset };
}

export function argReduce(op: 'argmax' | 'argmin', x: View, axis: number, out: View): void {
  const xv = axisLast(x, axis);
  const p = planRows(xv.shape, [xv]);
  const xd = x.data;
  const od = out.data;
  const s = p.inner[0]!;
  const better = op === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let r = 0; r < p.rows; r++) {
    let i = p.starts[0]![r]!;
    let best = xd[i]!;
    let bi = 0;
    for (let j = 1; j < p.n; j++) {
      i += s;
      const v = xd[i]!;
      if (Number.isNaN(best)) break;
      if (better(v, best) || Number.isNaN(v)) {
        best = v;
        bi = j;
      }
    }
    od[out.offset + r] = bi;
  }
}

export function cumsum(x: View, axis: number, reverse: boolean, out: View): void {
  const xv = axisLast(x, axis);
  const ov = axisLast({ shape: out.shape, strides: contiguousStrides(out.shape), offset: out.offset }, axis);
  const p = planRows(xv.shape, [xv, ov]);
  const xd = x.data;
  const od = out.data;
  const [sx, so] = p.inner as [number, number];
  for (let r = 0; r < p.rows; r++) {
    const bx = p.starts[0]![r]!;
    const bo = p.starts[1]![r]!;
    let acc = 0;
    for (let k = 0; k < p.n; k++) {
      const j = reverse ? p.n - 1 - k : k;
      acc += xd[bx + j * sx]!;
      od[bo + j * so] = acc;
    }
  }
}

export function topk(x: View, k: number, values: View, indices: View): void {
  const p = planRows(x.shape, [x]);
  const xd = x.data;
  const s = p.inner[0]!;
  const vd = values.data;
  const id = indices.data;
  const idx = Array.from({ length: p.n }, (_, i) => i);
  for (let r = 0; r < p.rows; r++) {
    const base = p.starts[0]![r]!;
    for (let i = 0; i < p.n; i++) idx[i] = i;
    // NaN sorts first (largest), ties keep the lower index: a stable descending sort.
    idx.sort((a, b) => {
      const va = xd[base + a * s]!;
      const vb = xd[base + b * s]!;
      if (Number.isNaN(va) || Number.isNaN(vb)) return Number.isNaN(va) ? (Number.isNaN(vb) ? a - b : -1) : 1;
      return vb - va || a - b;
    });
    for (let j = 0; j < k; j++) {
      vd[values.offset + r * k + j] = xd[base + idx[j]! * s]!;
      id[indices.offset + r * k + j] = idx[j]!;
    }
  }
}

export function sumSquares(x: View): number {
  const p = planRows(x.shape, [x]);
  const xd = x.data;
  const s = p.inner[0]!;
  let acc = 0;
  for (let r = 0; r < p.rows; r++) {
    let i = p.starts[0]![r]!;
    for (let j = 0; j < p.n; j++, i += s) acc += xd[i]! * xd[i]!;
  }
  return acc;
}

function countOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
