/**
 * Neural-network ops backed by fused kernels: softmax, log-softmax, LayerNorm,
 * RMSNorm, rotary embedding, attention, cross-entropy, dropout and embedding
 * lookup. Each vjp calls the matching fused backward kernel.
 */
import type { AttentionOptions } from '../../backends/backend.js';
import { DTypeError, InvalidArgumentError, NonFiniteError, ShapeError } from '../../errors.js';
import { defineOp } from '../autograd.js';
import { isQuantized } from '../dtype.js';
import { normAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { broadcastView, checkFloat } from './elementwise.js';

const lastAxis = (x: Tensor, axis: number, op: string) => normAxis(op, axis, x.ndim) === x.ndim - 1;

function rowwise(op: string, x: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  checkFloat(op, x);
  if (lastAxis(x, axis, op)) return f(x);
  return f(x.transpose(axis, -1)).transpose(axis, -1);
}

// ---- softmax / log-softmax ----

const softmaxOp = defineOp<undefined>({
  name: 'softmax',
  forward: ([x]) => {
    const out = x!.rt.empty(x!.shape, x!.dtype);
    x!.rt.backend.softmax(x!, out);
    return out;
  },
  vjp: (g, { out }) => {
    const gx = g.rt.empty(g.shape, g.dtype);
    g.rt.backend.softmaxBackward(out, g, gx);
    return [gx];
  },
});

const logSoftmaxOp = defineOp<undefined>({
  name: 'logSoftmax',
  forward: ([x]) => {
    const out = x!.rt.empty(x!.shape, x!.dtype);
    x!.rt.backend.logSoftmax(x!, out);
    return out;
  },
  vjp: (g, { out }) => {
    const gx = g.rt.empty(g.shape, g.dtype);
    g.rt.backend.logSoftmaxBackward(out, g, gx);
    return [gx];
  },
});

export const softmax = (x: Tensor, axis = -1) => rowwise('softmax', x, axis, (t) => softmaxOp([t], undefined));
export const logSoftmax = (x: Tensor, axis = -1) => rowwise('logSoftmax', x, axis, (t) => logSoftmaxOp([t], undefined));

// ---- normalisation ----

function checkNormParam(op: string, x: Tensor, p: Tensor | null | undefined, what: string): void {
  if (!p) return;
  const C = x.shape[x.ndim - 1]!;
  if (p.ndim !== 1 || p.shape[0] !== C) throw new ShapeError(op, [x.shape, p.shape], `${what} must have shape [${C}]`);
  if (p.dtype !== x.dtype) throw new DTypeError(op, x.dtype, p.dtype);
}

const layerNormOp = defineOp<{ eps: number; hasW: boolean; hasB: boolean }>({
  name: 'layerNorm',
  forward: (ins, { eps, hasW, hasB }) => {
    const x = ins[0]!;
    const w = hasW ? ins[1]! : null;
    const b = hasB ? ins[hasW ? 2 : 1]! : null;
    const rows = x.numel / x.shape[x.ndim - 1]!;
    const out = x.rt.empty(x.shape, x.dtype);
    const mean = x.rt.empty([rows], x.dtype);
    const rstd = x.rt.empty([rows], x.dtype);
    x.rt.backend.layerNorm(x, w, b, eps, out, mean, rstd);
    return { out, saved: [mean, rstd] };
  },
  vjp: (g, { inputs, saved: [mean, rstd], attrs: { hasW, hasB }, needs }) => {
    const x = inputs[0]!;
    const w = hasW ? inputs[1]! : null;
    const gx = g.rt.empty(x.shape, x.dtype);
    const gw = hasW && needs[1] ? g.rt.zeros(w!.shape, { dtype: x.dtype }) : null;
    const bi = hasW ? 2 : 1;
    const gb = hasB && needs[bi] ? g.rt.zeros([x.shape[x.ndim - 1]!], { dtype: x.dtype }) : null;
    g.rt.backend.layerNormBackward(g, x, w, mean!, rstd!, gx, gw, gb);
    return hasW ? [gx, gw, gb] : [gx, gb];
  },
});

/** LayerNorm over the last axis with optional weight and bias. */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  checkFloat('layerNorm', x);
  checkNormParam('layerNorm', x, weight, 'weight');
  checkNormParam('layerNorm', x, bias, 'bias');
  const ins = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return layerNormOp(ins, { eps, hasW: !!weight, hasB: !!bias });
}

const rmsNormOp = defineOp<{ eps: number; hasW: boolean }>({
  name: 'rmsNorm',
  forward: (ins, { eps, hasW }) => {
    const x = ins[0]!;
    const rows = x.numel / x.shape[x.ndim - 1]!;
    const out = x.rt.empty(x.shape, x.dtype);
    const rstd = x.rt.empty([rows], x.dtype);
    x.rt.backend.rmsNorm(x, hasW ? ins[1]! : null, eps, out, rstd);
    return { out, saved: [rstd] };
  },
  vjp: (g, { inputs, saved: [rstd], attrs: { hasW }, needs }) => {
    const x = inputs[0]!;
    const gx = g.rt.empty(x.shape, x.dtype);
    const gw = hasW && needs[1] ? g.rt.zeros(inputs[1]!.shape, { dtype: x.dtype }) : null;
    g.rt.backend.rmsNormBackward(g, x, hasW ? inputs[1]! : null, rstd!, gx, gw);
    return hasW ? [gx, gw] : [gx];
  },
});

/** RMSNorm over the last axis (Llama): x / sqrt(mean(x^2) + eps) * weight. */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps = 1e-6): Tensor {
  checkFloat('rmsNorm', x);
  checkNormParam('rmsNorm', x, weight, 'weight');
  return rmsNormOp(weight ? [x, weight] : [x], { eps, hasW: !!weight });
}

// ---- rotary embedding ----

const ropeOp = defineOp<{ inverse: boolean }>({
  name: 'rope',
  forward: ([x, cos, sin], { inverse }) => {
    const out = x!.rt.empty(x!.shape, x!.dtype);
    x!.rt.backend.rope(x!, cos!, sin!, inverse, out);
    return out;
  },
  // A rotation's transpose is the rotation by -theta.
  vjp: (g, { inputs: [, cos, sin], attrs: { inverse } }) => {
    const gx = g.rt.empty(g.shape, g.dtype);
    g.rt.backend.rope(g, cos!, sin!, !inverse, gx);
    return [gx, null, null];
  },
});

/**
 * Rotary position embedding in the rotate-half layout on x (B, T, H, D) with
 * cos and sin tables (T, D/2) or (B, T, D/2) for the positions of x's T axis.
 */
export function rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  checkFloat('rope', x);
  if (x.ndim !== 4 || x.shape[3]! % 2 !== 0) throw new ShapeError('rope', [x.shape], 'expects (B, T, H, D) with even D');
  const [B, T, , D] = x.shape as [number, number, number, number];
  const c3 = cos.ndim === 2 ? cos.unsqueeze(0) : cos;
  const s3 = sin.ndim === 2 ? sin.unsqueeze(0) : sin;
  if (!shapesEqual(c3.shape, s3.shape) || c3.shape[1] !== T || c3.shape[2] !== D / 2 || (c3.shape[0] !== 1 && c3.shape[0] !== B)) {
    throw new ShapeError('rope', [x.shape, cos.shape, sin.shape], `cos/sin must be (T, D/2) = (${T}, ${D / 2}) or (B, T, D/2)`);
  }
  return ropeOp([x, c3, s3], { inverse: false });
}

// ---- attention ----

export interface AttentionArgs {
  /** Defaults to 1/sqrt(head dim). */
  readonly scale?: number;
  readonly causal?: boolean;
  readonly window?: number;
  /** Additive mask broadcastable to (B, Hq, T, S). */
  readonly mask?: Tensor;
}

const attentionOp = defineOp<AttentionOptions & { hasMask: boolean }>({
  name: 'attention',
  forward: ([q, k, v], opts) => {
    const [B, Hq, T, D] = q!.shape as [number, number, number, number];
    const out = q!.rt.empty([B, Hq, T, D], q!.dtype);
    const lse = q!.rt.empty([B, Hq, T], q!.dtype);
    q!.rt.backend.attention(q!, k!, v!, out, lse, opts);
    return { out, saved: [lse] };
  },
  vjp: (g, { inputs: [q, k, v], out, saved: [lse], attrs }) => {
    const gq = g.rt.empty(q!.shape, q!.dtype);
    const gk = g.rt.empty(k!.shape, k!.dtype);
    const gv = g.rt.empty(v!.shape, v!.dtype);
    g.rt.backend.attentionBackward(q!, k!, v!, out, lse!, g, gq, gk, gv, attrs);
    return attrs.hasMask ? [gq, gk, gv, null] : [gq, gk, gv];
  },
});

function checkAttention(q: Tensor, k: Tensor, v: Tensor): void {
  for (const t of [q, k, v]) checkFloat('attention', t);
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4) throw new ShapeError('attention', [q.shape, k.shape, v.shape], 'q, k, v must be (B, H, T, D)');
  const [B, Hq, , D] = q.shape as [number, number, number, number];
  const [Bk, Hkv, S, Dk] = k.shape as [number, number, number, number];
  if (Bk !== B || Dk !== D || !shapesEqual(k.shape, v.shape) || Hq % Hkv !== 0 || S === 0) {
    throw new ShapeError('attention', [q.shape, k.shape, v.shape], 'k and v must be (B, Hkv, S, D) with Hq a multiple of Hkv');
  }
}

/**
 * Scaled dot-product attention, fused (memory linear in sequence length).
 * q (B, Hq, T, D), k and v (B, Hkv, S, D); grouped-query when Hkv < Hq.
 * Causal masking aligns the T queries to the last T of the S keys (KV cache).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, args: AttentionArgs = {}): Tensor {
  checkAttention(q, k, v);
  const [B, Hq, T] = q.shape as [number, number, number];
  const S = k.shape[2]!;
  const ensure = (t: Tensor) => (t.strides[3] === 1 ? t : t.contiguous());
  let mask: Tensor | undefined;
  if (args.mask) mask = broadcastView('attention', args.mask, [B, Hq, T, S]);
  const opts: AttentionOptions & { hasMask: boolean } = {
    scale: args.scale ?? 1 / Math.sqrt(q.shape[3]!),
    causal: args.causal ?? false,
    ...(args.window !== undefined ? { window: args.window } : {}),
    ...(mask ? { mask } : {}),
    hasMask: !!mask,
  };
  const ins = [ensure(q), ensure(k), ensure(v), ...(mask ? [mask] : [])];
  return attentionOp(ins, opts);
}

/**
 * Attention that materialises the probabilities, for callers who need them
 * (explanations, attention maps). Returns the output and the weights
 * (B, Hq, T, S); both carry gradients.
 */
export function attentionWithWeights(q: Tensor, k: Tensor, v: Tensor, args: AttentionArgs = {}): { out: Tensor; weights: Tensor } {
  checkAttention(q, k, v);
  const [B, Hq, T, D] = q.shape as [number, number, number, number];
  const [, Hkv, S] = k.shape as [number, number, number];
  const group = Hq / Hkv;
  const rep = (t: Tensor) => (group === 1 ? t : t.unsqueeze(2).expand(B, Hkv, group, S, D).reshape(B, Hq, S, D));
  const kk = rep(k);
  const vv = rep(v);
  let scores = q.matmul(kk.transpose(-1, -2)).mul(args.scale ?? 1 / Math.sqrt(D));
  const rt = q.rt;
  if (args.causal || args.window !== undefined) {
    const m = new Float32Array(T * S);
    for (let i = 0; i < T; i++) {
      const pos = S - T + i;
      for (let j = 0; j < S; j++) {
        const hidden = (args.causal && j > pos) || (args.window !== undefined && pos - j >= args.window);
        m[i * S + j] = hidden ? -Infinity : 0;
      }
    }
    const mt = rt.tensor(m, [T, S], { dtype: q.dtype === 'f64' ? 'f64' : 'f32' });
    scores = scores.add(mt);
  }
  if (args.mask) scores = scores.add(args.mask);
  const weights = scores.softmax(-1);
  return { out: weights.matmul(vv), weights };
}

// ---- cross-entropy ----

export interface CrossEntropyArgs {
  /** Targets equal to this are skipped (default -100, as in PyTorch). */
  readonly ignoreIndex?: number;
  readonly labelSmoothing?: number;
  /** 'mean' over non-ignored rows (default), 'sum', or 'none' (per-row losses). */
  readonly reduction?: 'mean' | 'sum' | 'none';
  /** Throw NonFiniteError if the loss is NaN or infinite. */
  readonly checkFinite?: boolean;
}

const crossEntropyOp = defineOp<{ ignoreIndex: number; labelSmoothing: number }>({
  name: 'crossEntropy',
  forward: ([logits, targets], opts) => {
    const N = logits!.shape[0]!;
    const losses = logits!.rt.empty([N], logits!.dtype);
    const lse = logits!.rt.empty([N], logits!.dtype);
    logits!.rt.backend.crossEntropy(logits!, targets!, losses, lse, opts);
    return { out: losses, saved: [lse] };
  },
  vjp: (g, { inputs: [logits, targets], saved: [lse], attrs }) => {
    const gl = g.rt.empty(logits!.shape, logits!.dtype);
    g.rt.backend.crossEntropyBackward(logits!, targets!, lse!, g, gl, attrs);
    return [gl, null];
  },
});

/**
 * Cross-entropy of logits (..., V) against i32 targets (...), with ignore index
 * and label smoothing. Fused: never materialises the softmax in the forward.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, args: CrossEntropyArgs = {}): Tensor {
  checkFloat('crossEntropy', logits);
  if (targets.dtype !== 'i32') throw new DTypeError('crossEntropy', 'i32 targets', targets.dtype);
  const V = logits.shape[logits.ndim - 1]!;
  if (!shapesEqual(logits.shape.slice(0, -1), targets.shape)) {
    throw new ShapeError('crossEntropy', [logits.shape, targets.shape], 'targets must have the logits shape without the last (class) dim');
  }
  const eps = args.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new InvalidArgumentError('crossEntropy', 'labelSmoothing', `${eps} must be in [0, 1)`);
  const ignoreIndex = args.ignoreIndex ?? -100;
  const N = targets.numel;
  const l2 = logits.reshape(N, V);
  const t1 = targets.reshape(N);
  const losses = crossEntropyOp([l2, t1], { ignoreIndex, labelSmoothing: eps });
  const reduction = args.reduction ?? 'mean';
  let out: Tensor;
  if (reduction === 'none') out = losses.reshape(...targets.shape);
  else if (reduction === 'sum') out = losses.sum();
  else {
    const td = t1.toArray();
    let count = 0;
    for (let i = 0; i < td.length; i++) if (td[i] !== ignoreIndex) count++;
    out = losses.sum().div(Math.max(count, 1));
  }
  if (args.checkFinite && reduction !== 'none') {
    const v = out.item();
    if (!Number.isFinite(v)) throw new NonFiniteError('crossEntropy', `loss is ${v}; check the learning rate, inputs and labels`);
  }
  return out;
}

// ---- dropout ----

const dropoutOp = defineOp<{ p: number; seed: number }>({
  name: 'dropout',
  forward: ([x], { p, seed }) => {
    const out = x!.rt.empty(x!.shape, x!.dtype);
    x!.rt.backend.dropout(x!, p, seed, out);
    return out;
  },
  // The same mask (recomputed from the seed) scales the gradient.
  vjp: (g, { attrs: { p, seed } }) => {
    const gx = g.rt.empty(g.shape, g.dtype);
    g.rt.backend.dropout(g, p, seed, gx);
    return [gx];
  },
});

/** Inverted dropout; `seed` defaults to a draw from the runtime's RNG. Identity when p = 0 or not training. */
export function dropout(x: Tensor, p: number, opts: { training?: boolean; seed?: number } = {}): Tensor {
  checkFloat('dropout', x);
  if (!(p >= 0 && p < 1)) throw new InvalidArgumentError('dropout', 'p', `${p} must be in [0, 1)`);
  if (p === 0 || opts.training === false) return x;
  const seed = opts.seed ?? x.rt.rng.nextU32();
  return dropoutOp([x], { p, seed });
}

// ---- embedding ----

const embeddingOp = defineOp<undefined>({
  name: 'embedding',
  forward: ([table, ids]) => {
    const D = table!.shape[1]!;
    const dtype = table!.dtype === 'f64' ? 'f64' : 'f32';
    const out = table!.rt.empty([ids!.numel, D], dtype);
    table!.rt.backend.gather(table!, ids!, out);
    const r = out.reshape(...ids!.shape, D);
    out.dispose();
    return r;
  },
  vjp: (g, { inputs: [table, ids] }) => {
    const D = table!.shape[1]!;
    const gt = g.rt.zeros(table!.shape, { dtype: g.dtype });
    const g2 = g.reshape(ids!.numel, D);
    g.rt.backend.scatterAdd(g2.isContiguous ? g2 : g2.contiguous(), ids!, gt);
    return [gt, null];
  },
});

/** Rows of table (V, D) at i32 ids of any shape: (..., D). The table may be f16, bf16 or quantized. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (ids.dtype !== 'i32') throw new DTypeError('embedding', 'i32 ids', ids.dtype);
  if (table.ndim !== 2) throw new ShapeError('embedding', [table.shape], 'table must be (vocab, dim)');
  if (!(table.dtype === 'f32' || table.dtype === 'f64' || table.dtype === 'f16' || table.dtype === 'bf16' || isQuantized(table.dtype))) {
    throw new DTypeError('embedding', 'a float or quantized table', table.dtype);
  }
  return embeddingOp([table, ids], undefined);
}
