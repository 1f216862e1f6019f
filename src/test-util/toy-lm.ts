/**
 * Test helper: a tiny next-token model (embedding, residual MLP blocks with
 * dropout, LM head) for testing the training loop without a full
 * transformer. It offers `forward` and the Module tree, which is all the
 * trainer uses.
 */
import { Embedding, LayerNorm, Linear, Module } from '../nn/index.js';
import { dropout } from '../tensor/ops/nn.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainableModel } from '../train/trainer.js';

class ToyBlock extends Module {
  norm: LayerNorm;
  up: Linear;
  down: Linear;
  constructor(rt: Runtime, d: number, readonly p: number) {
    super();
    this.norm = new LayerNorm(rt, d);
    this.up = new Linear(rt, d, 2 * d);
    this.down = new Linear(rt, 2 * d, d);
  }
  forward(x: Tensor): Tensor {
    return x.add(dropout(this.down.forward(this.up.forward(this.norm.forward(x)).gelu()), this.p, { training: this.training }));
  }
}

class ToyLM extends Module {
  wte: Embedding;
  layers: ToyBlock[];
  head: Linear;
  constructor(
    readonly rt: Runtime,
    readonly config: { vocabSize: number; hiddenSize: number; contextLength: number; numLayers: number },
    p: number,
  ) {
    super();
    this.wte = new Embedding(rt, config.vocabSize, config.hiddenSize);
    this.layers = Array.from({ length: config.numLayers }, () => new ToyBlock(rt, config.hiddenSize, p));
    this.head = new Linear(rt, config.hiddenSize, config.vocabSize, { bias: false });
  }
  blocks(): ToyBlock[] {
    return this.layers;
  }
  forward(ids: Tensor): { logits: Tensor } {
    let x = this.wte.forward(ids);
    for (const b of this.blocks()) x = b.forward(x);
    return { logits: this.head.forward(x) };
  }
}

export function toyLM(rt: Runtime, cfg: { vocabSize: number; hiddenSize?: number; contextLength?: number; numLayers?: number; dropout?: number }): TrainableModel {
  const config = { vocabSize: cfg.vocabSize, hiddenSize: cfg.hiddenSize ?? 16, contextLength: cfg.contextLength ?? 64, numLayers: cfg.numLayers ?? 2 };
  return new ToyLM(rt, config, cfg.dropout ?? 0) as unknown as TrainableModel;
}
