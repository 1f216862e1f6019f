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
}

/** y = x W^T + b. The weight may be stored in f16, bf16 or a quantized type for inference. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(rt: Runtime, readonly inFeatures: number, readonly outFeatures: number, opts: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = param(rt.randn([outFeatures, inFeatures], { std: opts.std ?? 0.02 }));
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
    this.weight = param(rt.randn([numEmbeddings, dim], { std: opts.std ?? 0.02 }));
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
