/**
 * Reductions (sum, mean, max, min, logsumexp), arg-reductions, cumulative
 * sum and top-k, each with its vjp.
 */
import type { ReduceOp } from '../../backends/backend.js';
import { InvalidArgumentError } from '../../errors.js';
import { defineOp } from '../autograd.js';
import { normAxes, normAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat } from './elementwise.js';

interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceKernel(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  checkFloat(op, x);
  const kept = keptShape(x.shape, axes);
  const out = x.rt.empty(kept, x.dtype);
  if (x.numel === 0 && (op === 'max' || op === 'min')) {
    throw new InvalidArgumentError(op, 'tensor', 'cannot reduce an empty tensor with max/min');
  }
  x.rt.backend.reduce(op, x, axes, out);
  if (keepDims) return out;
  const squeezed = kept.filter((_, i) => !axes.includes(i));
  const r = out.reshape(...squeezed);
  out.dispose();
  return r;
}

/** g (reduced, with or without kept dims) broadcast back to `shape`. */
function expandBack(g: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  const kept = keptShape(shape, axes);
  const gk = shapesEqual(g.shape, kept) ? g : g.reshape(...kept);
  return gk.expand(...shape);
}

const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: ([x], a) => reduceKernel('sum', x!, a.axes, a.keepDims),
  vjp: (g, { inputs: [x], attrs }) => [expandBack(g, x!.shape, attrs.axes)],
});

function extremumOp(op: 'max' | 'min') {
  return defineOp<ReduceAttrs>({
    name: op,
    forward: ([x], a) => reduceKernel(op, x!, a.axes, a.keepDims),
    // The gradient goes to every position that attains the extremum, split evenly among ties.
    vjp: (g, { inputs: [x], out, attrs }) => {
      const y = expandBack(out, x!.shape, attrs.axes);
      const hit = x!.eq(y);
      const count = reduceKernel('sum', hit, attrs.axes, true);
      return [hit.div(count).mul(expandBack(g, x!.shape, attrs.axes))];
    },
  });
}
const maxOp = extremumOp('max');
const minOp = extremumOp('min');

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return sumOp([x], { axes: normAxes('sum', axes, x.ndim), keepDims });
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('mean', axes, x.ndim);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  return sumOp([x], { axes: ax, keepDims }).div(n);
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return maxOp([x], { axes: normAxes('max', axes, x.ndim), keepDims });
}

export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return minOp([x], { axes: normAxes('min', axes, x.ndim), keepDims });
}

/** Variance over axes (population by default; `correction` 1 for the sample variance). */
export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false, correction = 0): Tensor {
  const ax = normAxes('variance', axes, x.ndim);
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1);
  const d = x.sub(mean(x, ax, true));
  return sum(d.square(), ax, keepDims).div(n - correction);
}

/** log(sum(exp(x))) over axes, computed stably by subtracting the max. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('logsumexp', axes, x.ndim);
  const m = x.rt.noGrad(() => reduceKernel('max', x, ax, true));
  const r = sum(x.sub(m).exp(), ax, true).log().add(m);
  return keepDims ? r : r.reshape(...x.shape.filter((_, i) => !ax.includes(i)));
}

function argKernel(op: 'argmax' | 'argmin', x: Tensor, axis: number, keepDims: boolean): Tensor {
  const a = normAxis(op, axis, x.ndim);
  const kept = keptShape(x.shape, [a]);
  const out = x.rt.empty(kept, 'i32');
  if (x.shape[a] === 0) throw new InvalidArgumentError(op, 'axis', `dimension ${axis} is empty`);
  x.rt.backend.argReduce(op, x, a, out);
  if (keepDims) return out;
  const r = out.reshape(...x.shape.filter((_, i) => i !== a));
  out.dispose();
  return r;
}

/** Index of the largest element along `axis` (i32, first on ties). */
export const argmax = (x: Tensor, axis = -1, keepDims = false) => argKernel('argmax', x, axis, keepDims);
export const argmin = (x: Tensor, axis = -1, keepDims = false) => argKernel('argmin', x, axis, keepDims);

interface CumsumAttrs {
  readonly axis: number;
  readonly reverse: boolean;
}

const cumsumOp = defineOp<CumsumAttrs>({
  name: 'cumsum',
  forward: ([x], a) => {
    checkFloat('cumsum', x!);
    const out = x!.rt.empty(x!.shape, x!.dtype);
    x!.rt.backend.cumsum(x!, a.axis, a.reverse, out);
    return out;
  },
  // The gradient of an inclusive prefix sum is the suffix sum of the gradient.
  vjp: (g, { attrs }) => [cumsum(g, attrs.axis, !attrs.reverse)],
});

export function cumsum(x: Tensor, axis = -1, reverse = false): Tensor {
  return cumsumOp([x], { axis: normAxis('cumsum', axis, x.ndim), reverse });
}

/** The k largest values along the last axis (sorted descending) and their i32 indices. Values carry gradients via gather. */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const n = x.shape[x.ndim - 1] ?? 1;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new InvalidArgumentError('topk', 'k', `${k} must be an integer in [0, ${n}]`);
  const shape = [...x.shape.slice(0, -1), k];
  const indices = x.rt.empty(shape, 'i32');
  const raw = x.rt.empty(shape, x.dtype);
  x.rt.backend.topk(x, k, raw, indices);
  if (!(x.rt.gradEnabled && x.requiresGrad)) return { values: raw, indices };
  raw.dispose();
  return { values: x.gather(-1, indices), indices };
}

/** Sums g over the dims that broadcasting added or stretched, giving a tensor of `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? reduceKernel('sum', g, axes, true) : g;
  const r = s.reshape(...shape);
  if (s !== g) s.dispose();
  return r;
}
