/**
 * GPT-2: Radford et al. 2019, "Language Models are Unsupervised Multitask
 * Learners" (https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf),
 * as released in openai/gpt-2 (src/model.py) and as Hugging Face's
 * GPT2LMHeadModel names its parameters (kept here one to one):
 *
 *   x = wte[ids] + wpe[positions]                         learned positions
 *   per block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))   (pre-norm)
 *   logits = ln_f(x) @ wte^T                             tied embeddings
 *
 * Attention uses one fused c_attn projection to q, k, v. MLP: GELU (tanh
 * approximation, "gelu_new"), hidden 4C. Init follows GPT-2 / nanoGPT: normal
 * std 0.02, the two residual output projections scaled by 1/sqrt(2 x layers).
 *
 * Rows: inside the model all tokens are one (R, C) matrix (see ../decoder.ts).
 */
import { InvalidArgumentError } from '../../errors.js';
import { causalSelfAttention } from '../../nn/attention.js';
import { Embedding, LayerNorm, Linear, type InitOptions } from '../../nn/layers.js';
import { GeluMlp } from '../../nn/mlp.js';
import { Module } from '../../nn/module.js';
import { dropout } from '../../tensor/ops/nn.js';
import { linear } from '../../tensor/ops/matmul.js';
import { split } from '../../tensor/ops/movement.js';
import type { Runtime } from '../../tensor/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import { DecoderLM, type BlockContext, type DecoderBlock } from '../decoder.js';
import type { Gpt2Config } from './config.js';

export interface CreateOptions {
  /** 'normal': GPT-2's random init (training from scratch); 'empty': zeroed memory a loader fills. */
  readonly init?: 'normal' | 'empty';
}

/** Init options of a projection: normal(std) or left empty for a loader. */
function initOf(opts: CreateOptions, std: number): InitOptions {
  return opts.init === 'empty' ? { init: 'empty' } : { std };
}

export class Gpt2Attention extends Module {
  c_attn: Linear;
  c_proj: Linear;

  constructor(rt: Runtime, readonly cfg: Gpt2Config, opts: CreateOptions) {
    super();
    const C = cfg.hiddenSize;
    this.c_attn = new Linear(rt, C, 3 * C, initOf(opts, cfg.initializerRange));
    this.c_proj = new Linear(rt, C, C, initOf(opts, cfg.initializerRange / Math.sqrt(2 * cfg.numLayers)));
  }

  forward(x: Tensor, ctx: BlockContext, layer: number): Tensor {
    const { hiddenSize: C, numHeads: H, headDim: D } = this.cfg;
    const R = x.shape[0]!;
    const qkv = this.c_attn.forward(x); // (R, 3C)
    const [q, k, v] = split(qkv, C, 1).map((t) => t.reshape(R, H, D)); // 3 x (R, H, D), views
    let scale = this.cfg.scaleAttnWeights ? 1 / Math.sqrt(D) : 1;
    if (this.cfg.scaleAttnByInverseLayerIdx) scale /= layer + 1;
    const y = causalSelfAttention(q!, k!, v!, ctx.rows, { layer, scale, dropout: this.cfg.attentionDropout, training: ctx.training }); // (R, C)
    return this.c_proj.forward(y); // (R, C)
  }
}

export class Gpt2Block extends Module implements DecoderBlock {
  ln_1: LayerNorm;
  attn: Gpt2Attention;
  ln_2: LayerNorm;
  mlp: GeluMlp;

  constructor(rt: Runtime, readonly cfg: Gpt2Config, opts: CreateOptions) {
    super();
    const C = cfg.hiddenSize;
    this.ln_1 = new LayerNorm(rt, C, cfg.layerNormEps);
    this.attn = new Gpt2Attention(rt, cfg, opts);
    this.ln_2 = new LayerNorm(rt, C, cfg.layerNormEps);
    this.mlp = new GeluMlp(rt, C, cfg.intermediateSize, cfg.activation, {
      ...initOf(opts, cfg.initializerRange),
      ...(opts.init === 'empty' ? {} : { outStd: cfg.initializerRange / Math.sqrt(2 * cfg.numLayers) }),
    });
  }

  forward(x: Tensor, ctx: BlockContext, layer: number): Tensor {
    const p = ctx.training ? this.cfg.dropout : 0;
    const a = this.attn.forward(this.ln_1.forward(x), ctx, layer); // (R, C)
    x = x.add(dropout(a, p)); // residual
    const m = this.mlp.forward(this.ln_2.forward(x)); // (R, C)
    return x.add(dropout(m, p));
  }
}

/** The transformer trunk (HF GPT2Model): embeddings, blocks, final LayerNorm. */
export class Gpt2Transformer extends Module {
  wte: Embedding;
  wpe: Embedding;
  h: Gpt2Block[];
  ln_f: LayerNorm;

  constructor(rt: Runtime, cfg: Gpt2Config, opts: CreateOptions) {
    super();
    this.wte = new Embedding(rt, cfg.vocabSize, cfg.hiddenSize, initOf(opts, cfg.initializerRange));
    this.wpe = new Embedding(rt, cfg.contextLength, cfg.hiddenSize, initOf(opts, cfg.initializerRange));
    this.h = Array.from({ length: cfg.numLayers }, () => new Gpt2Block(rt, cfg, opts));
    this.ln_f = new LayerNorm(rt, cfg.hiddenSize, cfg.layerNormEps);
  }
}

/** GPT-2 with its language-model head (HF GPT2LMHeadModel). */
export class Gpt2LMHeadModel extends DecoderLM<Gpt2Config> {
  transformer: Gpt2Transformer;
  /** Null when the head is tied to the token embeddings (the GPT-2 default). */
  lm_head: Linear | null;

  constructor(
    rt: Runtime,
    readonly config: Gpt2Config,
    opts: CreateOptions = {},
  ) {
    super(rt);
    this.transformer = new Gpt2Transformer(rt, config, opts);
    this.lm_head = config.tieWordEmbeddings ? null : new Linear(rt, config.hiddenSize, config.vocabSize, { ...initOf(opts, config.initializerRange), bias: false });
  }

  embed(ids: Tensor): Tensor {
    return this.transformer.wte.forward(ids); // (B, T) -> (B, T, C)
  }

  protected embedPositions(x: Tensor, positions: Tensor, training: boolean): Tensor {
    const n = this.config.contextLength;
    const pos = positions.toArray();
    for (let i = 0; i < pos.length; i++) {
      if (pos[i]! >= n) throw new InvalidArgumentError('gpt2', 'positions', `position ${pos[i]} is past the model's context of ${n} tokens (n_positions)`);
    }
    const withPos = x.add(this.transformer.wpe.forward(positions)); // (R, C)
    return dropout(withPos, training ? this.config.embeddingDropout : 0);
  }

  protected ropeTables(): null {
    return null;
  }

  protected blocks(): readonly Gpt2Block[] {
    return this.transformer.h;
  }

  protected finalNorm(x: Tensor): Tensor {
    return this.transformer.ln_f.forward(x);
  }

  protected head(x: Tensor): Tensor {
    return this.lm_head ? this.lm_head.forward(x) : linear(x, this.transformer.wte.weight); // (..., C) -> (..., V)
  }
}
