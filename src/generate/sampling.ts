/**
 * Choosing the next token of one sequence: the logits processors in Hugging
 * Face's order (penalties, bias and constraint mask first, then temperature,
 * top-k, top-p, min-p), then a draw from the sequence's own seeded Rng, or the
 * argmax when the temperature is 0. The same seed, settings and logits give
 * the same token on every run and every machine: the draw is one Rng.float()
 * against a float64 cumulative sum in id order.
 *
 * A Sampler owns its scratch buffers (allocated once per sequence), so a step
 * allocates nothing beyond the top-n list when logprobs are asked for.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import {
  applyLogitBias,
  applyMask,
  applyMinP,
  applyPresenceFrequency,
  applyRepetitionPenalty,
  applyTemperature,
  applyTopK,
  applyTopP,
  hasFinite,
  softmaxInto,
  TokenCounts,
  validateSampling,
  type SoftmaxFn,
} from './logits.js';
import type { Backend } from '../backends/backend.js';
import type { SamplingOptions, TopLogprob } from './types.js';

const view = (a: Float32Array) => ({ data: a, dtype: 'f32' as const, shape: [a.length], strides: [1], offset: 0 });

/** The backend's softmax kernel over plain arrays. */
export function backendSoftmax(backend: Backend): SoftmaxFn {
  return (x, out) => backend.softmax(view(x), view(out));
}

/** The backend's log-softmax kernel over plain arrays. */
export function backendLogSoftmax(backend: Backend): SoftmaxFn {
  return (x, out) => backend.logSoftmax(view(x), view(out));
}

/** A random 32-bit seed, for requests that did not give one. */
export function randomSeed(): number {
  return (Math.random() * 4294967296) >>> 0;
}

/** Seed of the i-th choice of a request with n > 1 (choice 0 uses the seed itself). */
export function choiceSeed(seed: number, index: number): number {
  if (index === 0) return seed >>> 0;
  let z = (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Sampler {
  readonly rng: Rng;
  readonly seed: number;
  private readonly temperature: number;
  private readonly topK: number;
  private readonly topP: number;
  private readonly minP: number;
  private readonly repetition: number;
  private readonly presence: number;
  private readonly frequency: number;
  private readonly biasIds: Int32Array;
  private readonly biasValues: Float32Array;
  /** Prompt and output tokens (repetition penalty). */
  private readonly seen: TokenCounts | null;
  /** Output tokens (presence/frequency penalties). */
  private readonly output: TokenCounts | null;
  private readonly work: Float32Array;
  private readonly scratch: Float32Array;
  private readonly order: Int32Array | null;
  private readonly probs: Float32Array;
  private readonly blocks: Float64Array;
  private readonly softmax: SoftmaxFn;

  constructor(
    readonly vocabSize: number,
    opts: SamplingOptions,
    promptIds: readonly number[] = [],
    /** The softmax to sample with: the model runtime's backend kernel in generation (see backendSoftmax). */
    softmax: SoftmaxFn = softmaxInto,
  ) {
    validateSampling('generate', opts);
    this.seed = opts.seed ?? randomSeed();
    this.rng = new Rng(this.seed);
    this.temperature = opts.temperature ?? 1;
    this.topK = opts.topK ?? 0;
    this.topP = opts.topP ?? 1;
    this.minP = opts.minP ?? 0;
    this.repetition = opts.repetitionPenalty ?? 1;
    this.presence = opts.presencePenalty ?? 0;
    this.frequency = opts.frequencyPenalty ?? 0;
    const bias = biasEntries(opts.logitBias);
    this.biasIds = Int32Array.from(bias.map((b) => b[0]));
    this.biasValues = Float32Array.from(bias.map((b) => b[1]));
    this.seen = this.repetition !== 1 ? new TokenCounts(vocabSize) : null;
    this.seen?.addAll(promptIds);
    this.output = this.presence !== 0 || this.frequency !== 0 ? new TokenCounts(vocabSize) : null;
    this.work = new Float32Array(vocabSize);
    const warps = this.temperature > 0 && (this.topK > 0 || this.topP < 1);
    this.scratch = new Float32Array(warps ? vocabSize : 0);
    this.order = this.temperature > 0 && this.topP < 1 ? new Int32Array(vocabSize) : null;
    this.probs = new Float32Array(this.temperature > 0 ? vocabSize : 0);
    this.blocks = new Float64Array(this.temperature > 0 ? Math.ceil(vocabSize / BLOCK) : 0);
    this.softmax = softmax;
  }

  get greedy(): boolean {
    return this.temperature === 0;
  }

  /** Records a chosen token (for the penalties). */
  accept(token: number): void {
    this.seen?.add(token);
    this.output?.add(token);
  }

  /**
   * Picks the next token from raw logits (not modified). `mask` is a bitset of
   * allowed ids (constrained decoding); without one every id is allowed.
   */
  sample(raw: Float32Array, mask?: Uint32Array): number {
    const x = this.process(raw, mask);
    return this.greedy ? argmax(x) : drawFrom(x, this.rng, this.probs, this.softmax, this.blocks);
  }

  /** Applies every processor to a copy of raw; returns the sampler's work buffer. */
  process(raw: Float32Array, mask?: Uint32Array): Float32Array {
    const x = this.work;
    x.set(raw.subarray(0, this.vocabSize));
    if (this.seen) applyRepetitionPenalty(x, this.seen, this.repetition);
    if (this.output) applyPresenceFrequency(x, this.output, this.presence, this.frequency);
    if (this.biasIds.length) applyLogitBias(x, this.biasIds, this.biasValues);
    if (mask) applyMask(x, mask);
    if (this.greedy) return x;
    applyTemperature(x, this.temperature);
    if (this.topK > 0) applyTopK(x, this.topK, this.scratch);
    if (this.topP < 1) applyTopP(x, this.topP, this.scratch, this.order!, this.softmax);
    if (this.minP > 0) applyMinP(x, this.minP);
    return x;
  }
}

function biasEntries(b: SamplingOptions['logitBias']): [number, number][] {
  if (!b) return [];
  const entries: [number, number][] =
    b instanceof Map ? [...(b as ReadonlyMap<number, number>).entries()] : Object.entries(b).map(([k, v]) => [Number(k), v as number]);
  for (const [id, v] of entries) {
    if (!Number.isInteger(id) || id < 0) throw new InvalidArgumentError('generate', 'logitBias', `keys must be token ids (integers >= 0), got ${id}`);
    if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) {
      throw new InvalidArgumentError('generate', `logitBias[${id}]`, `expected a finite number or -Infinity, got ${String(v)}`);
    }
  }
  return entries;
}

/** Index of the largest value (the first on ties); -1 when all are -Infinity or NaN. */
export function argmax(x: Float32Array): number {
  let best = -1;
  let bv = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > bv) {
      bv = x[i]!;
      best = i;
    }
  }
  return best;
}

const BLOCK = 64;

/**
 * Draws an id with probability softmax(x); -1 when every logit is -Infinity.
 * `softmax` computes the probabilities (the backend's kernel in generation).
 * The draw is one Rng.float() against their running sum in id order, found
 * in two levels (sums of 64-id blocks, then ids within the block) so the
 * float64 additions run in independent chains: ~4x faster than one long
 * chain at V = 32k, and the same result on every run.
 */
export function drawFrom(
  x: Float32Array,
  rng: Rng,
  probs: Float32Array = new Float32Array(x.length),
  softmax: SoftmaxFn = softmaxInto,
  blocks: Float64Array = new Float64Array(Math.ceil(x.length / BLOCK)),
): number {
  if (!hasFinite(x)) return -1;
  softmax(x, probs);
  const n = x.length;
  const nb = Math.ceil(n / BLOCK);
  let total = 0;
  for (let b = 0; b < nb; b++) {
    const lo = b * BLOCK;
    const hi = Math.min(lo + BLOCK, n);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = lo;
    for (; i + 4 <= hi; i += 4) {
      s0 += probs[i]!;
      s1 += probs[i + 1]!;
      s2 += probs[i + 2]!;
      s3 += probs[i + 3]!;
    }
    for (; i < hi; i++) s0 += probs[i]!;
    const bs = s0 + s1 + s2 + s3;
    blocks[b] = bs;
    total += bs;
  }
  const u = rng.float() * total;
  let cum = 0;
  let last = -1;
  for (let b = 0; b < nb; b++) {
    const bs = blocks[b]!;
    if (bs === 0) continue;
    if (u < cum + bs) {
      let c = cum;
      const hi = Math.min((b + 1) * BLOCK, n);
      for (let i = b * BLOCK; i < hi; i++) {
        const w = probs[i]!;
        if (w === 0) continue;
        c += w;
        last = i;
        if (u < c) return i;
      }
    } else {
      for (let i = Math.min((b + 1) * BLOCK, n) - 1; i >= b * BLOCK; i--) {
        if (probs[i]! !== 0) {
          last = i;
          break;
        }
      }
    }
    // Rounding can leave u just past a block's own sum: go on from the block total.
    cum += bs;
  }
  return last;
}

/** log(sum(exp(x))) computed stably. */
export function logSumExp(x: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > max) max = x[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i]! - max);
  return max + Math.log(sum);
}

/** The n largest entries of x as (id, x[id] - shift), best first, ties by lower id. */
export function topEntries(x: Float32Array, n: number, shift = 0): TopLogprob[] {
  if (n <= 0) return [];
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (ids.length === n && v <= vals[n - 1]!) continue;
    let j = ids.length < n ? ids.length : n - 1;
    if (ids.length < n) {
      ids.push(i);
      vals.push(v);
    }
    while (j > 0 && vals[j - 1]! < v) {
      ids[j] = ids[j - 1]!;
      vals[j] = vals[j - 1]!;
      j--;
    }
    ids[j] = i;
    vals[j] = v;
  }
  return ids.map((token, k) => ({ token, logprob: vals[k]! - shift }));
}

/** The log-probability of `token` under raw logits, and the top-n alternatives when n > 0. */
export function tokenLogprob(raw: Float32Array, token: number, n: number): { logprob: number; top?: TopLogprob[] } {
  const lse = logSumExp(raw);
  const logprob = raw[token]! - lse;
  return n > 0 ? { logprob, top: topEntries(raw, n, lse) } : { logprob };
}
