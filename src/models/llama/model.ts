/**
 * The Llama family: Touvron et al. 2023, "LLaMA: Open and Efficient Foundation
 * Language Models" (https://arxiv.org/abs/2302.13971) and "Llama 2"
 * (https://arxiv.org/abs/2307.09288), with the variants that share its
 * layout: Mistral 7B (Jiang et al. 2023, sliding-window attention) and Qwen2
 * (q/k/v bias). Parameter names follow Hugging Face's LlamaForCausalLM:
 *
 *   x = embed_tokens[ids]                                   no learned positions
 *   per layer:  x = x + o_proj(attn(rope(q), rope(k), v))   on input_layernorm(x)
 *               x = x + down_proj(silu(gate_proj(h)) * up_proj(h)),  h = post_attention_layernorm(x)
 *   logits = lm_head(norm(x))                               (or embed_tokens^T when tied)
 *
 * RMSNorm (Zhang & Sennrich 2019), rotary embeddings in the rotate-half layout
 * (../../nn/rope.ts, with the rope_scaling variants), SwiGLU MLP,
 * grouped-query attention (Ainslie et al. 2023) when num_key_value_heads <
 * num_attention_heads.
 *
 * Rows: inside the model all tokens are one (R, C) matrix (see ../decoder.ts).
 */
import { causalSelfAttention } from '../../nn/attention.js';
import { Embedding, Linear, RMSNorm, type InitOptions } from '../../nn/layers.js';
import { SwiGluMlp } from '../../nn/mlp.js';
import { Module } from '../../nn/module.js';
import { RotaryEmbedding } from '../../nn/rope.js';
import { dropout, rope } from '../../tensor/ops/nn.js';
import { linear } from '../../tensor/ops/matmul.js';
import type { Runtime } from '../../tensor/runtime.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RaggedSegment } from '../../nn/attention.js';
import { DecoderLM, type BlockContext, type DecoderBlock } from '../decoder.js';
import { layerWindow, type LlamaConfig } from './config.js';
import { fusedLlamaLayers } from './fused-decode.js';

export interface CreateOptions {
  /** 'normal': random init for training from scratch; 'empty': zeroed memory a loader fills. */
  readonly init?: 'normal' | 'empty';
}

function initOf(opts: CreateOptions, std: number): InitOptions {
  return opts.init === 'empty' ? { init: 'empty' } : { std };
}

/** Init std of the projections that write into the residual stream (GPT-2's 1/sqrt(2 x layers)). */
const residualStd = (cfg: LlamaConfig) => cfg.initializerRange / Math.sqrt(2 * cfg.numLayers);

export class LlamaAttention extends Module {
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;

  constructor(rt: Runtime, readonly cfg: LlamaConfig, opts: CreateOptions) {
    super();
    const { hiddenSize: C, numHeads: H, numKvHeads: Hkv, headDim: D } = cfg;
    const init = initOf(opts, cfg.initializerRange);
    this.q_proj = new Linear(rt, C, H * D, { ...init, bias: cfg.qkvBias });
    this.k_proj = new Linear(rt, C, Hkv * D, { ...init, bias: cfg.qkvBias });
    this.v_proj = new Linear(rt, C, Hkv * D, { ...init, bias: cfg.qkvBias });
    this.o_proj = new Linear(rt, H * D, C, { ...initOf(opts, residualStd(cfg)), bias: cfg.oBias });
  }

  forward(x: Tensor, ctx: BlockContext, layer: number): Tensor {
    const { numHeads: H, numKvHeads: Hkv, headDim: D } = this.cfg;
    const R = x.shape[0]!;
    const { cos, sin } = ctx.rope!;
    // rope takes (B, T, H, D): the rows are one sequence of R tokens, each with its own position.
    const q = rope(this.q_proj.forward(x).reshape(1, R, H, D), cos, sin).reshape(R, H, D); // (R, H, D)
    const k = rope(this.k_proj.forward(x).reshape(1, R, Hkv, D), cos, sin).reshape(R, Hkv, D); // (R, Hkv, D)
    const v = this.v_proj.forward(x).reshape(R, Hkv, D); // (R, Hkv, D)
    const y = causalSelfAttention(q, k, v, ctx.rows, {
      layer,
      scale: 1 / Math.sqrt(D),
      window: layerWindow(this.cfg, layer) ?? null,
      dropout: this.cfg.attentionDropout,
      training: ctx.training,
    }); // (R, H * D)
    return this.o_proj.forward(y); // (R, C)
  }
}

export class LlamaDecoderLayer extends Module implements DecoderBlock {
  input_layernorm: RMSNorm;
  self_attn: LlamaAttention;
  post_attention_layernorm: RMSNorm;
  mlp: SwiGluMlp;

  constructor(rt: Runtime, readonly cfg: LlamaConfig, opts: CreateOptions) {
    super();
    const C = cfg.hiddenSize;
    this.input_layernorm = new RMSNorm(rt, C, cfg.rmsNormEps);
    this.self_attn = new LlamaAttention(rt, cfg, opts);
    this.post_attention_layernorm = new RMSNorm(rt, C, cfg.rmsNormEps);
    this.mlp = new SwiGluMlp(rt, C, cfg.intermediateSize, cfg.activation, {
      ...initOf(opts, cfg.initializerRange),
      bias: cfg.mlpBias,
      ...(opts.init === 'empty' ? {} : { outStd: residualStd(cfg) }),
    });
  }

  forward(x: Tensor, ctx: BlockContext, layer: number): Tensor {
    const p = ctx.training ? this.cfg.dropout : 0;
    const a = this.self_attn.forward(this.input_layernorm.forward(x), ctx, layer); // (R, C)
    x = x.add(dropout(a, p)); // residual
    const m = this.mlp.forward(this.post_attention_layernorm.forward(x)); // (R, C)
    return x.add(dropout(m, p));
  }
}

/** The trunk (HF LlamaModel): token embeddings, decoder layers, final RMSNorm. */
export class LlamaModel extends Module {
  embed_tokens: Embedding;
  layers: LlamaDecoderLayer[];
  norm: RMSNorm;

  constructor(rt: Runtime, cfg: LlamaConfig, opts: CreateOptions) {
    super();
    this.embed_tokens = new Embedding(rt, cfg.vocabSize, cfg.hiddenSize, initOf(opts, cfg.initializerRange));
    this.layers = Array.from({ length: cfg.numLayers }, () => new LlamaDecoderLayer(rt, cfg, opts));
    this.norm = new RMSNorm(rt, cfg.hiddenSize, cfg.rmsNormEps);
  }
}

/** A Llama-family model with its language-model head (HF LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM). */
export class LlamaForCausalLM extends DecoderLM<LlamaConfig> {
  model: LlamaModel;
  /** Null when the head is tied to the token embeddings (SmolLM, Qwen2.5 small models, Llama 3.2 1B/3B). */
  lm_head: Linear | null;
  /** Rotary tables (not parameters). */
  readonly rotary: RotaryEmbedding;

  constructor(
    rt: Runtime,
    readonly config: LlamaConfig,
    opts: CreateOptions = {},
  ) {
    super(rt);
    this.model = new LlamaModel(rt, config, opts);
    this.lm_head = config.tieWordEmbeddings ? null : new Linear(rt, config.hiddenSize, config.vocabSize, { ...initOf(opts, config.initializerRange), bias: false });
    this.rotary = new RotaryEmbedding({ dim: config.headDim, theta: config.ropeTheta, maxPositions: config.contextLength, scaling: config.ropeScaling });
  }

  embed(ids: Tensor): Tensor {
    return this.model.embed_tokens.forward(ids); // (B, T) -> (B, T, C)
  }

  protected embedPositions(x: Tensor, _positions: Tensor, training: boolean): Tensor {
    return dropout(x, training ? this.config.dropout : 0); // positions enter through rope
  }

  protected ropeTables(positions: Int32Array): { cos: Tensor; sin: Tensor } {
    return this.rotary.tables(this.rt, positions); // (1, R, D/2) each
  }

  protected blocks(): readonly LlamaDecoderLayer[] {
    return this.model.layers;
  }

  protected override fusedBlocks(x: Tensor, segments: readonly RaggedSegment[], rope: BlockContext['rope']): Tensor | null {
    return rope ? fusedLlamaLayers(this, { attention: LlamaAttention, layer: LlamaDecoderLayer }, x, segments, rope) : null;
  }

  protected finalNorm(x: Tensor): Tensor {
    return this.model.norm.forward(x);
  }

  protected head(x: Tensor): Tensor {
    return this.lm_head ? this.lm_head.forward(x) : linear(x, this.model.embed_tokens.weight); // (..., C) -> (..., V)
  }
}
