/**
 * Movement ops. reshape, permute, slice, expand, squeeze and unsqueeze are
 * views (no copy, no backend call) whenever the memory layout allows; the
 * others (contiguous, clone, cast, concat, gather) copy through the backend.
 */
import { InvalidArgumentError, ShapeError, DTypeError, IndexRangeError } from '../../errors.js';
import { defineOp } from '../autograd.js';
import { allocArray, isQuantized, type DType } from '../dtype.js';
import { contiguousStrides, inferShape, normAxis, reshapeStrides, shapesEqual, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';

// ---- copies ----

function copyKernel(x: Tensor, dtype: DType = x.dtype): Tensor {
  const outDtype = isQuantized(dtype) ? 'f32' : dtype;
  const out = x.rt.empty(x.shape, outDtype);
  if (isQuantized(x.dtype) && !x.isContiguous) throw new InvalidArgumentError('copy', 'tensor', 'quantized tensors must be contiguous');
  x.rt.backend.copy(x, out);
  return out;
}

const cloneOp = defineOp<undefined>({
  name: 'clone',
  forward: ([x]) => copyKernel(x!),
  vjp: (g) => [g],
});

/** A contiguous copy that owns its memory. */
export const clone = (x: Tensor): Tensor => cloneOp([x], undefined);

/** x itself if already contiguous (as a new handle), else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous) return viewAs(x, x.shape);
  return clone(x);
}

const castOp = defineOp<{ dtype: DType }>({
  name: 'cast',
  forward: ([x], a) => copyKernel(x!, a.dtype),
  vjp: (g, { inputs: [x] }) => [g.dtype === x!.dtype ? g : copyKernel(g, x!.dtype)],
});

/** Converts to another dtype (f16/bf16/quantized read as f32; f32 <-> f64 differentiable). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (isQuantized(dtype)) throw new DTypeError('cast', 'a non-quantized dtype (quantize with the quant module)', dtype);
  if (dtype === x.dtype) return viewAs(x, x.shape);
  return castOp([x], { dtype });
}

/** A contiguous typed array of the elements (f16/bf16/quantized read out as f32). */
export function toArray(x: Tensor): Float32Array | Float64Array | Int32Array | Uint8Array {
  x.assertAlive('toArray');
  const dt: DType = x.dtype === 'f64' || x.dtype === 'i32' || x.dtype === 'u8' ? x.dtype : 'f32';
  const data = allocArray(dt, x.numel);
  const out = x.rt.untrack(x.rt.fromArray(data, x.shape, dt));
  x.rt.backend.copy(x, out);
  out.dispose();
  return data as Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** Copies src (broadcast to dst's shape, converting dtype) into dst's memory. No autograd. */
export function copyInto(src: Tensor, dst: Tensor): void {
  src.assertAlive('copyFrom');
  dst.assertAlive('copyFrom');
  const sv = shapesEqual(src.shape, dst.shape) ? src : src.view(dst.shape, broadcastStrides('copyFrom', src.shape, src.strides, dst.shape), src.offset);
  dst.rt.backend.copy(sv, dst);
  if (sv !== src) sv.dispose();
}

export function fillInPlace(t: Tensor, value: number): void {
  t.assertAlive('fill');
  t.rt.backend.fill(t, value);
}

// ---- views ----

function viewAs(x: Tensor, shape: readonly number[]): Tensor {
  return viewOp([x], { shape });
}

const viewOp = defineOp<{ shape: readonly number[] }>({
  name: 'reshape',
  forward: ([x], { shape }) => {
    const strides = reshapeStrides(x!.shape, x!.strides, shape);
    if (strides) return x!.view(shape, strides, x!.offset);
    const c = copyKernel(x!);
    const v = c.view(shape, contiguousStrides(shape), 0);
    c.dispose();
    return v;
  },
  vjp: (g, { inputs: [x] }) => [g.reshape(...x!.shape)],
});

/** Same elements in a new shape (one dim may be -1). A view when the layout allows, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return viewAs(x, inferShape('reshape', x.shape, shape));
}

const permuteOp = defineOp<{ axes: readonly number[] }>({
  name: 'permute',
  forward: ([x], { axes }) =>
    x!.view(
      axes.map((a) => x!.shape[a]!),
      axes.map((a) => x!.strides[a]!),
      x!.offset,
    ),
  vjp: (g, { attrs: { axes } }) => {
    const inv = new Array<number>(axes.length);
    axes.forEach((a, i) => (inv[a] = i));
    return [g.permute(...inv)];
  },
});

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  if (axes.length !== x.ndim) throw new InvalidArgumentError('permute', 'axes', `expected ${x.ndim} axes, got ${axes.length}`);
  const norm = axes.map((a) => normAxis('permute', a, x.ndim));
  if (new Set(norm).size !== norm.length) throw new InvalidArgumentError('permute', 'axes', `[${axes}] repeats an axis`);
  return permuteOp([x], { axes: norm });
}

export function transpose(x: Tensor, a: number, b: number): Tensor {
  const axes = x.shape.map((_, i) => i);
  const i = normAxis('transpose', a, x.ndim);
  const j = normAxis('transpose', b, x.ndim);
  axes[i] = j;
  axes[j] = i;
  return permuteOp([x], { axes });
}

interface SliceAttrs {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}

const sliceOp = defineOp<SliceAttrs>({
  name: 'slice',
  forward: ([x], { axis, start, end }) => {
    const shape = [...x!.shape];
    shape[axis] = end - start;
    return x!.view(shape, x!.strides, x!.offset + start * x!.strides[axis]!);
  },
  // Scatter the gradient into zeros of the input's shape.
  vjp: (g, { inputs: [x], attrs: { axis, start, end } }) => {
    const full = g.rt.zeros(x!.shape, { dtype: g.dtype });
    const region = full.slice(axis, start, end);
    g.rt.backend.copy(g, region);
    region.dispose();
    return [full];
  },
});

/** Elements [start, end) along `axis` (negative indices count from the end). A view. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const a = normAxis('slice', axis, x.ndim);
  const n = x.shape[a]!;
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > n || s > e) {
    throw new IndexRangeError('slice', start, n, `range [${start}, ${end ?? n})`);
  }
  return sliceOp([x], { axis: a, start: s, end: e });
}

const expandOp = defineOp<{ shape: readonly number[] }>({
  name: 'expand',
  forward: ([x], { shape }) => x!.view(shape, broadcastStrides('expand', x!.shape, x!.strides, shape), x!.offset),
  vjp: (g, { inputs: [x] }) => [sumToShape(g, x!.shape)],
});

/** Broadcasts to `shape` without copying (-1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead]! : d));
  if (shapesEqual(target, x.shape)) return viewAs(x, x.shape);
  return expandOp([x], { shape: target });
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return viewAs(x, x.shape.filter((d) => d !== 1));
  const a = normAxis('squeeze', axis, x.ndim);
  if (x.shape[a] !== 1) throw new ShapeError('squeeze', [x.shape], `axis ${axis} has size ${x.shape[a]}, not 1`);
  return viewAs(x, x.shape.filter((_, i) => i !== a));
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return viewAs(x, shape);
}

/** Merges dims [start, end] into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.ndim === 0) return viewAs(x, [1]);
  const s = normAxis('flatten', start, x.ndim);
  const e = normAxis('flatten', end, x.ndim);
  const merged = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return viewAs(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

// ---- joining and indexing ----

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  forward: (xs, { axis }) => {
    const first = xs[0]!;
    const shape = [...first.shape];
    shape[axis] = xs.reduce((s, t) => s + t.shape[axis]!, 0);
    const out = first.rt.empty(shape, first.dtype);
    let at = 0;
    for (const t of xs) {
      const region = out.view(t.shape, out.strides, out.offset + at * out.strides[axis]!);
      first.rt.backend.copy(t, region);
      region.dispose();
      at += t.shape[axis]!;
    }
    return out;
  },
  vjp: (g, { inputs, attrs: { axis } }) => {
    let at = 0;
    return inputs.map((t) => {
      const s = g.slice(axis, at, at + t.shape[axis]!);
      at += t.shape[axis]!;
      return s;
    });
  },
});

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new InvalidArgumentError('concat', 'tensors', 'needs at least one tensor');
  const a = normAxis('concat', axis, xs[0]!.ndim);
  for (const t of xs) {
    if (t.dtype !== xs[0]!.dtype) throw new DTypeError('concat', xs[0]!.dtype, t.dtype);
    if (t.ndim !== xs[0]!.ndim || t.shape.some((d, i) => i !== a && d !== xs[0]!.shape[i])) {
      throw new ShapeError('concat', xs.map((x) => x.shape), `shapes must match except along axis ${axis}`);
    }
  }
  return concatOp(xs, { axis: a });
}

/** Joins tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new InvalidArgumentError('stack', 'tensors', 'needs at least one tensor');
  const a = normAxis('stack', axis, xs[0]!.ndim + 1);
  return concat(
    xs.map((t) => unsqueeze(t, a)),
    a,
  );
}

/** Splits along `axis` into pieces of the given sizes (or equal pieces of size `sizes`). Views. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normAxis('split', axis, x.ndim);
  const n = x.shape[a]!;
  const list = typeof sizes === 'number' ? Array.from({ length: Math.ceil(n / sizes) }, (_, i) => Math.min(sizes, n - i * sizes)) : sizes;
  if (list.reduce((p, s) => p + s, 0) !== n) throw new ShapeError('split', [x.shape], `sizes [${list}] do not add up to ${n}`);
  let at = 0;
  return list.map((s) => {
    const piece = slice(x, a, at, at + s);
    at += s;
    return piece;
  });
}

const gatherAxisOp = defineOp<{ axis: number }>({
  name: 'gather',
  forward: ([x, idx], { axis }) => {
    const out = x!.rt.empty(idx!.shape, x!.dtype);
    x!.rt.backend.gatherAxis(x!, axis, idx!, out);
    return out;
  },
  vjp: (g, { inputs: [x, idx], attrs: { axis } }) => {
    const gx = g.rt.zeros(x!.shape, { dtype: g.dtype });
    g.rt.backend.scatterAddAxis(g, axis, idx!, gx);
    return [gx, null];
  },
});

/** torch.gather: out[i][j] = x[i][idx[i][j]] along `axis` (idx i32, same rank as x). */
export function gather(x: Tensor, axis: number, idx: Tensor): Tensor {
  const a = normAxis('gather', axis, x.ndim);
  if (idx.dtype !== 'i32') throw new DTypeError('gather', 'i32 indices', idx.dtype);
  if (idx.ndim !== x.ndim) throw new ShapeError('gather', [x.shape, idx.shape], 'index must have the same rank as the input');
  for (let i = 0; i < x.ndim; i++) {
    if (i !== a && idx.shape[i]! > x.shape[i]!) throw new ShapeError('gather', [x.shape, idx.shape], `index dim ${i} exceeds the input's`);
  }
  return gatherAxisOp([x, idx], { axis: a });
}
