/**
 * Matrix products: batched matmul with broadcasting, and linear (x @ w^T + b)
 * whose weight may be stored as f16, bf16 or GGUF-quantized blocks.
 */
import { DTypeError, ShapeError } from '../../errors.js';
import { defineOp } from '../autograd.js';
import { isQuantized } from '../dtype.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFloat } from './elementwise.js';
import { sumToShape } from './reduce.js';

function matmulKernel(a: Tensor, b: Tensor): Tensor {
  const M = a.shape[a.ndim - 2]!;
  const K = a.shape[a.ndim - 1]!;
  const N = b.shape[b.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== K) {
    throw new ShapeError('matmul', [a.shape, b.shape], `inner dims ${K} and ${b.shape[b.ndim - 2]} differ; did you mean b.transpose(-1, -2)?`);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const av = a.view([...batch, M, K], broadcastStrides('matmul', a.shape, a.strides, [...batch, M, K]), a.offset);
  const bv = b.view([...batch, K, N], broadcastStrides('matmul', b.shape, b.strides, [...batch, K, N]), b.offset);
  const out = a.rt.empty([...batch, M, N], a.dtype);
  a.rt.backend.matmul(av, bv, out, false);
  av.dispose();
  bv.dispose();
  return out;
}

// d(AB) = dA B + A dB: gA = g B^T, gB = A^T g, summed over broadcast batch dims.
const matmulOp = defineOp<undefined>({
  name: 'matmul',
  forward: ([a, b]) => matmulKernel(a!, b!),
  vjp: (g, { inputs: [a, b], needs }) => [
    needs[0] ? sumToShape(matmulKernel(g, b!.transpose(-1, -2)), a!.shape) : null,
    needs[1] ? sumToShape(matmulKernel(a!.transpose(-1, -2), g), b!.shape) : null,
  ],
});

/**
 * Matrix product with numpy semantics: batch dims broadcast; a 1-D operand is
 * treated as a row (left) or column (right) vector and that dim is dropped.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', a);
  checkFloat('matmul', b);
  if (a.dtype !== b.dtype) throw new DTypeError('matmul', a.dtype, b.dtype);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError('matmul', [a.shape, b.shape], 'operands must have at least 1 dim');
  const a2 = a.ndim === 1 ? a.reshape(1, a.shape[0]!) : a;
  const b2 = b.ndim === 1 ? b.reshape(b.shape[0]!, 1) : b;
  let out = matmulOp([a2, b2], undefined);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

function linearKernel(x2: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const out = x2.rt.empty([x2.shape[0]!, w.shape[0]!], x2.dtype);
  x2.rt.backend.linear(x2, w, bias, out);
  return out;
}

// y = x W^T + b: gx = g W, gW = g^T x, gb = sum_rows g.
const linearOp = defineOp<undefined>({
  name: 'linear',
  forward: ([x, w, b]) => linearKernel(x!, w!, b ?? null),
  vjp: (g, { inputs: [x, w, b], needs }) => {
    let gx: Tensor | null = null;
    if (needs[0]) {
      // Quantized or half weights are read out as f32 for the input gradient (frozen-weight adapters).
      const wf = w!.dtype === g.dtype ? w! : w!.to(g.dtype);
      gx = matmulKernel(g, wf);
      if (wf !== w) wf.dispose();
    }
    return [gx, needs[1] ? matmulKernel(g.transpose(0, 1), x!) : null, b && needs[2] ? g.sum(0) : null];
  },
});

/**
 * Applies a linear layer to x (..., K) with weight w (N, K) (PyTorch's layout)
 * and optional bias (N). The weight may be f16, bf16 or quantized (q8_0, q4_0, ...).
 */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  checkFloat('linear', x);
  const K = x.shape[x.ndim - 1]!;
  if (w.ndim !== 2 || w.shape[1] !== K) {
    throw new ShapeError('linear', [x.shape, w.shape], `weight must be (out, ${K}) for input features ${K}`);
  }
  if (!(w.dtype === x.dtype || w.dtype === 'f16' || w.dtype === 'bf16' || isQuantized(w.dtype))) throw new DTypeError('linear', `${x.dtype}, f16, bf16 or quantized weights`, w.dtype);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== w.shape[0])) throw new ShapeError('linear', [w.shape, bias.shape], `bias must be (${w.shape[0]})`);
  const lead = x.shape.slice(0, -1);
  const M = lead.reduce((p, d) => p * d, 1);
  const x2 = x.isContiguous ? x.reshape(M, K) : x.contiguous().reshape(M, K);
  const inputs = bias ? [x2, w, bias] : [x2, w];
  const y = linearOp(inputs, undefined);
  return x.ndim === 2 ? y : y.reshape(...lead, w.shape[0]!);
}
