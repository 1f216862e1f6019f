/**
 * Llama-family configuration: the Hugging Face `config.json` keys of
 * LlamaConfig, MistralConfig and Qwen2Config (which differ only in defaults
 * and a few switches), and the derived, typed config the model is built from.
 *
 *   model_type   q/k/v bias        o bias            sliding window
 *   llama        attention_bias    attention_bias    none
 *   mistral      no                no                sliding_window (all layers)
 *   qwen2        yes               no                if use_sliding_window: layers >= max_window_layers
 *
 * SmolLM, TinyLlama and Llama 2/3 ship as model_type "llama".
 */
import * as z from 'zod';
import { ConfigError, type ConfigIssue } from '../../errors.js';
import type { Activation } from '../../nn/mlp.js';
import type { RopeScaling } from '../../nn/rope.js';
import type { BaseModelConfig } from '../types.js';
import { configIssues, failIf, parseConfigObject, type ParsedConfig } from '../hf-config.js';

export type LlamaModelType = 'llama' | 'mistral' | 'qwen2';

export interface LlamaConfig extends BaseModelConfig {
  readonly architecture: 'llama';
  /** The HF model_type written back on save. */
  readonly modelType: LlamaModelType;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  readonly qkvBias: boolean;
  readonly oBias: boolean;
  readonly mlpBias: boolean;
  readonly activation: Activation;
  /** Sliding attention window (Mistral, Qwen2), or null for full attention. */
  readonly slidingWindow: number | null;
  /** Layers with index >= this use the sliding window (Qwen2's max_window_layers; 0 for Mistral). */
  readonly maxWindowLayers: number;
  readonly attentionDropout: number;
  /** Dropout on residual branches and embeddings (lmkit's, for training from scratch; 0 in HF models). */
  readonly dropout: number;
  readonly initializerRange: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | readonly number[] | null;
  readonly padTokenId: number | null;
}

const prob = z.number().min(0).lt(1);
const tokenId = z.int().nonnegative();
const activation = z.enum(['gelu_tanh', 'gelu', 'relu', 'silu']);

const RopeScalingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('linear'), factor: z.number().positive() }),
  z.strictObject({ type: z.literal('dynamic'), factor: z.number().positive() }),
  z.strictObject({
    type: z.literal('llama3'),
    factor: z.number().positive(),
    lowFreqFactor: z.number().positive(),
    highFreqFactor: z.number().positive(),
    originalMaxPositions: z.int().positive(),
  }),
  z.strictObject({
    type: z.literal('yarn'),
    factor: z.number().positive(),
    originalMaxPositions: z.int().positive().optional(),
    betaFast: z.number().positive().optional(),
    betaSlow: z.number().positive().optional(),
    attentionFactor: z.number().positive().optional(),
    mscale: z.number().optional(),
    mscaleAllDim: z.number().optional(),
    truncate: z.boolean().optional(),
  }),
]);

/** Options for a Llama-family model built from scratch (camelCase; unknown keys are refused). */
export const LlamaOptionsSchema = z.strictObject({
  modelType: z.enum(['llama', 'mistral', 'qwen2']).default('llama'),
  vocabSize: z.int().positive(),
  contextLength: z.int().positive(),
  hiddenSize: z.int().positive(),
  numLayers: z.int().positive(),
  numHeads: z.int().positive(),
  numKvHeads: z.int().positive().optional(),
  headDim: z.int().positive().optional(),
  intermediateSize: z.int().positive(),
  tieWordEmbeddings: z.boolean().default(false),
  rmsNormEps: z.number().positive().default(1e-6),
  ropeTheta: z.number().positive().default(10000),
  ropeScaling: RopeScalingSchema.nullable().default(null),
  qkvBias: z.boolean().default(false),
  oBias: z.boolean().default(false),
  mlpBias: z.boolean().default(false),
  activation: activation.default('silu'),
  slidingWindow: z.int().positive().nullable().default(null),
  maxWindowLayers: z.int().nonnegative().default(0),
  attentionDropout: prob.default(0),
  dropout: prob.default(0),
  initializerRange: z.number().positive().default(0.02),
  bosTokenId: tokenId.nullable().default(null),
  eosTokenId: z.union([tokenId, z.array(tokenId)]).nullable().default(null),
  padTokenId: tokenId.nullable().default(null),
});
export type LlamaOptions = z.input<typeof LlamaOptionsSchema>;
type Options = z.output<typeof LlamaOptionsSchema>;

/** Cross-field checks and derived sizes. `key` names a field in errors (HF or option names). */
function deriveLlama(o: Options, source: string, key: (option: string) => string = (k) => k): LlamaConfig {
  const kv = o.numKvHeads ?? o.numHeads;
  const issues: ConfigIssue[] = [];
  if (o.headDim === undefined && o.hiddenSize % o.numHeads !== 0) issues.push({ path: [key('hiddenSize')], message: `${o.hiddenSize} is not divisible by the number of heads (${o.numHeads})` });
  if (o.numHeads % kv !== 0) issues.push({ path: [key('numKvHeads')], message: `the number of heads (${o.numHeads}) must be a multiple of the key/value heads (${kv})` });
  const headDim = o.headDim ?? Math.floor(o.hiddenSize / o.numHeads);
  if (headDim % 2 !== 0) issues.push({ path: [key('headDim')], message: `rotary embeddings need an even head dim, got ${headDim}` });
  if (o.ropeScaling?.type === 'llama3' && !(o.ropeScaling.highFreqFactor > o.ropeScaling.lowFreqFactor)) {
    issues.push({ path: [key('ropeScaling'), 'high_freq_factor'], message: 'must be larger than low_freq_factor' });
  }
  failIf(source, issues);
  return {
    architecture: 'llama',
    modelType: o.modelType,
    vocabSize: o.vocabSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    numHeads: o.numHeads,
    numKvHeads: kv,
    headDim,
    intermediateSize: o.intermediateSize,
    contextLength: o.contextLength,
    tieWordEmbeddings: o.tieWordEmbeddings,
    rmsNormEps: o.rmsNormEps,
    ropeTheta: o.ropeTheta,
    ropeScaling: o.ropeScaling,
    qkvBias: o.qkvBias,
    oBias: o.oBias,
    mlpBias: o.mlpBias,
    activation: o.activation,
    slidingWindow: o.slidingWindow,
    maxWindowLayers: o.slidingWindow === null ? 0 : o.maxWindowLayers,
    attentionDropout: o.attentionDropout,
    dropout: o.dropout,
    initializerRange: o.initializerRange,
    bosTokenId: o.bosTokenId,
    eosTokenId: o.eosTokenId,
    padTokenId: o.padTokenId,
  };
}

/** A Llama-family config from options (for training from scratch). Throws ConfigError naming bad fields. */
export function llamaConfig(options: LlamaOptions, source = 'llamaConfig'): LlamaConfig {
  // Qwen2 always has q/k/v bias: make it the default there.
  const r = LlamaOptionsSchema.safeParse(options.modelType === 'qwen2' ? { qkvBias: true, ...options } : options);
  if (!r.success) throw new ConfigError(source, configIssues(r.error, options));
  const config = deriveLlama(r.data, source);
  checkExpressible(config, source);
  return config;
}

/** The sliding window of one layer, or undefined for full attention. */
export function layerWindow(c: LlamaConfig, layer: number): number | undefined {
  return c.slidingWindow !== null && layer >= c.maxWindowLayers ? c.slidingWindow : undefined;
}

// ---- Hugging Face config.json ----

const HF_ACTIVATIONS = { silu: 'silu', swish: 'silu', gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu' } as const satisfies Record<string, Activation>;

const RopeHFSchema = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  rope_theta: z.number().positive().optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: z.int().positive().optional(),
  beta_fast: z.number().positive().optional(),
  beta_slow: z.number().positive().optional(),
  attention_factor: z.number().positive().optional(),
  mscale: z.number().optional(),
  mscale_all_dim: z.number().optional(),
  truncate: z.boolean().optional(),
});

const LlamaHFSchema = z.object({
  model_type: z.enum(['llama', 'mistral', 'qwen2']),
  vocab_size: z.int().positive(),
  hidden_size: z.int().positive(),
  intermediate_size: z.int().positive(),
  num_hidden_layers: z.int().positive(),
  num_attention_heads: z.int().positive(),
  num_key_value_heads: z.int().positive().nullable().optional(),
  head_dim: z.int().positive().nullable().optional(),
  max_position_embeddings: z.int().positive(),
  hidden_act: z.enum(Object.keys(HF_ACTIVATIONS) as [keyof typeof HF_ACTIVATIONS]).default('silu'),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().optional(),
  rope_scaling: RopeHFSchema.nullable().optional(),
  rope_parameters: RopeHFSchema.nullable().optional(),
  partial_rotary_factor: z.literal(1, { error: 'partial rotary embeddings are not supported (must be 1)' }).optional(),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  attention_dropout: prob.default(0),
  tie_word_embeddings: z.boolean().default(false),
  sliding_window: z.int().positive().nullable().optional(),
  use_sliding_window: z.boolean().optional(),
  max_window_layers: z.int().nonnegative().optional(),
  layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).optional(),
  use_mrope: z.literal(false, { error: 'multimodal rotary embeddings (Qwen2-VL) are not supported' }).optional(),
  initializer_range: z.number().positive().default(0.02),
  residual_dropout: prob.default(0),
  bos_token_id: tokenId.nullable().optional(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullable().optional(),
  pad_token_id: tokenId.nullable().optional(),
});
type LlamaHF = z.output<typeof LlamaHFSchema>;

/** Keys of these configs that do not change the computation. */
const LLAMA_HARMLESS = ['pretraining_tp'];

const SUPPORTED_ROPE = ['default', 'linear', 'dynamic', 'llama3', 'yarn'];

function ropeFromHF(h: LlamaHF): { theta: number; scaling: RopeScaling | null; issues: ConfigIssue[] } {
  const field = h.rope_parameters ? 'rope_parameters' : 'rope_scaling';
  const r = h.rope_parameters ?? h.rope_scaling ?? null;
  const theta = h.rope_theta ?? r?.rope_theta ?? 10000;
  const issues: ConfigIssue[] = [];
  if (!r) return { theta, scaling: null, issues };
  const type = r.rope_type ?? r.type ?? 'default';
  const need = (k: keyof typeof r): number => {
    const v = r[k];
    if (typeof v !== 'number') {
      issues.push({ path: [field, k as string], message: `is required for rope type '${type}'` });
      return 1;
    }
    return v;
  };
  let scaling: RopeScaling | null = null;
  if (type === 'default') scaling = null;
  else if (type === 'linear' || type === 'dynamic') scaling = { type, factor: need('factor') };
  else if (type === 'llama3') {
    scaling = {
      type,
      factor: need('factor'),
      lowFreqFactor: need('low_freq_factor'),
      highFreqFactor: need('high_freq_factor'),
      originalMaxPositions: need('original_max_position_embeddings'),
    };
  } else if (type === 'yarn') {
    const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));
    scaling = {
      type,
      factor: need('factor'),
      ...opt('originalMaxPositions', r.original_max_position_embeddings),
      ...opt('betaFast', r.beta_fast),
      ...opt('betaSlow', r.beta_slow),
      ...opt('attentionFactor', r.attention_factor),
      ...opt('mscale', r.mscale),
      ...opt('mscaleAllDim', r.mscale_all_dim),
      ...opt('truncate', r.truncate),
    };
  } else issues.push({ path: [field, r.rope_type ? 'rope_type' : 'type'], message: `rope scaling '${type}' is not supported; supported: ${SUPPORTED_ROPE.join(', ')}` });
  return { theta, scaling, issues };
}

function windowFromHF(h: LlamaHF): { window: number | null; from: number; issues: ConfigIssue[] } {
  if (h.model_type === 'mistral') return { window: h.sliding_window ?? null, from: 0, issues: [] };
  if (h.model_type !== 'qwen2' || !h.use_sliding_window || !h.sliding_window) return { window: null, from: 0, issues: [] };
  if (!h.layer_types) return { window: h.sliding_window, from: h.max_window_layers ?? 0, issues: [] };
  // layer_types must be full attention first, then sliding: the layout Qwen2 defines.
  const from = h.layer_types.indexOf('sliding_attention');
  const ok = h.layer_types.length === h.num_hidden_layers && (from < 0 || h.layer_types.slice(from).every((t) => t === 'sliding_attention'));
  if (!ok) return { window: null, from: 0, issues: [{ path: ['layer_types'], message: 'must list one entry per layer, full attention layers first then sliding ones' }] };
  return { window: from < 0 ? null : h.sliding_window, from: Math.max(from, 0), issues: [] };
}

/** Parses a Llama, Mistral or Qwen2 `config.json` (already read as JSON); `source` names the file in errors. */
export function llamaConfigFromHF(json: unknown, source: string): ParsedConfig<LlamaConfig> {
  const { value: h, warnings } = parseConfigObject(LlamaHFSchema, json, source, LLAMA_HARMLESS);
  const rope = ropeFromHF(h);
  const win = windowFromHF(h);
  failIf(source, [...rope.issues, ...win.issues]);
  const qwen = h.model_type === 'qwen2';
  const options: Options = {
    modelType: h.model_type,
    vocabSize: h.vocab_size,
    contextLength: h.max_position_embeddings,
    hiddenSize: h.hidden_size,
    numLayers: h.num_hidden_layers,
    numHeads: h.num_attention_heads,
    ...(h.num_key_value_heads ? { numKvHeads: h.num_key_value_heads } : {}),
    ...(h.head_dim ? { headDim: h.head_dim } : {}),
    intermediateSize: h.intermediate_size,
    tieWordEmbeddings: h.tie_word_embeddings,
    rmsNormEps: h.rms_norm_eps,
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    qkvBias: qwen || (h.model_type === 'llama' && h.attention_bias),
    oBias: h.model_type === 'llama' && h.attention_bias,
    mlpBias: h.model_type === 'llama' && h.mlp_bias,
    activation: HF_ACTIVATIONS[h.hidden_act],
    slidingWindow: win.window,
    maxWindowLayers: win.from,
    attentionDropout: h.attention_dropout,
    dropout: h.residual_dropout,
    initializerRange: h.initializer_range,
    bosTokenId: h.bos_token_id ?? null,
    eosTokenId: h.eos_token_id ?? null,
    padTokenId: h.pad_token_id ?? null,
  };
  const names: Record<string, string> = { hiddenSize: 'hidden_size', numKvHeads: 'num_key_value_heads', headDim: 'head_dim', ropeScaling: 'rope_scaling' };
  return { value: deriveLlama(options, source, (k) => names[k] ?? k), warnings };
}

const HF_CLASS: Record<LlamaModelType, string> = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' };
const ACTIVATION_TO_HF: Record<Activation, string> = { silu: 'silu', gelu: 'gelu', gelu_tanh: 'gelu_pytorch_tanh', relu: 'relu' };

function ropeScalingToHF(s: RopeScaling | null): Record<string, unknown> | null {
  if (!s) return null;
  switch (s.type) {
    case 'linear':
    case 'dynamic':
      return { rope_type: s.type, factor: s.factor };
    case 'llama3':
      return { rope_type: 'llama3', factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor, original_max_position_embeddings: s.originalMaxPositions };
    case 'yarn': {
      const out: Record<string, unknown> = { rope_type: 'yarn', factor: s.factor };
      const keys = [
        ['original_max_position_embeddings', s.originalMaxPositions],
        ['beta_fast', s.betaFast],
        ['beta_slow', s.betaSlow],
        ['attention_factor', s.attentionFactor],
        ['mscale', s.mscale],
        ['mscale_all_dim', s.mscaleAllDim],
        ['truncate', s.truncate],
      ] as const;
      for (const [k, v] of keys) if (v !== undefined) out[k] = v;
      return out;
    }
  }
}

/** The config as LlamaConfig / MistralConfig / Qwen2Config keys, for config.json. */
export function llamaConfigToHF(c: LlamaConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [HF_CLASS[c.modelType]],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    max_position_embeddings: c.contextLength,
    hidden_act: ACTIVATION_TO_HF[c.activation],
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: ropeScalingToHF(c.ropeScaling),
    attention_dropout: c.attentionDropout,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    pad_token_id: c.padTokenId,
  };
  if (c.modelType === 'llama') {
    out.attention_bias = c.qkvBias;
    out.mlp_bias = c.mlpBias;
  } else if (c.modelType === 'mistral') out.sliding_window = c.slidingWindow;
  else {
    out.use_sliding_window = c.slidingWindow !== null;
    out.sliding_window = c.slidingWindow;
    out.max_window_layers = c.maxWindowLayers;
  }
  if (c.dropout > 0) out.residual_dropout = c.dropout;
  return out;
}

/** Feature combinations a given model_type cannot express in its HF config. */
export function checkExpressible(c: LlamaConfig, source: string): void {
  const issues: ConfigIssue[] = [];
  const t = c.modelType;
  if (t === 'llama' && c.qkvBias !== c.oBias) issues.push({ path: ['qkvBias'], message: "model_type 'llama' has one attention_bias for q/k/v and o; use modelType 'qwen2' for q/k/v bias alone" });
  if (t === 'qwen2' && (!c.qkvBias || c.oBias)) issues.push({ path: ['qkvBias'], message: "model_type 'qwen2' always has q/k/v bias and no o bias" });
  if (t === 'mistral' && (c.qkvBias || c.oBias)) issues.push({ path: ['qkvBias'], message: "model_type 'mistral' has no attention bias" });
  if (t !== 'llama' && c.mlpBias) issues.push({ path: ['mlpBias'], message: `model_type '${t}' has no MLP bias` });
  if (t === 'llama' && c.slidingWindow !== null) issues.push({ path: ['slidingWindow'], message: "model_type 'llama' has no sliding window; use modelType 'mistral'" });
  if (t === 'mistral' && c.maxWindowLayers !== 0) issues.push({ path: ['maxWindowLayers'], message: "model_type 'mistral' applies its window to every layer" });
  failIf(source, issues);
}
