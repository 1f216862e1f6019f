/**
 * A key/value cache for one sequence: per layer, keys and values of shape
 * (Hkv, allocated, D), filled up to `length`. All of them live in one buffer
 * (layers, 2, Hkv, allocated, D) (keys then values per layer), so a native
 * decode step reaches every layer of a sequence through one array (`buffer`).
 *
 * New rows are written in place through views (a slice of the buffer, copied
 * into), so appending a token costs one copy of its keys and values per layer.
 * Buffers start small and double up to `capacity`: a model with a 128k
 * context does not claim gigabytes for a 20-token chat, and the amortised cost
 * of growing is one extra copy of the cache.
 *
 * A step appends the same new tokens to every layer: the model calls
 * `reserve(n)`, then `append(layer, k, v)` for each layer (which returns the
 * keys and values including the new rows), then `commit(n)`.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { KVCache } from '../models/types.js';

export interface KVCacheShape {
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
}

const INITIAL_ROWS = 64;

export class LayeredKVCache implements KVCache {
  /** (layers, 2, Hkv, allocated, D), or null before the first reserve. */
  private all: Tensor | null = null;
  /** Per layer, views of `all`: keys and values (Hkv, allocated, D). */
  private keys: Tensor[] = [];
  private values: Tensor[] = [];
  private allocated = 0;
  private len = 0;
  private pending = 0;
  private disposed = false;

  constructor(
    readonly rt: Runtime,
    readonly shape: KVCacheShape,
    readonly capacity: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new InvalidArgumentError('newCache', 'capacity', `${capacity} must be a positive integer`);
  }

  get length(): number {
    return this.len;
  }

  /** Rows currently allocated per layer (grows by doubling up to capacity). */
  get allocatedRows(): number {
    return this.allocated;
  }

  /**
   * The buffer behind every layer, (layers, 2, Hkv, allocatedRows, D) with
   * [l, 0] the keys and [l, 1] the values of layer l (null before the first
   * reserve). It is replaced when the cache grows: read it after `reserve`.
   * A fused decode step writes the reserved rows of every layer in place.
   */
  get buffer(): Tensor | null {
    this.check('buffer');
    return this.all;
  }

  /** Makes room for n more tokens in every layer; throws if the cache would pass its capacity. */
  reserve(n: number): void {
    this.check('reserve');
    const need = this.len + n;
    if (need > this.capacity) {
      throw new InvalidArgumentError('step', 'cache', `${n} new tokens after ${this.len} exceed the cache's capacity of ${this.capacity}; start a new cache or truncate this one`);
    }
    this.pending = n;
    if (need <= this.allocated) return;
    const rows = Math.min(this.capacity, Math.max(need, this.allocated * 2, INITIAL_ROWS));
    this.grow(rows);
  }

  /**
   * Writes n new rows (k and v of shape (n, Hkv, D), any strides) after the
   * cached ones for `layer` and returns the keys and values (1, Hkv, length + n, D).
   */
  append(layer: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    this.check('append');
    const { numKvHeads: H, headDim: D } = this.shape;
    const n = this.pending;
    if (k.ndim !== 3 || k.shape[0] !== n || k.shape[1] !== H || k.shape[2] !== D || k.shape.join() !== v.shape.join()) {
      throw new ShapeError('KVCache.append', [k.shape, v.shape], `expects keys and values of shape (${n}, ${H}, ${D})`);
    }
    const end = this.len + n;
    for (const [buf, src] of [
      [this.keys[layer]!, k],
      [this.values[layer]!, v],
    ] as const) {
      const region = buf.slice(1, this.len, end); // (Hkv, n, D), a view
      const rows = src.transpose(0, 1); // (n, Hkv, D) -> (Hkv, n, D)
      region.copyFrom(rows);
      region.dispose();
      rows.dispose();
    }
    return { k: this.keys[layer]!.slice(1, 0, end).unsqueeze(0), v: this.values[layer]!.slice(1, 0, end).unsqueeze(0) };
  }

  /** Makes the rows appended since `reserve` part of the cache. */
  commit(n: number): void {
    this.check('commit');
    if (n !== this.pending) throw new InvalidArgumentError('KVCache.commit', 'n', `${n} differs from the ${this.pending} rows reserved`);
    this.len += n;
    this.pending = 0;
  }

  /** The cached keys and values of a layer, (1, Hkv, length, D) views. */
  layer(layer: number): { k: Tensor; v: Tensor } {
    this.check('layer');
    return { k: this.keys[layer]!.slice(1, 0, this.len).unsqueeze(0), v: this.values[layer]!.slice(1, 0, this.len).unsqueeze(0) };
  }

  truncate(length: number): void {
    this.check('truncate');
    if (!(Number.isInteger(length) && length >= 0 && length <= this.len)) {
      throw new InvalidArgumentError('KVCache.truncate', 'length', `${length} must be an integer in [0, ${this.len}]`);
    }
    this.len = length;
  }

  clone(): LayeredKVCache {
    this.check('clone');
    const c = new LayeredKVCache(this.rt, this.shape, this.capacity);
    if (this.len > 0) {
      c.grow(Math.max(this.len, Math.min(this.allocated, this.capacity)));
      for (let l = 0; l < this.shape.numLayers; l++) {
        for (const [from, to] of [
          [this.keys[l]!, c.keys[l]!],
          [this.values[l]!, c.values[l]!],
        ] as const) {
          const src = from.slice(1, 0, this.len);
          const dst = to.slice(1, 0, this.len);
          dst.copyFrom(src);
          src.dispose();
          dst.dispose();
        }
      }
      c.len = this.len;
    }
    return c;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.keys, ...this.values]) t.dispose();
    this.all?.dispose();
    this.all = null;
    this.keys = [];
    this.values = [];
  }

  /** Bytes held by the buffers. */
  get bytes(): number {
    return this.all ? this.all.numel * 4 : 0;
  }

  private grow(rows: number): void {
    const { numLayers: L, numKvHeads: H, headDim: D } = this.shape;
    const fresh = this.rt.untrack(this.rt.zeros([L, 2, H, rows, D]));
    const plane = H * rows * D;
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      for (const [list, half] of [
        [keys, 0],
        [values, 1],
      ] as const) {
        const t = this.rt.untrack(fresh.view([H, rows, D], [rows * D, D, 1], (2 * l + half) * plane));
        const old = half === 0 ? this.keys[l] : this.values[l];
        if (old && this.len > 0) {
          const dst = t.slice(1, 0, this.len);
          const src = old.slice(1, 0, this.len);
          dst.copyFrom(src);
          dst.dispose();
          src.dispose();
        }
        list.push(t);
      }
    }
    for (const t of [...this.keys, ...this.values]) t.dispose();
    this.all?.dispose();
    this.all = fresh;
    this.keys = keys;
    this.values = values;
    this.allocated = rows;
  }

  private check(op: string): void {
    if (this.disposed) throw new InvalidArgumentError(`KVCache.${op}`, 'cache', 'was disposed');
  }
}
