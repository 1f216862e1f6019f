/**
 * GPT-2 configuration: the Hugging Face `config.json` keys (GPT2Config) and
 * the derived, typed config the model is built from.
 *
 * Two ways in: `gpt2ConfigFromHF(json)` for checkpoints, `gpt2Config(options)`
 * for models trained from scratch. Both end in `deriveGpt2`, which checks the
 * cross-field rules once.
 */
import * as z from 'zod';
import type { Activation } from '../../nn/mlp.js';
import type { BaseModelConfig } from '../types.js';
import { configIssues, failIf, parseConfigObject, type ParsedConfig } from '../hf-config.js';
import { ConfigError } from '../../errors.js';

export interface Gpt2Config extends BaseModelConfig {
  readonly architecture: 'gpt2';
  readonly modelType: 'gpt2';
  readonly layerNormEps: number;
  readonly activation: Activation;
  /** Dropout on the residual branches (HF resid_pdrop). */
  readonly dropout: number;
  /** Dropout after the token + position embeddings (embd_pdrop). */
  readonly embeddingDropout: number;
  /** Dropout on attention probabilities (attn_pdrop); materialises them while training. */
  readonly attentionDropout: number;
  /** Scale scores by 1/sqrt(head dim) (scale_attn_weights). */
  readonly scaleAttnWeights: boolean;
  /** Further divide scores by layer index + 1 (scale_attn_by_inverse_layer_idx). */
  readonly scaleAttnByInverseLayerIdx: boolean;
  readonly initializerRange: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | readonly number[] | null;
}

const prob = z.number().min(0).lt(1);
const tokenId = z.int().nonnegative();

/** Options for a GPT-2 built from scratch (camelCase; unknown keys are refused). */
export const Gpt2OptionsSchema = z.strictObject({
  vocabSize: z.int().positive(),
  contextLength: z.int().positive(),
  hiddenSize: z.int().positive(),
  numLayers: z.int().positive(),
  numHeads: z.int().positive(),
  intermediateSize: z.int().positive().optional(),
  activation: z.enum(['gelu_tanh', 'gelu', 'relu', 'silu']).default('gelu_tanh'),
  layerNormEps: z.number().positive().default(1e-5),
  dropout: prob.default(0),
  embeddingDropout: prob.optional(),
  attentionDropout: prob.optional(),
  tieWordEmbeddings: z.boolean().default(true),
  scaleAttnWeights: z.boolean().default(true),
  scaleAttnByInverseLayerIdx: z.boolean().default(false),
  initializerRange: z.number().positive().default(0.02),
  bosTokenId: tokenId.nullable().default(null),
  eosTokenId: z.union([tokenId, z.array(tokenId)]).nullable().default(null),
});
export type Gpt2Options = z.input<typeof Gpt2OptionsSchema>;

/** Cross-field checks and derived sizes. `key` names a field in errors (HF or option names). */
function deriveGpt2(o: z.output<typeof Gpt2OptionsSchema>, source: string, key: (option: string) => string = (k) => k): Gpt2Config {
  failIf(source, o.hiddenSize % o.numHeads === 0 ? [] : [{ path: [key('hiddenSize')], message: `${o.hiddenSize} is not divisible by the number of heads (${o.numHeads})` }]);
  return {
    architecture: 'gpt2',
    modelType: 'gpt2',
    vocabSize: o.vocabSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    numHeads: o.numHeads,
    numKvHeads: o.numHeads,
    headDim: o.hiddenSize / o.numHeads,
    intermediateSize: o.intermediateSize ?? 4 * o.hiddenSize,
    contextLength: o.contextLength,
    tieWordEmbeddings: o.tieWordEmbeddings,
    layerNormEps: o.layerNormEps,
    activation: o.activation,
    dropout: o.dropout,
    embeddingDropout: o.embeddingDropout ?? o.dropout,
    attentionDropout: o.attentionDropout ?? o.dropout,
    scaleAttnWeights: o.scaleAttnWeights,
    scaleAttnByInverseLayerIdx: o.scaleAttnByInverseLayerIdx,
    initializerRange: o.initializerRange,
    bosTokenId: o.bosTokenId,
    eosTokenId: o.eosTokenId,
  };
}

/** A GPT-2 config from options (for training from scratch). Throws ConfigError naming bad fields. */
export function gpt2Config(options: Gpt2Options, source = 'gpt2Config'): Gpt2Config {
  const r = Gpt2OptionsSchema.safeParse(options);
  if (!r.success) throw new ConfigError(source, configIssues(r.error, options));
  return deriveGpt2(r.data, source);
}

// ---- Hugging Face config.json ----

/** HF activation names and the function each one means. */
const HF_ACTIVATIONS = { gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', gelu_fast: 'gelu_tanh', gelu: 'gelu', relu: 'relu', silu: 'silu', swish: 'silu' } as const satisfies Record<string, Activation>;

const Gpt2HFSchema = z.object({
  vocab_size: z.int().positive(),
  n_positions: z.int().positive(),
  n_embd: z.int().positive(),
  n_layer: z.int().positive(),
  n_head: z.int().positive(),
  n_inner: z.int().positive().nullable().optional(),
  activation_function: z.enum(Object.keys(HF_ACTIVATIONS) as [keyof typeof HF_ACTIVATIONS]).default('gelu_new'),
  resid_pdrop: prob.default(0.1),
  embd_pdrop: prob.default(0.1),
  attn_pdrop: prob.default(0.1),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  initializer_range: z.number().positive().default(0.02),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  // Upcasting changes only the precision of the scores; lmkit computes them in f32 anyway.
  reorder_and_upcast_attn: z.boolean().optional(),
  tie_word_embeddings: z.boolean().default(true),
  add_cross_attention: z.literal(false, { error: 'cross-attention (encoder-decoder GPT-2) is not supported' }).optional(),
  bos_token_id: tokenId.nullable().default(50256),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullable().default(50256),
  model_type: z.literal('gpt2').optional(),
});

/** Keys of GPT-2 configs that configure heads lmkit does not build (sequence summary, old names). */
const GPT2_HARMLESS = ['summary_type', 'summary_use_proj', 'summary_activation', 'summary_proj_to_labels', 'summary_first_dropout', 'n_ctx'];

/** Parses a GPT-2 `config.json` (already read as JSON); `source` names the file in errors. */
export function gpt2ConfigFromHF(json: unknown, source: string): ParsedConfig<Gpt2Config> {
  const { value: h, warnings } = parseConfigObject(Gpt2HFSchema, json, source, GPT2_HARMLESS);
  const config = deriveGpt2(
    {
      vocabSize: h.vocab_size,
      contextLength: h.n_positions,
      hiddenSize: h.n_embd,
      numLayers: h.n_layer,
      numHeads: h.n_head,
      ...(h.n_inner ? { intermediateSize: h.n_inner } : {}),
      activation: HF_ACTIVATIONS[h.activation_function],
      layerNormEps: h.layer_norm_epsilon,
      dropout: h.resid_pdrop,
      embeddingDropout: h.embd_pdrop,
      attentionDropout: h.attn_pdrop,
      tieWordEmbeddings: h.tie_word_embeddings,
      scaleAttnWeights: h.scale_attn_weights,
      scaleAttnByInverseLayerIdx: h.scale_attn_by_inverse_layer_idx,
      initializerRange: h.initializer_range,
      bosTokenId: h.bos_token_id,
      eosTokenId: h.eos_token_id,
    },
    source,
    (k) => ({ hiddenSize: 'n_embd' })[k] ?? k,
  );
  return { value: config, warnings };
}

const ACTIVATION_TO_HF: Record<Activation, string> = { gelu_tanh: 'gelu_new', gelu: 'gelu', relu: 'relu', silu: 'silu' };

/** The config as GPT2Config keys, for config.json. */
export function gpt2ConfigToHF(c: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.contextLength,
    n_ctx: c.contextLength,
    n_embd: c.hiddenSize,
    n_layer: c.numLayers,
    n_head: c.numHeads,
    n_inner: c.intermediateSize === 4 * c.hiddenSize ? null : c.intermediateSize,
    activation_function: ACTIVATION_TO_HF[c.activation],
    resid_pdrop: c.dropout,
    embd_pdrop: c.embeddingDropout,
    attn_pdrop: c.attentionDropout,
    layer_norm_epsilon: c.layerNormEps,
    initializer_range: c.initializerRange,
    scale_attn_weights: c.scaleAttnWeights,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: c.tieWordEmbeddings,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
  };
}
