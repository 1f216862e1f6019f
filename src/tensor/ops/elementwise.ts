/**
 * Elementwise ops: unary math, activations and broadcasting binary ops, each
 * with its vjp beside the forward.
 */
import type { ActivationOp, BinaryOp, UnaryOp } from '../../backends/backend.js';
import { DTypeError, InvalidArgumentError } from '../../errors.js';
import { defineOp } from '../autograd.js';
import { broadcastShapes, broadcastStrides, shapesEqual } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sumToShape } from './reduce.js';

/** Float dtypes that ops compute in. */
export function checkFloat(op: string, t: Tensor): void {
  if (t.dtype !== 'f32' && t.dtype !== 'f64') throw new DTypeError(op, 'f32 or f64', t.dtype);
}

/** A number becomes a 0-d tensor of the other operand's dtype. */
export function lift(like: Tensor, x: TensorLike): Tensor {
  return x instanceof Tensor ? x : like.rt.scalar(x, like.dtype);
}

/** x viewed with `shape` via stride-0 broadcasting (no copy). */
export function broadcastView(op: string, x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return x.view(shape, broadcastStrides(op, x.shape, x.strides, shape), x.offset);
}

function unaryKernel(op: UnaryOp, x: Tensor): Tensor {
  checkFloat(op, x);
  const out = x.rt.empty(x.shape, x.dtype);
  x.rt.backend.unary(op, x, out);
  return out;
}

function activationGrad(op: ActivationOp, x: Tensor, g: Tensor): Tensor {
  const out = x.rt.empty(x.shape, x.dtype);
  x.rt.backend.unaryGrad(op, x, g, out);
  return out;
}

/** out = a op b with broadcasting; both operands already tensors. */
export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkFloat(op, a);
  checkFloat(op, b);
  if (a.dtype !== b.dtype) throw new DTypeError(op, a.dtype, b.dtype);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = a.rt.empty(shape, a.dtype);
  const av = broadcastView(op, a, shape);
  const bv = broadcastView(op, b, shape);
  a.rt.backend.binary(op, av, bv, out);
  if (av !== a) av.dispose();
  if (bv !== b) bv.dispose();
  return out;
}

const unaryOp = (name: UnaryOp, vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor) =>
  defineOp<undefined>({
    name,
    forward: ([x]) => unaryKernel(name, x!),
    vjp: (g, { inputs: [x], out }) => [vjp(g, x!, out)],
  });

const activation = (name: ActivationOp) =>
  defineOp<undefined>({
    name,
    forward: ([x]) => unaryKernel(name, x!),
    vjp: (g, { inputs: [x] }) => [activationGrad(name, x!, g)],
  });

const negOp = unaryOp('neg', (g) => g.neg());
const expOp = unaryOp('exp', (g, _x, y) => g.mul(y)); // d e^x = e^x
const logOp = unaryOp('log', (g, x) => g.div(x)); // d log x = 1/x
const sqrtOp = unaryOp('sqrt', (g, _x, y) => g.div(y.mul(2))); // d sqrt x = 1/(2 sqrt x)
const rsqrtOp = unaryOp('rsqrt', (g, _x, y) => g.mul(y.pow(3)).mul(-0.5)); // d x^-1/2 = -1/2 x^-3/2
const absOp = unaryOp('abs', (g, x) => g.mul(unaryKernel('sign', x)));
const squareOp = unaryOp('square', (g, x) => g.mul(x).mul(2));
const recipOp = unaryOp('recip', (g, _x, y) => g.mul(y.square()).neg()); // d 1/x = -1/x^2
const sinOp = unaryOp('sin', (g, x) => g.mul(unaryKernel('cos', x)));
const cosOp = unaryOp('cos', (g, x) => g.mul(unaryKernel('sin', x)).neg());
const tanhOp = activation('tanh');
const sigmoidOp = activation('sigmoid');
const reluOp = activation('relu');
const siluOp = activation('silu');
const geluTanhOp = activation('geluTanh');
const geluErfOp = activation('geluErf');

export const neg = (x: Tensor) => negOp([x], undefined);
export const exp = (x: Tensor) => expOp([x], undefined);
export const log = (x: Tensor) => logOp([x], undefined);
export const sqrt = (x: Tensor) => sqrtOp([x], undefined);
export const rsqrt = (x: Tensor) => rsqrtOp([x], undefined);
export const abs = (x: Tensor) => absOp([x], undefined);
export const square = (x: Tensor) => squareOp([x], undefined);
export const recip = (x: Tensor) => recipOp([x], undefined);
export const sin = (x: Tensor) => sinOp([x], undefined);
export const cos = (x: Tensor) => cosOp([x], undefined);
export const tanh = (x: Tensor) => tanhOp([x], undefined);
export const sigmoid = (x: Tensor) => sigmoidOp([x], undefined);
export const relu = (x: Tensor) => reluOp([x], undefined);
export const silu = (x: Tensor) => siluOp([x], undefined);
/** GELU; 'tanh' is GPT-2's approximation, 'none' the exact erf form. */
export const gelu = (x: Tensor, approximate: 'tanh' | 'none' = 'tanh') =>
  approximate === 'tanh' ? geluTanhOp([x], undefined) : geluErfOp([x], undefined);

const binaryOp = (
  name: BinaryOp,
  vjp: (g: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null],
) =>
  defineOp<undefined>({
    name,
    forward: ([a, b]) => binaryKernel(name, a!, b!),
    vjp: (g, { inputs: [a, b], out, needs }) => {
      const [ga, gb] = vjp(g, a!, b!, out, needs);
      return [ga && sumToShape(ga, a!.shape), gb && sumToShape(gb, b!.shape)];
    },
  });

const addOp = binaryOp('add', (g) => [g, g]);
const subOp = binaryOp('sub', (g) => [g, g.neg()]);
const mulOp = binaryOp('mul', (g, a, b, _y, needs) => [needs[0] ? g.mul(b) : null, needs[1] ? g.mul(a) : null]);
// d(a/b) = 1/b da - a/b^2 db
const divOp = binaryOp('div', (g, _a, b, y, needs) => [needs[0] ? g.div(b) : null, needs[1] ? g.mul(y).div(b).neg() : null]);
// d(a^b) = b a^(b-1) da + a^b ln(a) db
const powOp = binaryOp('pow', (g, a, b, y, needs) => [
  needs[0] ? g.mul(b).mul(a.pow(b.sub(1))) : null,
  needs[1] ? g.mul(y).mul(a.log()) : null,
]);
// The gradient flows to the larger (smaller) operand; ties split evenly, as in PyTorch.
const maxOp = binaryOp('max', (g, a, b) => {
  const [wa, wb] = tieWeights(a, b, 'gt');
  return [g.mul(wa), g.mul(wb)];
});
const minOp = binaryOp('min', (g, a, b) => {
  const [wa, wb] = tieWeights(a, b, 'lt');
  return [g.mul(wa), g.mul(wb)];
});

function tieWeights(a: Tensor, b: Tensor, cmp: 'gt' | 'lt'): [Tensor, Tensor] {
  const wins = binaryKernel(cmp, a, b);
  const ties = binaryKernel('eq', a, b).mul(0.5);
  return [wins.add(ties), binaryKernel(cmp, b, a).add(ties)];
}

export const add = (a: Tensor, b: TensorLike) => addOp([a, lift(a, b)], undefined);
export const sub = (a: Tensor, b: TensorLike) => subOp([a, lift(a, b)], undefined);
export const mul = (a: Tensor, b: TensorLike) => mulOp([a, lift(a, b)], undefined);
export const div = (a: Tensor, b: TensorLike) => divOp([a, lift(a, b)], undefined);
export const pow = (a: Tensor, b: TensorLike) => powOp([a, lift(a, b)], undefined);
export const maximum = (a: Tensor, b: TensorLike) => maxOp([a, lift(a, b)], undefined);
export const minimum = (a: Tensor, b: TensorLike) => minOp([a, lift(a, b)], undefined);

/** Comparisons give 1/0 in the operands' float dtype and carry no gradient. */
export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Tensor, b: TensorLike): Tensor {
  return binaryKernel(op, a, lift(a, b));
}

/** cond ? a : b elementwise with broadcasting; gradients flow to the chosen side. */
const whereOp = defineOp<undefined>({
  name: 'where',
  forward: ([c, a, b]) => {
    const shape = broadcastShapes('where', broadcastShapes('where', c!.shape, a!.shape), b!.shape);
    const out = a!.rt.empty(shape, a!.dtype);
    a!.rt.backend.where(broadcastView('where', c!, shape), broadcastView('where', a!, shape), broadcastView('where', b!, shape), out);
    return out;
  },
  vjp: (g, { inputs: [c, a, b] }) => {
    const zero = g.rt.scalar(0, g.dtype);
    return [null, sumToShape(where(c!, g, zero), a!.shape), sumToShape(where(c!, zero, g), b!.shape)];
  },
});
export const where = (cond: Tensor, a: TensorLike, b: TensorLike): Tensor => {
  const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : cond;
  return whereOp([cond, lift(ref, a), lift(ref, b)], undefined);
};

/** Clamps into [lo, hi]; the gradient passes where the input was inside. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  return minimum(maximum(x, lo), hi);
}

/** In place `t = t op o` (o broadcast to t). No autograd: for optimizers and accumulators. */
export function binaryInPlace(op: BinaryOp, t: Tensor, o: TensorLike): void {
  t.assertAlive(op);
  if (t.rt.gradEnabled && t.node) {
    throw new InvalidArgumentError(`${op}InPlace`, 'tensor', 'is part of an autograd graph; in-place updates would corrupt its backward (use noGrad or detach)');
  }
  const other = lift(t, o);
  const ov = broadcastView(op, other, t.shape);
  if (t.isContiguous) t.rt.backend.binary(op, t, ov, t);
  else {
    const tmp = binaryKernel(op, t, other);
    t.rt.backend.copy(tmp, t);
    tmp.dispose();
  }
  if (ov !== other) ov.dispose();
  if (other !== o) other.dispose();
}
