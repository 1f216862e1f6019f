/**
 * The machinery every decoder-only architecture shares: turning `forward`
 * (rectangular, padded batches) and `step` (ragged batches over KV caches)
 * into one pass over rows of tokens. An architecture file supplies only what
 * differs: how tokens are embedded, where positions enter, its blocks, the
 * final norm and the output head.
 *
 * Rows: all tokens of a call are one (R, C) matrix, R = B x T for `forward` and
 * the sum of the new tokens for `step`, so every projection runs once per call.
 * Attention is the only place rows are regrouped (src/nn/attention.ts).
 */
import { InvalidArgumentError, ShapeError, DTypeError } from '../errors.js';
import { LayeredKVCache } from '../nn/kv-cache.js';
import { Module } from '../nn/module.js';
import { paddingKeyMask, positionsFromMask, type RaggedSegment, type RowLayout } from '../nn/attention.js';
import { embedding } from '../tensor/ops/nn.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BaseModelConfig, CausalLM, ForwardOptions, ForwardOutput, StepInput } from './types.js';

/** What a block needs besides its input rows. */
export interface BlockContext {
  readonly rows: RowLayout;
  /** cos and sin (1, R, D/2) at each row's position, for rotary models. */
  readonly rope: { readonly cos: Tensor; readonly sin: Tensor } | null;
  readonly training: boolean;
}

export interface DecoderBlock extends Module {
  /** (R, C) -> (R, C). */
  forward(x: Tensor, ctx: BlockContext, layer: number): Tensor;
}

export abstract class DecoderLM<C extends BaseModelConfig = BaseModelConfig> extends Module implements CausalLM {
  abstract readonly config: C;
  /**
   * Whether `step` may run all layers in one fused native call when the
   * architecture and backend offer one (Llama family on the native backend).
   * false always takes the per-op path, the reference the fused one is tested against.
   */
  fusedDecode = true;

  constructor(readonly rt: Runtime) {
    super();
  }

  /** Token embeddings of ids (B, T): (B, T, C). */
  abstract embed(ids: Tensor): Tensor;
  /** Adds position information to rows (R, C) at `positions` (i32 (R)) and applies embedding dropout. */
  protected abstract embedPositions(x: Tensor, positions: Tensor, training: boolean): Tensor;
  /** cos/sin tables for rows at these positions, or null for models without rotary embeddings. */
  protected abstract ropeTables(positions: Int32Array): { cos: Tensor; sin: Tensor } | null;
  protected abstract blocks(): readonly DecoderBlock[];
  protected abstract finalNorm(x: Tensor): Tensor;
  /** Rows (..., C) to logits (..., V). */
  protected abstract head(x: Tensor): Tensor;
  /**
   * Every block over the rows x (R, C) of a ragged step in one fused call,
   * appending to the caches (reserved); null when this architecture has no
   * fused path or it does not apply, and `step` runs the blocks one by one.
   */
  protected fusedBlocks(_x: Tensor, _segments: readonly RaggedSegment[], _rope: BlockContext['rope']): Tensor | null {
    return null;
  }

  forward(ids: Tensor | null, opts: ForwardOptions = {}): ForwardOutput {
    const C = this.config.hiddenSize;
    const x0 = this.inputEmbeddings(ids, opts.inputsEmbeds);
    const [B, T] = x0.shape as [number, number, number];
    let maskData: ArrayLike<number> | null = null;
    if (opts.attentionMask) {
      const m = opts.attentionMask;
      if (m.ndim !== 2 || m.shape[0] !== B || m.shape[1] !== T) throw new ShapeError('forward', [m.shape, [B, T]], `attentionMask must be (B, T) = (${B}, ${T})`);
      maskData = m.toArray();
    }
    const posArray = positionsFromMask(maskData, B, T);
    const positions = this.rt.tensor(posArray, [B * T], { dtype: 'i32' });
    const rows: RowLayout = {
      kind: 'dense',
      batch: B,
      seqLen: T,
      ...(maskData ? { keyMask: paddingKeyMask(this.rt, maskData, B, T, x0.dtype === 'f64' ? 'f64' : 'f32') } : {}),
      ...(opts.outputAttentions ? { attentions: [] as Tensor[] } : {}),
    };
    const ctx: BlockContext = { rows, rope: this.ropeTables(posArray), training: this.training };
    let x = this.embedPositions(x0.reshape(B * T, C), positions, this.training); // (R, C)
    const hidden: Tensor[] | null = opts.outputHiddenStates ? [x.reshape(B, T, C)] : null;
    this.blocks().forEach((block, l) => {
      x = block.forward(x, ctx, l);
      hidden?.push(x.reshape(B, T, C));
    });
    let h = x.reshape(B, T, C);
    if (opts.lastOnly) h = h.slice(1, T - 1, T); // (B, 1, C)
    const logits = this.head(this.finalNorm(h)); // (B, T, V)
    return {
      logits,
      ...(hidden ? { hiddenStates: hidden } : {}),
      ...(rows.attentions ? { attentions: rows.attentions } : {}),
    };
  }

  newCache(capacity = this.config.contextLength): LayeredKVCache {
    const c = this.config;
    return new LayeredKVCache(this.rt, { numLayers: c.numLayers, numKvHeads: c.numKvHeads, headDim: c.headDim }, capacity);
  }

  step(batch: readonly StepInput[]): Tensor[] {
    if (batch.length === 0) return [];
    const caches = this.checkStep(batch);
    return this.rt.noGrad(() =>
      this.rt.tidy(() => {
        const N = batch.reduce((s, b) => s + b.ids.length, 0);
        const ids = new Int32Array(N);
        const posArray = new Int32Array(N);
        const segments: RaggedSegment[] = [];
        const pick: number[] = [];
        let at = 0;
        batch.forEach((b, i) => {
          const cache = caches[i]!;
          cache.reserve(b.ids.length);
          b.ids.forEach((id, j) => {
            ids[at + j] = id;
            posArray[at + j] = cache.length + j;
            if (b.allLogits || j === b.ids.length - 1) pick.push(at + j);
          });
          segments.push({ start: at, length: b.ids.length, cache });
          at += b.ids.length;
        });
        const C = this.config.hiddenSize;
        const positions = this.rt.tensor(posArray, [N], { dtype: 'i32' });
        let x = this.embedPositions(this.embed(this.rt.tensor(ids, [1, N], { dtype: 'i32' })).reshape(N, C), positions, false); // (N, C)
        const rope = this.ropeTables(posArray); // both paths use the same tables
        const fused = this.fusedDecode ? this.fusedBlocks(x, segments, rope) : null;
        if (fused) x = fused;
        else {
          const ctx: BlockContext = { rows: { kind: 'ragged', segments }, rope, training: false };
          this.blocks().forEach((block, l) => (x = block.forward(x, ctx, l)));
        }
        // Only the rows whose logits were asked for go through the head.
        const h = pick.length === N ? x : embedding(x, this.rt.tensor(Int32Array.from(pick), [pick.length], { dtype: 'i32' })); // (M, C)
        const logits = this.head(this.finalNorm(h)); // (M, V)
        batch.forEach((b, i) => caches[i]!.commit(b.ids.length));
        let row = 0;
        return batch.map((b) => {
          const n = b.allLogits ? b.ids.length : 1;
          const out = logits.slice(0, row, row + n);
          row += n;
          return b.allLogits ? out : out.squeeze(0); // (n, V) or (V)
        });
      }),
    );
  }

  private inputEmbeddings(ids: Tensor | null, embeds: Tensor | undefined): Tensor {
    const C = this.config.hiddenSize;
    if (embeds) {
      if (ids) throw new InvalidArgumentError('forward', 'ids', 'pass either ids or inputsEmbeds (with ids = null), not both');
      if (embeds.ndim !== 3 || embeds.shape[2] !== C) throw new ShapeError('forward', [embeds.shape], `inputsEmbeds must be (B, T, ${C})`);
      return embeds;
    }
    if (!ids) throw new InvalidArgumentError('forward', 'ids', 'is null and no inputsEmbeds were given');
    if (ids.dtype !== 'i32') throw new DTypeError('forward', 'i32 token ids', ids.dtype);
    if (ids.ndim !== 2 || ids.shape[1] === 0) throw new ShapeError('forward', [ids.shape], 'ids must be (B, T) with T > 0');
    return this.embed(ids);
  }

  private checkStep(batch: readonly StepInput[]): LayeredKVCache[] {
    const c = this.config;
    const seen = new Set<LayeredKVCache>();
    return batch.map((b, i) => {
      const cache = b.cache;
      if (!(cache instanceof LayeredKVCache) || cache.shape.numLayers !== c.numLayers || cache.shape.numKvHeads !== c.numKvHeads || cache.shape.headDim !== c.headDim) {
        throw new InvalidArgumentError('step', `batch[${i}].cache`, "is not a cache of this model's shape; create it with model.newCache()");
      }
      if (seen.has(cache)) throw new InvalidArgumentError('step', `batch[${i}].cache`, 'appears twice in one batch; each sequence needs its own cache (clone() to fork)');
      seen.add(cache);
      if (b.ids.length === 0) throw new InvalidArgumentError('step', `batch[${i}].ids`, 'is empty; every sequence needs at least one new token');
      for (const id of b.ids) {
        if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new InvalidArgumentError('step', `batch[${i}].ids`, `token id ${id} is outside the vocabulary [0, ${c.vocabSize})`);
      }
      if (cache.length + b.ids.length > cache.capacity) {
        throw new InvalidArgumentError('step', `batch[${i}].cache`, `${b.ids.length} new tokens after ${cache.length} exceed the cache's capacity of ${cache.capacity}`);
      }
      return cache;
    });
  }
}
