/**
 * Helpers of the backend conformance suite: a seeded generator, random views
 * with random layouts (permuted dims, padded rows, offsets, broadcast stride-0
 * dims), reading views back in logical order, and tolerant comparison.
 */
import assert from 'node:assert/strict';
import type { View } from './backend.js';
import { allocArray, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, type DType } from '../tensor/dtype.js';

/** mulberry32: small, fast, good enough to drive test inputs from one seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

export function randShape(rng: Rng, minRank: number, maxRank: number, maxDim: number): number[] {
  const r = rng.int(minRank, maxRank);
  return Array.from({ length: r }, () => rng.int(1, maxDim));
}

export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

function encode(dtype: DType, v: number): number {
  if (dtype === 'f16') return f32ToF16(v);
  if (dtype === 'bf16') return f32ToBf16(v);
  if (dtype === 'i32') return Math.trunc(v);
  return v;
}

function decode(dtype: DType, v: number): number {
  if (dtype === 'f16') return f16ToF32(v);
  if (dtype === 'bf16') return bf16ToF32(v);
  return v;
}

export interface ViewOptions {
  /** Random layout: permuted storage order, padding between rows, an offset (default true). */
  readonly layout?: boolean;
  /** Dims that may become stride 0 (broadcast inputs). */
  readonly broadcast?: boolean;
  /** Value generator (default uniform in [-2, 2]). */
  readonly gen?: (rng: Rng) => number;
  /** Keep the last dim at stride 1 (kernels that require it). */
  readonly unitLast?: boolean;
}

/** A view of `shape` over fresh random storage with a random layout. */
export function makeView(rng: Rng, dtype: DType, shape: readonly number[], o: ViewOptions = {}): View & { strides: number[] } {
  const nd = shape.length;
  const layout = o.layout ?? true;
  const perm = shape.map((_, i) => i);
  if (layout && rng.chance(0.35)) {
    rng.shuffle(perm);
    if (o.unitLast) {
      const at = perm.indexOf(nd - 1);
      [perm[at], perm[nd - 1]] = [perm[nd - 1]!, perm[at]!];
    }
  }
  const ext = perm.map((d) => shape[d]! + (layout && rng.chance(0.25) && !(o.unitLast && d === nd - 1) ? rng.int(1, 2) : 0));
  const cs = contiguous(ext);
  const strides = shape.map((_, d) => cs[perm.indexOf(d)]!);
  if (o.broadcast) for (let d = 0; d < nd; d++) if (rng.chance(0.25)) strides[d] = 0;
  const offset = layout ? rng.int(0, 3) : 0;
  const length = offset + count(ext) + 1;
  const data = allocArray(dtype, length);
  const gen = o.gen ?? ((r: Rng) => r.uniform(-2, 2));
  for (let i = 0; i < length; i++) data[i] = encode(dtype, gen(rng));
  return { data, dtype, shape: [...shape], strides, offset };
}

/** A contiguous output view (random offset into a slightly larger buffer), filled with a sentinel. */
export function makeOut(rng: Rng, dtype: DType, shape: readonly number[], fillValue = NaN): View {
  const offset = rng.int(0, 2);
  const data = allocArray(dtype, offset + count(shape) + 1);
  data.fill(dtype === 'i32' || dtype === 'u8' ? -7 : fillValue);
  return { data, dtype, shape: [...shape], strides: contiguous(shape), offset };
}

/** A deep copy (same layout, own storage). */
export function clone(v: View): View {
  return { ...v, data: v.data.slice() };
}

/** The view's elements in row-major logical order, decoded to numbers. */
export function read(v: View): number[] {
  const out: number[] = [];
  const nd = v.shape.length;
  const n = count(v.shape);
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let off = v.offset;
    for (let d = 0; d < nd; d++) off += idx[d]! * v.strides[d]!;
    out.push(decode(v.dtype, v.data[off]!));
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < v.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

export interface Tol {
  readonly rtol: number;
  readonly atol: number;
}

export const TOL: Tol = { rtol: 2e-5, atol: 2e-6 };

/** Asserts got and want agree elementwise: equal (NaN matches NaN, inf matches inf) or within atol + rtol |want|. */
export function assertClose(got: View | number[], want: View | number[], tol: Tol, what: string): void {
  const g = Array.isArray(got) ? got : read(got);
  const w = Array.isArray(want) ? want : read(want);
  assert.equal(g.length, w.length, `${what}: length`);
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    if (Object.is(a, b) || a === b) continue;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    const err = Math.abs(a - b);
    if (!(err <= tol.atol + tol.rtol * Math.abs(b))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${b} (|diff| ${err.toExponential(2)})`);
    }
  }
}

/** Storage of the values of `v` laid out contiguously (for building references). */
export function dense(v: View): View {
  const vals = read(v);
  const data = allocArray(v.dtype, vals.length);
  for (let i = 0; i < vals.length; i++) data[i] = encode(v.dtype, vals[i]!);
  return { data, dtype: v.dtype, shape: [...v.shape], strides: contiguous(v.shape), offset: 0 };
}
