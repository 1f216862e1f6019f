/**
 * Walking strided views row by row: the one piece of index arithmetic every
 * js kernel shares. A "row" is a run along the last axis; for each row we
 * precompute where it starts in every view, so kernels keep a plain inner loop.
 */
import type { View } from '../backend.js';

export interface RowPlan {
  /** Number of rows (product of all dims but the last). */
  readonly rows: number;
  /** Row length (the last dim; 1 for 0-d). */
  readonly n: number;
  /** starts[v][r]: element offset where row r begins in view v. */
  readonly starts: Int32Array[] | Float64Array[];
  /** Stride along the last axis of each view. */
  readonly inner: number[];
}

/**
 * Plans the rows of `shape` for views given as (strides, offset), all of the
 * same shape. With `collapse` (elementwise kernels, where rows mean nothing)
 * a tensor that every view lays out densely becomes one row, so contiguous
 * data runs a single flat loop; row-wise kernels (softmax, norms, scans) keep
 * one row per last-axis run.
 */
export function planRows(
  shape: readonly number[],
  views: readonly { strides: readonly number[]; offset: number }[],
  collapse = false,
): RowPlan {
  const nd = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (nd === 0) {
    return { rows: 1, n: 1, starts: views.map((v) => Float64Array.of(v.offset)), inner: views.map(() => 0) };
  }
  if (collapse && views.every((v) => dense(shape, v.strides))) {
    return { rows: total === 0 ? 0 : 1, n: total, starts: views.map((v) => Float64Array.of(v.offset)), inner: views.map(() => 1) };
  }
  const n = shape[nd - 1]!;
  const rows = n === 0 ? 0 : total / n;
  const starts = views.map(() => new Float64Array(rows));
  const idx = new Array<number>(nd - 1).fill(0);
  const cur = views.map((v) => v.offset);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < views.length; k++) starts[k]![r] = cur[k]!;
    // Advance the odometer over the leading dims.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < views.length; k++) cur[k]! += views[k]!.strides[d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < views.length; k++) cur[k]! -= views[k]!.strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return { rows, n, starts, inner: views.map((v) => v.strides[nd - 1]!) };
}

function dense(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

/** Element offsets of every element of a view in row-major order (small views: tests, indexing). */
export function offsetsOf(v: View): Float64Array {
  const plan = planRows(v.shape, [v]);
  const out = new Float64Array(plan.rows * plan.n);
  const st = plan.starts[0]!;
  const s = plan.inner[0]!;
  for (let r = 0, o = 0; r < plan.rows; r++) {
    const base = st[r]!;
    for (let j = 0; j < plan.n; j++) out[o++] = base + j * s;
  }
  return out;
}

/** Number of elements of a shape. */
export function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
