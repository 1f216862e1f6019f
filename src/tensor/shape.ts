/**
 * Shape and stride arithmetic. Shapes are outermost-first (row-major), strides
 * are in elements, and a view is (shape, strides, offset) over a storage.
 */
import { ShapeError, InvalidArgumentError } from '../errors.js';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when (shape, strides) lays the elements out densely in row-major order. */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Numpy broadcasting of two shapes; throws ShapeError naming `op` when they don't broadcast. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, [a, b], `cannot broadcast dim ${da} against ${db} at axis ${i - n}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that view (shape, strides) as `target` by broadcasting (stride 0 on expanded dims). */
export function broadcastStrides(op: string, shape: Shape, strides: readonly number[], target: Shape): number[] {
  const n = target.length;
  if (shape.length > n) throw new ShapeError(op, [shape, target], `cannot broadcast to fewer dims`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - shape.length);
    if (j < 0) {
      out[i] = 0;
      continue;
    }
    const d = shape[j]!;
    if (d === target[i]) out[i] = d === 1 ? 0 : strides[j]!;
    else if (d === 1) out[i] = 0;
    else throw new ShapeError(op, [shape, target], `cannot broadcast dim ${d} to ${target[i]} at axis ${i - n}`);
  }
  return out;
}

/** Resolves a possibly negative axis against `ndim`. */
export function normAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= ndim) {
    throw new InvalidArgumentError(op, 'axis', `${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return a;
}

/** Resolves a list of axes (or all axes when undefined), sorted and deduplicated. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const set = new Set(list.map((a) => normAxis(op, a, ndim)));
  return [...set].sort((x, y) => x - y);
}

/**
 * Strides for viewing a (shape, strides) tensor as `newShape` without copying,
 * or null when the memory layout does not allow it (then reshape must copy).
 * This follows the usual rule: each group of merged/split dims must be
 * contiguous among itself.
 */
export function reshapeStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (isContiguous(shape, strides)) return contiguousStrides(newShape);
  // Drop size-1 dims, then match groups.
  const oldDims: number[] = [];
  const oldStrides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] !== 1) {
      oldDims.push(shape[i]!);
      oldStrides.push(strides[i]!);
    }
  }
  const out = new Array<number>(newShape.length).fill(0);
  let oi = 0;
  let ni = 0;
  while (ni < newShape.length) {
    if (newShape[ni] === 1) {
      out[ni] = 1;
      ni++;
      continue;
    }
    if (oi >= oldDims.length) return null;
    // Take old dims [oi, oj) and new dims [ni, nj) with equal products.
    let oj = oi + 1;
    let nj = ni + 1;
    let po = oldDims[oi]!;
    let pn = newShape[ni]!;
    while (po !== pn) {
      if (po < pn) {
        if (oj >= oldDims.length) return null;
        po *= oldDims[oj++]!;
      } else {
        if (nj >= newShape.length) return null;
        pn *= newShape[nj++]!;
      }
    }
    // The old group must be contiguous among itself.
    for (let k = oi; k < oj - 1; k++) if (oldStrides[k] !== oldStrides[k + 1]! * oldDims[k + 1]!) return null;
    let s = oldStrides[oj - 1]!;
    for (let k = nj - 1; k >= ni; k--) {
      out[k] = s;
      s *= newShape[k]!;
    }
    oi = oj;
    ni = nj;
  }
  if (oi !== oldDims.length) return null;
  return out;
}

/** Resolves one -1 in a requested shape against `total` elements. */
export function inferShape(op: string, shape: Shape, requested: readonly number[]): number[] {
  const total = numel(shape);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < requested.length; i++) {
    const d = requested[i]!;
    if (d === -1) {
      if (infer >= 0) throw new InvalidArgumentError(op, 'shape', 'only one dimension can be -1');
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(op, 'shape', `dimension ${d} is not a non-negative integer`);
    } else known *= d;
  }
  const out = [...requested];
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) throw new ShapeError(op, [shape, requested], `cannot infer -1: ${total} elements`);
    out[infer] = total / known;
  }
  if (numel(out) !== total) throw new ShapeError(op, [shape, requested], `${total} elements cannot be viewed as ${numel(out)}`);
  return out;
}
