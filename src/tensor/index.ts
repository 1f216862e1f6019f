/**
 * The tensor engine's public surface: runtimes, tensors, autograd and ops.
 */
import { createBackend, type BackendChoice } from '../backends/index.js';
import { Runtime } from './runtime.js';

export interface RuntimeOptions extends BackendChoice {
  /** Seed of the runtime's random generator (init, dropout, sampling). */
  readonly seed?: number;
  /** Capacity of the buffer pool's free lists in bytes. */
  readonly maxPooledBytes?: number;
}

/** Creates a runtime: a backend, a buffer pool, grad mode and scopes. */
export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const extra: { seed?: number; maxPooledBytes?: number } = {};
  if (opts.seed !== undefined) extra.seed = opts.seed;
  if (opts.maxPooledBytes !== undefined) extra.maxPooledBytes = opts.maxPooledBytes;
  return new Runtime(createBackend(opts), extra);
}

export { Runtime, type TensorOptions, type NestedArray } from './runtime.js';
export { Tensor, type TensorLike } from './tensor.js';
export { backward, grad, defineOp, type VjpContext, type OpSpec } from './autograd.js';
export { checkpoint } from './checkpoint.js';
export { Rng } from './rng.js';
export * from './dtype.js';
export * as ops from './ops/index.js';
