/**
 * The backend interface: the kernels a tensor engine needs, and nothing else.
 *
 * A backend never allocates tensors and never sees autograd: the engine passes
 * it views of typed-array memory (`View`: data, shape, strides, offset) and an
 * output view to write. Movement ops (reshape, permute, slice, expand) only
 * change views in src/tensor and never reach a backend. Broadcasting arrives
 * as stride 0.
 *
 * Two implementations:
 *   - `js` (src/backends/js): plain TypeScript loops, the readable reference
 *     and the definition of every kernel; works on f32 and f64.
 *   - `native` (src/backends/native + native/): the C++ N-API addon with SIMD
 *     kernels and a thread pool, working on the same memory in place. It
 *     covers f32 and the storage/quantized types; for anything it does not
 *     cover (f64 above all) it delegates to the js kernels.
 * The conformance suite (src/backends/conformance.ts) runs every kernel on
 * both and compares them.
 *
 * Conventions for every kernel:
 *   - Strides and offsets are in elements of the view's dtype.
 *   - Outputs are written in full (never read unless the doc says accumulate).
 *   - Unless stated otherwise an output is contiguous and inputs may have any
 *     strides (including 0 for broadcast dims).
 *   - Kernels validate nothing the engine already validated (shapes, dtypes);
 *     index values coming from data (token ids, gather indices) are checked
 *     and raise IndexRangeError.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';

export interface View {
  readonly data: TypedArray;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** In elements. */
  readonly strides: readonly number[];
  /** In elements. */
  readonly offset: number;
}

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'recip'
  | 'square'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'silu'
  | 'geluTanh'
  | 'geluErf';

/** Activations whose derivative has a fused kernel: `unaryGrad(op, x, g) = g * op'(x)`. */
export type ActivationOp = 'tanh' | 'sigmoid' | 'relu' | 'silu' | 'geluTanh' | 'geluErf';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

export interface AttentionOptions {
  /** Multiplies q·k before the softmax, usually 1/sqrt(headDim). */
  readonly scale: number;
  /**
   * Causal masking aligned to the end: query i (of T) sits at absolute position
   * S - T + i and sees keys j <= S - T + i. This is what a KV cache needs.
   */
  readonly causal: boolean;
  /** Sliding window (Mistral): a query at position p sees keys j with p - j < window. */
  readonly window?: number;
  /** Additive mask broadcastable to (B, Hq, T, S) (e.g. padding: -Infinity on pad keys). */
  readonly mask?: View;
}

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped: loss 0, gradient 0. */
  readonly ignoreIndex: number;
  /** Label smoothing epsilon in [0, 1): target distribution (1-eps) one-hot + eps/V uniform. */
  readonly labelSmoothing: number;
}

export interface AdamWOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Decoupled weight decay: p -= lr * weightDecay * p, before the Adam update. */
  readonly weightDecay: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

export interface SgdOptions {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

export interface Backend {
  readonly name: 'js' | 'native';
  /** Worker threads a kernel may use (1 for js). */
  readonly threads: number;

  // ---- elementwise ----
  /** out = op(x). out has x's shape. */
  unary(op: UnaryOp, x: View, out: View): void;
  /** out = g * op'(x), the backward of an activation. */
  unaryGrad(op: ActivationOp, x: View, g: View, out: View): void;
  /** out = a op b; a and b arrive already broadcast to out's shape (stride 0 on broadcast dims). Comparisons write 1 or 0. */
  binary(op: BinaryOp, a: View, b: View, out: View): void;
  /** out = cond != 0 ? a : b, all broadcast to out's shape. */
  where(cond: View, a: View, b: View, out: View): void;
  /** Copies src into dst (both any strides, same shape), converting dtype (f16/bf16 -> f32, f32 -> f16/bf16, f32 <-> f64, i32 <-> float; quantized -> float needs a contiguous src). */
  copy(src: View, dst: View): void;
  /** Sets every element of dst (any strides) to value. */
  fill(dst: View, value: number): void;

  // ---- reductions ----
  /** Reduces x over `axes` into out, whose shape is x's with those axes set to 1 (contiguous). */
  reduce(op: ReduceOp, x: View, axes: readonly number[], out: View): void;
  /** Index (i32) of the max/min along one axis; out shape is x's with that axis set to 1. Ties take the first. */
  argReduce(op: 'argmax' | 'argmin', x: View, axis: number, out: View): void;
  /** Inclusive cumulative sum along `axis` (reverse: from the end). */
  cumsum(x: View, axis: number, reverse: boolean, out: View): void;
  /** The k largest values along the last axis, sorted descending, and their i32 indices. */
  topk(x: View, k: number, values: View, indices: View): void;
  /** Sum of squares of all elements (for gradient-norm clipping), accumulated in double. */
  sumSquares(x: View): number;

  // ---- linear algebra ----
  /**
   * Batched matmul: a (..., M, K) @ b (..., K, N) -> out (..., M, N).
   * The last two dims of a and b may have any strides (transposed views are
   * common: use them without copying); batch dims arrive broadcast to out's
   * batch dims (stride 0). With `accumulate` the result is added to out.
   */
  matmul(a: View, b: View, out: View, accumulate: boolean): void;
  /**
   * out (M, N) = x (M, K) @ w^T + bias, with w (N, K) in any dtype including
   * f16, bf16 and the quantized block types (contiguous rows). x contiguous.
   */
  linear(x: View, w: View, bias: View | null, out: View): void;

  // ---- indexing ----
  /** Embedding lookup: out (N, D) = table (V, D)[ids (N)]; table may be f16/bf16/quantized. */
  gather(table: View, ids: View, out: View): void;
  /** Embedding backward: out (V, D) += src (N, D) at rows ids (N). Accumulates. */
  scatterAdd(src: View, ids: View, out: View): void;
  /** torch.gather: out[..., i, ...] = x[..., idx[..., i, ...], ...] along axis. idx i32, out has idx's shape. */
  gatherAxis(x: View, axis: number, idx: View, out: View): void;
  /** Backward of gatherAxis: out (x's shape) += src at idx along axis. Accumulates. */
  scatterAddAxis(src: View, axis: number, idx: View, out: View): void;

  // ---- fused kernels (last axis; rows = all leading dims) ----
  softmax(x: View, out: View): void;
  /** gx = y * (gy - sum(gy * y)). */
  softmaxBackward(y: View, gy: View, out: View): void;
  logSoftmax(x: View, out: View): void;
  /** gx = gy - exp(y) * sum(gy). */
  logSoftmaxBackward(y: View, gy: View, out: View): void;
  /** LayerNorm over the last axis; writes per-row mean and rstd (N) for the backward. w, b may be null. */
  layerNorm(x: View, w: View | null, b: View | null, eps: number, out: View, mean: View, rstd: View): void;
  /** Writes gx; accumulates into gw and gb when given. */
  layerNormBackward(gy: View, x: View, w: View | null, mean: View, rstd: View, gx: View, gw: View | null, gb: View | null): void;
  /** RMSNorm over the last axis: x * rstd * w, rstd = 1/sqrt(mean(x^2) + eps). */
  rmsNorm(x: View, w: View | null, eps: number, out: View, rstd: View): void;
  /** Writes gx; accumulates into gw when given. */
  rmsNormBackward(gy: View, x: View, w: View | null, rstd: View, gx: View, gw: View | null): void;
  /**
   * Rotary embedding, rotate-half (GPT-NeoX / Hugging Face) layout:
   * x (B, T, H, D), cos and sin (Bc, T, D/2) with Bc 1 or B.
   * out[..., i] = x[i] cos - x[i + D/2] sin, out[..., i + D/2] = x[i + D/2] cos + x[i] sin.
   * With `inverse` the rotation is by -theta (the backward). x and out may alias.
   */
  rope(x: View, cos: View, sin: View, inverse: boolean, out: View): void;
  /**
   * Scaled dot-product attention without materialising the (T, S) matrix:
   * q (B, Hq, T, D), k and v (B, Hkv, S, D) with Hq a multiple of Hkv
   * (grouped-query), out (B, Hq, T, D), lse (B, Hq, T) the log-sum-exp of each
   * query's scores (saved for the backward; may be null for inference).
   * All views have unit stride on the last axis; other strides are free, so
   * q, k, v can be transposed views of (B, T, H, D) and out can be written in
   * (B, T, H, D) memory order.
   */
  attention(q: View, k: View, v: View, out: View, lse: View | null, opts: AttentionOptions): void;
  /** Flash-style backward recomputing probabilities from lse. Writes gq, gk, gv in full. */
  attentionBackward(
    q: View,
    k: View,
    v: View,
    out: View,
    lse: View,
    gout: View,
    gq: View,
    gk: View,
    gv: View,
    opts: AttentionOptions,
  ): void;
  /** Per-row loss of logits (N, V) against i32 targets (N); writes losses (N) and lse (N). */
  crossEntropy(logits: View, targets: View, losses: View, lse: View, opts: CrossEntropyOptions): void;
  /** glogits (N, V) = (softmax(logits) - target distribution) * gloss[row], 0 for ignored rows. */
  crossEntropyBackward(logits: View, targets: View, lse: View, gloss: View, glogits: View, opts: CrossEntropyOptions): void;
  /**
   * Inverted dropout with a counter-based RNG (identical in every backend):
   * element i is kept iff dropoutHash(seed, i) >= p * 2^32, and scaled by 1/(1-p).
   * The backward is the same kernel applied to the gradient with the same seed.
   */
  dropout(x: View, p: number, seed: number, out: View): void;

  // ---- optimizers (in place, contiguous f32 or f64) ----
  adamw(param: View, grad: View, m: View, v: View, opts: AdamWOptions): void;
  /** momentumBuf is null when momentum is 0. */
  sgd(param: View, grad: View, momentumBuf: View | null, opts: SgdOptions): void;
}

/**
 * The dropout RNG: murmur3's 32-bit finaliser applied to (index * golden ratio + seed).
 * Counter-based so that any thread, in any backend, computes the same mask for
 * element i without shared state, and the backward recomputes it from the seed.
 */
export function dropoutHash(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
