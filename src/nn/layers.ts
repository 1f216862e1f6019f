/**
 * The basic layers: Linear, Embedding, LayerNorm, RMSNorm. Weight layouts
 * follow PyTorch (Linear weight is (out, in)), so checkpoints map by name.
 */
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { embedding, layerNorm, rmsNorm } from '../tensor/ops/nn.js';
import { linear } from '../tensor/ops/matmul.js';
import { Module, param } from './module.js';

export interface InitOptions {
  /** Standard deviation of the normal init (GPT-2 uses 0.02). */
  readonly std?: number;
  /**
   * 'empty' skips the random draw and allocates zeroed memory outside the pool,
   * for weights that a loader overwrites (V8 maps large zeroed buffers lazily,
   * so memory nobody writes to is never resident).
   */
  readonly init?: 'normal' | 'empty';
}

/** A (rows, cols) weight: normal(0, std) samples, or empty memory for a loader to fill. */
export function initWeight(rt: Runtime, shape: readonly number[], opts: InitOptions = {}): Tensor {
  if (opts.init === 'empty') return rt.fromArray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'f32');
  return rt.randn(shape, { std: opts.std ?? 0.02 });
}

/** y = x W^T + b. The weight may be stored in f16, bf16 or a quantized type for inference. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(rt: Runtime, readonly inFeatures: number, readonly outFeatures: number, opts: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = param(initWeight(rt, [outFeatures, inFeatures], opts));
    this.bias = opts.bias === false ? null : param(rt.zeros([outFeatures]));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  weight: Tensor;
  constructor(rt: Runtime, readonly numEmbeddings: number, readonly dim: number, opts: InitOptions = {}) {
    super();
    this.weight = param(initWeight(rt, [numEmbeddings, dim], opts));
  }
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

export class LayerNorm extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(rt: Runtime, readonly dim: number, readonly eps = 1e-5, opts: { bias?: boolean } = {}) {
    super();
    this.weight = param(rt.ones([dim]));
    this.bias = opts.bias === false ? null : param(rt.zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class RMSNorm extends Module {
  weight: Tensor;
  constructor(rt: Runtime, readonly dim: number, readonly eps = 1e-6) {
    super();
    this.weight = param(rt.ones([dim]));
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
