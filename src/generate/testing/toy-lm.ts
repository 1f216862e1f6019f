/**
 * Small causal LMs that implement the CausalLM contract exactly, for testing
 * generation without the real architectures:
 *
 *   - FunctionLM: logits are a function of the token history (n-gram tables,
 *     hand-made distributions). It records every step call, so tests can count
 *     the rows a batched step carried.
 *   - TinyAttentionLM: one causal self-attention layer with random weights and
 *     a real key/value cache, so a wrong cache (a bad clone, a missed
 *     truncate) changes its logits. Its forward() and step() share the math.
 */
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import type { BaseModelConfig, CausalLM, ForwardOutput, KVCache, StepInput } from '../../models/types.js';
import { Rng } from '../../tensor/rng.js';
import type { Runtime } from '../../tensor/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';

function config(vocabSize: number, contextLength: number, hiddenSize = 1): BaseModelConfig {
  return {
    architecture: 'llama',
    vocabSize,
    hiddenSize,
    numLayers: 1,
    numHeads: 1,
    numKvHeads: 1,
    headDim: hiddenSize,
    intermediateSize: hiddenSize,
    contextLength,
    tieWordEmbeddings: false,
  };
}

/** A cache holding the token history (FunctionLM needs nothing else). */
export class HistoryCache implements KVCache {
  disposed = false;
  constructor(
    readonly capacity: number,
    readonly ids: number[] = [],
  ) {}
  get length(): number {
    return this.ids.length;
  }
  truncate(length: number): void {
    this.ids.length = Math.min(this.ids.length, length);
  }
  clone(): KVCache {
    return new HistoryCache(this.capacity, [...this.ids]);
  }
  dispose(): void {
    this.disposed = true;
  }
}

function checkCache(cache: KVCache, add: number, kind: Function): void {
  if (!(cache instanceof kind)) throw new InvalidArgumentError('step', 'cache', 'belongs to another model');
  if ((cache as HistoryCache).disposed) throw new InvalidArgumentError('step', 'cache', 'was disposed');
  if (cache.length + add > cache.capacity) throw new InvalidArgumentError('step', 'cache', `capacity ${cache.capacity} exceeded`);
}

export class FunctionLM implements CausalLM {
  readonly config: BaseModelConfig;
  /** Per step call, the number of new ids of each sequence. */
  readonly calls: number[][] = [];
  readonly caches: HistoryCache[] = [];

  constructor(
    readonly rt: Runtime,
    vocabSize: number,
    private readonly fn: (history: readonly number[]) => ArrayLike<number>,
    contextLength = 512,
  ) {
    this.config = config(vocabSize, contextLength);
  }

  private logitsOf(history: readonly number[]): ArrayLike<number> {
    const l = this.fn(history);
    if (l.length !== this.config.vocabSize) throw new Error(`logits function returned ${l.length} values`);
    return l;
  }

  newCache(capacity = this.config.contextLength): KVCache {
    const c = new HistoryCache(capacity);
    this.caches.push(c);
    return c;
  }

  step(batch: readonly StepInput[]): Tensor[] {
    this.calls.push(batch.map((b) => b.ids.length));
    const V = this.config.vocabSize;
    return batch.map((b) => {
      checkCache(b.cache, b.ids.length, HistoryCache);
      const h = (b.cache as HistoryCache).ids;
      const rows: ArrayLike<number>[] = [];
      for (const id of b.ids) {
        h.push(id);
        if (b.allLogits) rows.push(this.logitsOf(h));
      }
      if (!b.allLogits) return this.rt.tensor(Float32Array.from(this.logitsOf(h)), [V]);
      const out = new Float32Array(rows.length * V);
      rows.forEach((r, i) => out.set(r, i * V));
      return this.rt.tensor(out, [rows.length, V]);
    });
  }

  forward(ids: Tensor | null): ForwardOutput {
    if (!ids) throw new UnsupportedError('FunctionLM', 'forward needs ids');
    const [B, T] = ids.shape as [number, number];
    const flat = ids.toArray();
    const V = this.config.vocabSize;
    const out = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) {
      const h: number[] = [];
      for (let t = 0; t < T; t++) {
        h.push(flat[b * T + t]!);
        out.set(this.logitsOf(h), (b * T + t) * V);
      }
    }
    return { logits: this.rt.tensor(out, [B, T, V]) };
  }

  embed(): Tensor {
    throw new UnsupportedError('FunctionLM', 'has no embeddings');
  }
}

/** Per-layer keys and values of TinyAttentionLM: (capacity, C) each. */
export class TinyCache implements KVCache {
  disposed = false;
  length = 0;
  readonly k: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly capacity: number,
    readonly dim: number,
    /** Where clones register themselves (so tests can check every cache was released). */
    private readonly registry: TinyCache[] | null = null,
  ) {
    this.k = new Float32Array(capacity * dim);
    this.v = new Float32Array(capacity * dim);
  }
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }
  clone(): KVCache {
    const c = new TinyCache(this.capacity, this.dim, this.registry);
    this.registry?.push(c);
    c.k.set(this.k);
    c.v.set(this.v);
    c.length = this.length;
    return c;
  }
  dispose(): void {
    this.disposed = true;
  }
}

export class TinyAttentionLM implements CausalLM {
  readonly config: BaseModelConfig;
  readonly calls: number[][] = [];
  /** Caches made by newCache (clones are not listed). */
  readonly caches: TinyCache[] = [];
  private readonly E: Float32Array;
  private readonly P: Float32Array;
  private readonly Wq: Float32Array;
  private readonly Wk: Float32Array;
  private readonly Wv: Float32Array;
  private readonly Wo: Float32Array;

  constructor(
    readonly rt: Runtime,
    opts: { vocabSize: number; dim?: number; contextLength?: number; seed?: number; scale?: number },
  ) {
    const C = opts.dim ?? 16;
    const V = opts.vocabSize;
    const ctx = opts.contextLength ?? 128;
    this.config = config(V, ctx, C);
    const rng = new Rng(opts.seed ?? 1);
    const init = (n: number, std: number) => Float32Array.from({ length: n }, () => rng.normal() * std);
    this.E = init(V * C, 1);
    this.P = init(ctx * C, 0.5);
    this.Wq = init(C * C, 1 / Math.sqrt(C));
    this.Wk = init(C * C, 1 / Math.sqrt(C));
    this.Wv = init(C * C, 1 / Math.sqrt(C));
    this.Wo = init(C * V, (opts.scale ?? 2) / Math.sqrt(C));
  }

  newCache(capacity = this.config.contextLength): KVCache {
    const c = new TinyCache(capacity, this.config.hiddenSize, this.caches);
    this.caches.push(c);
    return c;
  }

  /** x_t = E[id] + P[pos]; appends k, v to the cache; returns the logits of position pos. */
  private token(cache: TinyCache, id: number, out: Float32Array, o: number): void {
    const C = this.config.hiddenSize;
    const V = this.config.vocabSize;
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new InvalidArgumentError('step', 'ids', `token ${id} out of range`);
    const pos = cache.length;
    const x = new Float32Array(C);
    for (let c = 0; c < C; c++) x[c] = this.E[id * C + c]! + this.P[pos * C + c]!;
    const q = matvec(x, this.Wq, C, C);
    cache.k.set(matvec(x, this.Wk, C, C), pos * C);
    cache.v.set(matvec(x, this.Wv, C, C), pos * C);
    cache.length = pos + 1;
    const scores = new Float64Array(pos + 1);
    let max = -Infinity;
    for (let j = 0; j <= pos; j++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += q[c]! * cache.k[j * C + c]!;
      scores[j] = s / Math.sqrt(C);
      if (scores[j]! > max) max = scores[j]!;
    }
    let sum = 0;
    for (let j = 0; j <= pos; j++) sum += (scores[j] = Math.exp(scores[j]! - max));
    const h = Float32Array.from(x);
    for (let j = 0; j <= pos; j++) {
      const w = scores[j]! / sum;
      for (let c = 0; c < C; c++) h[c] = h[c]! + w * cache.v[j * C + c]!;
    }
    out.set(matvec(h, this.Wo, C, V), o);
  }

  step(batch: readonly StepInput[]): Tensor[] {
    this.calls.push(batch.map((b) => b.ids.length));
    const V = this.config.vocabSize;
    return batch.map((b) => {
      checkCache(b.cache, b.ids.length, TinyCache);
      const rows = b.allLogits ? b.ids.length : 1;
      const out = new Float32Array(rows * V);
      const scratch = new Float32Array(V);
      b.ids.forEach((id, i) => {
        if (b.allLogits) this.token(b.cache as TinyCache, id, out, i * V);
        else this.token(b.cache as TinyCache, id, i === b.ids.length - 1 ? out : scratch, 0);
      });
      return this.rt.tensor(out, b.allLogits ? [rows, V] : [V]);
    });
  }

  forward(ids: Tensor | null): ForwardOutput {
    if (!ids) throw new UnsupportedError('TinyAttentionLM', 'forward needs ids');
    const [B, T] = ids.shape as [number, number];
    const flat = ids.toArray();
    const V = this.config.vocabSize;
    const out = new Float32Array(B * T * V);
    for (let b = 0; b < B; b++) {
      const cache = new TinyCache(T, this.config.hiddenSize);
      for (let t = 0; t < T; t++) this.token(cache, flat[b * T + t]!, out, (b * T + t) * V);
    }
    return { logits: this.rt.tensor(out, [B, T, V]) };
  }

  embed(ids: Tensor): Tensor {
    const C = this.config.hiddenSize;
    const flat = ids.toArray();
    const out = new Float32Array(flat.length * C);
    flat.forEach((id, i) => out.set(this.E.subarray(id * C, (id + 1) * C), i * C));
    return this.rt.tensor(out, [...ids.shape, C]);
  }
}

function matvec(x: Float32Array, W: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const xr = x[r]!;
    for (let c = 0; c < cols; c++) y[c] = y[c]! + xr * W[r * cols + c]!;
  }
  return y;
}
