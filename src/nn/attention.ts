/**
 * Causal self-attention over rows of tokens, shared by every architecture.
 *
 * Models project all tokens of a batch as one (R, C) matrix of rows (that is
 * what makes batching fast: one weight matmul for every row), then hand the
 * per-head queries, keys and values here with a `RowLayout` that says how the
 * rows relate:
 *
 *   - 'dense': R = B x T, a rectangular batch (training, scoring), with an
 *     optional padding mask. Uses the fused attention op, or the materialised
 *     one when attention probabilities are wanted (explanations, or dropout on
 *     the probabilities while training).
 *   - 'ragged': R = the new tokens of several sequences concatenated, each
 *     sequence with its own KV cache. Each sequence's new keys/values are
 *     appended to its cache and its queries attend to the whole cache, causal
 *     within the new tokens (the op aligns causality to the end).
 */
import { InvalidArgumentError } from '../errors.js';
import { attention, attentionWithWeights, dropout as dropoutOp } from '../tensor/ops/nn.js';
import { concat } from '../tensor/ops/movement.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LayeredKVCache } from './kv-cache.js';

/** Additive mask value for padding keys: finite, so a row with only padding keys stays finite. */
export const MASKED = -1e30;

export interface DenseRows {
  readonly kind: 'dense';
  readonly batch: number;
  readonly seqLen: number;
  /** Additive key mask (B, 1, 1, T): 0 on real tokens, MASKED on padding. */
  readonly keyMask?: Tensor;
  /** When set, each layer appends its attention probabilities (B, Hq, T, T). */
  readonly attentions?: Tensor[];
}

export interface RaggedSegment {
  /** First row of this sequence in the batch. */
  readonly start: number;
  /** Its number of new tokens. */
  readonly length: number;
  readonly cache: LayeredKVCache;
}

export interface RaggedRows {
  readonly kind: 'ragged';
  readonly segments: readonly RaggedSegment[];
}

export type RowLayout = DenseRows | RaggedRows;

export interface SelfAttentionOptions {
  /** Layer index (selects the KV-cache layer). */
  readonly layer: number;
  /** Multiplies q.k, usually 1/sqrt(head dim). */
  readonly scale: number;
  /** Sliding window (Mistral): a token sees the `window` most recent positions including itself. */
  readonly window?: number | null;
  /** Dropout on the attention probabilities; active only when `training`. */
  readonly dropout?: number;
  readonly training?: boolean;
}

/**
 * Causal self-attention: q (R, Hq, D), k and v (R, Hkv, D) after any rotary
 * embedding; returns (R, Hq * D), the heads concatenated per row.
 */
export function causalSelfAttention(q: Tensor, k: Tensor, v: Tensor, rows: RowLayout, opts: SelfAttentionOptions): Tensor {
  const [R, Hq, D] = q.shape as [number, number, number];
  const window = opts.window ?? undefined;
  if (rows.kind === 'ragged') {
    const outs = rows.segments.map(({ start, length, cache }) => {
      const kv = cache.append(opts.layer, k.slice(0, start, start + length), v.slice(0, start, start + length));
      const qs = q.slice(0, start, start + length).transpose(0, 1).unsqueeze(0); // (1, Hq, n, D)
      const o = attention(qs, kv.k, kv.v, { causal: true, scale: opts.scale, ...(window ? { window } : {}) });
      return o.squeeze(0).transpose(0, 1); // (n, Hq, D)
    });
    return (outs.length === 1 ? outs[0]!.contiguous() : concat(outs, 0)).reshape(R, Hq * D);
  }
  const { batch: B, seqLen: T } = rows;
  const Hkv = k.shape[1]!;
  const q4 = q.reshape(B, T, Hq, D).transpose(1, 2); // (B, Hq, T, D)
  const k4 = k.reshape(B, T, Hkv, D).transpose(1, 2); // (B, Hkv, T, D)
  const v4 = v.reshape(B, T, Hkv, D).transpose(1, 2);
  const args = { causal: true, scale: opts.scale, ...(window ? { window } : {}), ...(rows.keyMask ? { mask: rows.keyMask } : {}) };
  const dropP = opts.training ? (opts.dropout ?? 0) : 0;
  let out: Tensor;
  if (rows.attentions || dropP > 0) {
    const res = attentionWithWeights(q4, k4, v4, args);
    rows.attentions?.push(res.weights);
    out = res.out;
    if (dropP > 0) {
      const group = Hq / Hkv;
      const vv = group === 1 ? v4 : v4.unsqueeze(2).expand(B, Hkv, group, T, D).reshape(B, Hq, T, D);
      out = dropoutOp(res.weights, dropP).matmul(vv);
    }
  } else out = attention(q4, k4, v4, args);
  return out.transpose(1, 2).reshape(R, Hq * D); // (B, T, Hq, D) -> (R, Hq * D)
}

/**
 * Position ids from a (B, T) attention mask, as Hugging Face derives them:
 * cumsum(mask) - 1, so each row starts at 0 at its first real token (left
 * padding), and padding positions get 1. Without a mask: 0..T-1 per row.
 */
export function positionsFromMask(mask: ArrayLike<number> | null, B: number, T: number): Int32Array {
  const pos = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (!mask) pos[i] = t;
      else if (mask[i]) pos[i] = seen++;
      else pos[i] = 1;
    }
  }
  return pos;
}

/** The additive key mask (B, 1, 1, T) for a (B, T) attention mask of 1s and 0s. */
export function paddingKeyMask(rt: Runtime, mask: ArrayLike<number>, B: number, T: number, dtype: 'f32' | 'f64' = 'f32'): Tensor {
  const m = dtype === 'f64' ? new Float64Array(B * T) : new Float32Array(B * T);
  for (let i = 0; i < B * T; i++) {
    const v = mask[i]!;
    if (v !== 0 && v !== 1) throw new InvalidArgumentError('forward', 'attentionMask', `must hold 1 (token) or 0 (padding), found ${v}`);
    m[i] = v ? 0 : MASKED;
  }
  return rt.tensor(m, [B, 1, 1, T], { dtype });
}
