/**
 * Runtime: the explicit context every tensor belongs to. It owns the backend,
 * the buffer pool, the grad mode, tidy() scopes and the random generator.
 *
 * There is no global runtime: create one with `createRuntime()` and pass it
 * (or a tensor, which remembers its runtime) to whatever needs it, the way
 * candle passes a Device.
 */
import type { Backend } from '../backends/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { allocArray, DTYPES, storageLength, type DType, type TypedArray } from './dtype.js';
import { Rng } from './rng.js';
import { contiguousStrides, numel } from './shape.js';
import { BufferPool, Storage } from './storage.js';
import { Tensor } from './tensor.js';

export type NestedArray = number | readonly NestedArray[];

export interface TensorOptions {
  readonly dtype?: DType;
  readonly requiresGrad?: boolean;
}

export class Runtime {
  /** Whether ops record autograd nodes. Flip with noGrad(). */
  gradEnabled = true;
  readonly pool: BufferPool;
  /** The runtime's random generator (init, dropout seeds, sampling); its state is checkpointable. */
  readonly rng: Rng;
  private readonly scopes: Set<Tensor>[] = [];

  constructor(
    readonly backend: Backend,
    opts: { seed?: number; maxPooledBytes?: number } = {},
  ) {
    this.pool = new BufferPool(opts.maxPooledBytes);
    this.rng = new Rng(opts.seed ?? 0);
  }

  // ---- scopes ----

  /** Registers a new tensor with the innermost tidy() scope. */
  track(t: Tensor): void {
    const s = this.scopes[this.scopes.length - 1];
    if (s) {
      s.add(t);
      t.scope = s;
    }
  }

  /** Removes a tensor from its scope so tidy() will not dispose it. Returns it. */
  untrack<T extends Tensor>(t: T): T {
    t.scope?.delete(t);
    t.scope = null;
    return t;
  }

  /** Keeps a tensor alive past the enclosing tidy() (an alias of `untrack`). */
  keep<T extends Tensor>(t: T): T {
    return this.untrack(t);
  }

  /**
   * Runs fn and disposes every tensor it created, except those it returns
   * (a tensor, or tensors inside a returned array or plain object), which
   * move to the enclosing scope. Nestable.
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } finally {
      this.scopes.pop();
    }
    const keep = new Set<Tensor>();
    collectTensors(result, keep, 0);
    const parent = this.scopes[this.scopes.length - 1] ?? null;
    for (const t of scope) {
      if (keep.has(t)) {
        t.scope = parent;
        parent?.add(t);
      } else {
        t.scope = null;
        t.dispose();
      }
    }
    return result;
  }

  /** Runs fn with autograd recording off. */
  noGrad<T>(fn: () => T): T {
    const prev = this.gradEnabled;
    this.gradEnabled = false;
    try {
      return fn();
    } finally {
      this.gradEnabled = prev;
    }
  }

  // ---- creation ----

  /** An uninitialised contiguous tensor from the pool. */
  empty(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return this.alloc(shape, dtype, false);
  }

  zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return this.withGrad(this.alloc(shape, opts.dtype ?? 'f32', true), opts);
  }

  ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return this.full(shape, 1, opts);
  }

  full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
    const t = this.alloc(shape, opts.dtype ?? 'f32', false);
    this.backend.fill(t, value);
    return this.withGrad(t, opts);
  }

  zerosLike(t: Tensor): Tensor {
    return this.zeros(t.shape, { dtype: t.dtype });
  }

  onesLike(t: Tensor): Tensor {
    return this.ones(t.shape, { dtype: t.dtype });
  }

  /** A 0-d tensor. */
  scalar(value: number, dtype: DType = 'f32'): Tensor {
    return this.full([], value, { dtype });
  }

  /**
   * A tensor from nested arrays or a flat typed/plain array and a shape.
   * Typed arrays are copied; use `fromArray` to wrap one without copying.
   */
  tensor(data: NestedArray | ArrayLike<number>, shape?: readonly number[], opts: TensorOptions = {}): Tensor {
    const dtype = opts.dtype ?? (data instanceof Int32Array ? 'i32' : data instanceof Float64Array ? 'f64' : 'f32');
    let flat: ArrayLike<number>;
    let inferred: number[];
    if (typeof data === 'number') {
      flat = [data];
      inferred = [];
    } else if (isNumberArray(data)) {
      flat = data;
      inferred = [data.length];
    } else {
      inferred = [];
      const out: number[] = [];
      flatten(data as readonly NestedArray[], 0, inferred, out);
      flat = out;
    }
    const s = shape ?? inferred;
    if (numel(s) !== flat.length) {
      throw new InvalidArgumentError('tensor', 'shape', `[${s.join(', ')}] holds ${numel(s)} elements but data has ${flat.length}`);
    }
    if (DTYPES[dtype].blockSize > 1 || dtype === 'f16' || dtype === 'bf16') {
      throw new InvalidArgumentError('tensor', 'dtype', `cannot create ${dtype} from numbers; create f32 and convert with .to('${dtype}')`);
    }
    const t = this.alloc(s, dtype, false);
    (t.data as Float32Array).set(flat as ArrayLike<number>);
    return this.withGrad(t, opts);
  }

  /** Wraps an existing typed array (no copy; the caller keeps ownership, it is never pooled). */
  fromArray(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    const need = storageLength(dtype, numel(shape));
    if (data.length !== need) {
      throw new InvalidArgumentError('fromArray', 'data', `${dtype} [${shape.join(', ')}] needs ${need} array elements, got ${data.length}`);
    }
    return new Tensor(this, new Storage(data, dtype, null), shape, contiguousStrides(shape), 0, dtype);
  }

  /** 0, 1, ..., n-1. */
  arange(n: number, opts: TensorOptions = {}): Tensor {
    const t = this.alloc([n], opts.dtype ?? 'f32', false);
    const d = t.data;
    for (let i = 0; i < n; i++) d[i] = i;
    return t;
  }

  /** Normal(mean, std) samples from `rng` (the runtime's by default). */
  randn(shape: readonly number[], opts: TensorOptions & { mean?: number; std?: number; rng?: Rng } = {}): Tensor {
    const t = this.alloc(shape, opts.dtype ?? 'f32', false);
    const rng = opts.rng ?? this.rng;
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = mean + std * rng.normal();
    return this.withGrad(t, opts);
  }

  /** Uniform [low, high) samples. */
  rand(shape: readonly number[], opts: TensorOptions & { low?: number; high?: number; rng?: Rng } = {}): Tensor {
    const t = this.alloc(shape, opts.dtype ?? 'f32', false);
    const rng = opts.rng ?? this.rng;
    const lo = opts.low ?? 0;
    const span = (opts.high ?? 1) - lo;
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = lo + span * rng.float();
    return this.withGrad(t, opts);
  }

  private alloc(shape: readonly number[], dtype: DType, zero: boolean): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError('alloc', 'shape', `[${shape.join(', ')}] must hold non-negative integers`);
    }
    const n = numel(shape);
    const info = DTYPES[dtype];
    if (info.blockSize > 1 && n % info.blockSize !== 0) {
      throw new InvalidArgumentError('alloc', 'shape', `${dtype} needs a multiple of ${info.blockSize} elements, got ${n}`);
    }
    const data = this.pool.take(dtype, storageLength(dtype, n), zero);
    return new Tensor(this, new Storage(data, dtype, this.pool), [...shape], contiguousStrides(shape), 0, dtype);
  }

  private withGrad(t: Tensor, opts: TensorOptions): Tensor {
    if (opts.requiresGrad) t.requireGrad(true);
    return t;
  }
}

function isNumberArray(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x)) return true;
  return Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number');
}

function flatten(data: readonly NestedArray[], depth: number, shape: number[], out: number[]): void {
  if (shape.length === depth) shape.push(data.length);
  else if (shape[depth] !== data.length) {
    throw new InvalidArgumentError('tensor', 'data', `ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${data.length}`);
  }
  for (const x of data) {
    if (typeof x === 'number') {
      if (shape.length !== depth + 1) throw new InvalidArgumentError('tensor', 'data', `ragged nested array at depth ${depth}`);
      out.push(x);
    } else flatten(x, depth + 1, shape, out);
  }
}

function collectTensors(x: unknown, into: Set<Tensor>, depth: number): void {
  if (depth > 8 || x === null || typeof x !== 'object') return;
  if (x instanceof Tensor) {
    into.add(x);
    if (x.grad) into.add(x.grad);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) collectTensors(v, into, depth + 1);
    return;
  }
  if (x instanceof Map) {
    for (const v of x.values()) collectTensors(v, into, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collectTensors(v, into, depth + 1);
}
