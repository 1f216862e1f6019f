/**
 * Conformance cases: elementwise ops, copy / fill, reductions.
 */
import assert from 'node:assert/strict';
import type { ActivationOp, BinaryOp, ReduceOp, UnaryOp } from './backend.js';
import type { DType } from '../tensor/dtype.js';
import type { Case } from './conformance.js';
import { assertClose, clone, count, makeOut, makeView, randShape, read, type Rng } from './conformance-util.js';

const UNARY: UnaryOp[] = ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'recip', 'square', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'silu', 'geluTanh', 'geluErf'];
const POSITIVE = new Set<UnaryOp>(['log', 'sqrt', 'rsqrt', 'recip']);
const ACTIVATIONS: ActivationOp[] = ['tanh', 'sigmoid', 'relu', 'silu', 'geluTanh', 'geluErf'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const REDUCE: ReduceOp[] = ['sum', 'max', 'min', 'prod'];

/** Values on a coarse grid, so comparisons and ties actually happen. */
const grid = (r: Rng) => r.int(-4, 4) / 2;

/** Same shape on both sides; large enough sometimes to cross the threading thresholds. */
function elemShape(rng: Rng): number[] {
  return rng.chance(0.15) ? [rng.int(1, 3), rng.int(20000, 40000)] : randShape(rng, 0, 4, 9);
}

export const elementwiseCases: Record<string, Case> = {
  unary(be, ref, rng) {
    const op = rng.pick(UNARY);
    const shape = elemShape(rng);
    const gen = POSITIVE.has(op) ? (r: Rng) => r.uniform(0.05, 4) : (r: Rng) => r.uniform(-6, 6);
    const x = makeView(rng, 'f32', shape, { gen });
    const a = makeOut(rng, 'f32', shape);
    const b = makeOut(rng, 'f32', shape);
    be.unary(op, x, a);
    ref.unary(op, x, b);
    assertClose(a, b, { rtol: 2e-5, atol: 1e-6 }, `unary ${op}`);
  },

  unaryGrad(be, ref, rng) {
    const op = rng.pick(ACTIVATIONS);
    const shape = elemShape(rng);
    const x = makeView(rng, 'f32', shape, { gen: (r) => r.uniform(-6, 6) });
    const g = makeView(rng, 'f32', shape, { broadcast: true });
    const a = makeOut(rng, 'f32', shape);
    const b = makeOut(rng, 'f32', shape);
    be.unaryGrad(op, x, g, a);
    ref.unaryGrad(op, x, g, b);
    assertClose(a, b, { rtol: 3e-5, atol: 2e-6 }, `unaryGrad ${op}`);
  },

  binary(be, ref, rng) {
    const op = rng.pick(BINARY);
    const shape = elemShape(rng);
    const pos = op === 'pow' || op === 'div';
    const gen = pos ? (r: Rng) => r.uniform(0.25, 3) : grid;
    const x = makeView(rng, 'f32', shape, { broadcast: true, gen });
    const y = makeView(rng, 'f32', shape, { broadcast: true, gen: op === 'pow' ? (r) => r.uniform(-2, 2) : gen });
    // A NaN now and then: max/min must propagate it like the reference.
    if ((op === 'max' || op === 'min') && rng.chance(0.3)) x.data[x.offset] = NaN;
    const a = makeOut(rng, 'f32', shape);
    const b = makeOut(rng, 'f32', shape);
    be.binary(op, x, y, a);
    ref.binary(op, x, y, b);
    assertClose(a, b, { rtol: 1e-5, atol: 1e-6 }, `binary ${op}`);
  },

  where(be, ref, rng) {
    const shape = elemShape(rng);
    const c = makeView(rng, 'f32', shape, { broadcast: true, gen: (r) => (r.chance(0.5) ? 0 : r.pick([1, -3, 0.5])) });
    const x = makeView(rng, 'f32', shape, { broadcast: true });
    const y = makeView(rng, 'f32', shape, { broadcast: true });
    const a = makeOut(rng, 'f32', shape);
    const b = makeOut(rng, 'f32', shape);
    be.where(c, x, y, a);
    ref.where(c, x, y, b);
    assertClose(a, b, { rtol: 0, atol: 0 }, 'where');
  },

  copy(be, ref, rng) {
    const pairs: [DType, DType][] = [
      ['f32', 'f32'], ['f32', 'f16'], ['f16', 'f32'], ['f32', 'bf16'], ['bf16', 'f32'], ['f32', 'i32'], ['i32', 'f32'],
      ['f32', 'f64'], ['f64', 'f32'], ['i32', 'i32'], ['f16', 'f16'], ['f32', 'u8'],
    ];
    const [st, dt] = rng.pick(pairs);
    const shape = elemShape(rng);
    const gen = st === 'i32' ? (r: Rng) => r.int(-100000, 100000) : dt === 'u8' ? (r: Rng) => r.uniform(-300, 300) : (r: Rng) => r.uniform(-70000, 70000) / r.pick([1, 1000, 1e6]);
    const src = makeView(rng, st, shape, { gen });
    // The destination may be strided too: copy is how views become contiguous, and also how they are written into.
    const a = rng.chance(0.5) ? makeView(rng, dt, shape) : makeOut(rng, dt, shape);
    const b = clone(a);
    be.copy(src, a);
    ref.copy(src, b);
    assertClose(read(a), read(b), { rtol: 0, atol: 0 }, `copy ${st} -> ${dt}`);
  },

  fill(be, ref, rng) {
    const dt = rng.pick<DType>(['f32', 'f16', 'bf16', 'i32', 'f64']);
    const shape = elemShape(rng);
    const a = makeView(rng, dt, shape);
    const b = clone(a);
    const value = rng.pick([0, 1, -2.5, 1e-3, 3.14159, 65504, -Infinity]);
    be.fill(a, value);
    ref.fill(b, value);
    assert.deepEqual(Array.from(a.data), Array.from(b.data), `fill ${dt}`);
  },

  reduce(be, ref, rng) {
    const op = rng.pick(REDUCE);
    const shape = rng.chance(0.15) ? [rng.int(1, 64), rng.int(500, 3000)] : randShape(rng, 1, 4, 8);
    const axes = shape.map((_, i) => i).filter(() => rng.chance(0.5));
    if (axes.length === 0) axes.push(rng.int(0, shape.length - 1));
    const gen = op === 'prod' ? (r: Rng) => r.uniform(0.8, 1.25) : (r: Rng) => r.uniform(-2, 2);
    const x = makeView(rng, 'f32', shape, { gen });
    if (op !== 'sum' && rng.chance(0.2)) x.data[x.offset] = NaN;
    const oshape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const a = makeOut(rng, 'f32', oshape);
    const b = makeOut(rng, 'f32', oshape);
    be.reduce(op, x, axes, a);
    ref.reduce(op, x, axes, b);
    assertClose(a, b, { rtol: 1e-5, atol: 1e-5 }, `reduce ${op} over [${axes}] of [${shape}]`);
  },

  argReduce(be, ref, rng) {
    const op = rng.pick(['argmax', 'argmin'] as const);
    const shape = randShape(rng, 1, 4, 9);
    const axis = rng.int(0, shape.length - 1);
    const x = makeView(rng, 'f32', shape, { gen: grid });
    if (rng.chance(0.2)) x.data[x.offset] = NaN;
    const oshape = shape.map((d, i) => (i === axis ? 1 : d));
    const a = makeOut(rng, 'i32', oshape);
    const b = makeOut(rng, 'i32', oshape);
    be.argReduce(op, x, axis, a);
    ref.argReduce(op, x, axis, b);
    assert.deepEqual(read(a), read(b), op);
  },

  cumsum(be, ref, rng) {
    const shape = randShape(rng, 1, 4, 9);
    const axis = rng.int(0, shape.length - 1);
    const reverse = rng.chance(0.5);
    const x = makeView(rng, 'f32', shape);
    const a = makeOut(rng, 'f32', shape);
    const b = makeOut(rng, 'f32', shape);
    be.cumsum(x, axis, reverse, a);
    ref.cumsum(x, axis, reverse, b);
    assertClose(a, b, { rtol: 1e-5, atol: 1e-5 }, 'cumsum');
  },

  topk(be, ref, rng) {
    const shape = randShape(rng, 1, 3, 12);
    const n = shape[shape.length - 1]!;
    const k = rng.int(0, n);
    const x = makeView(rng, 'f32', shape, { gen: rng.chance(0.5) ? grid : (r) => r.uniform(-1, 1) });
    const oshape = [count(shape) / n, k];
    const [va, ia, vb, ib] = [makeOut(rng, 'f32', oshape), makeOut(rng, 'i32', oshape), makeOut(rng, 'f32', oshape), makeOut(rng, 'i32', oshape)];
    be.topk(x, k, va, ia);
    ref.topk(x, k, vb, ib);
    assertClose(va, vb, { rtol: 0, atol: 0 }, 'topk values');
    assert.deepEqual(read(ia), read(ib), 'topk indices');
  },

  sumSquares(be, ref, rng) {
    const x = makeView(rng, 'f32', elemShape(rng));
    const a = be.sumSquares(x);
    const b = ref.sumSquares(x);
    assertClose([a], [b], { rtol: 1e-9, atol: 1e-9 }, 'sumSquares');
  },
};
