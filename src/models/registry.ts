/**
 * The architectures lmkit builds, as one typed object: adding one means adding
 * a folder and an entry here, nothing else. Lookups by Hugging Face
 * `model_type` (or `architectures` class name) go through `familyForHFConfig`,
 * never through string switches elsewhere.
 */
import { ConfigError } from '../errors.js';
import type { Runtime } from '../tensor/runtime.js';
import type { DecoderLM } from './decoder.js';
import type { ParsedConfig } from './hf-config.js';
import { gpt2Config, gpt2ConfigFromHF, gpt2ConfigToHF, type Gpt2Config, type Gpt2Options } from './gpt2/config.js';
import { Gpt2LMHeadModel } from './gpt2/model.js';
import { gpt2HF } from './gpt2/weights.js';
import { llamaConfig, llamaConfigFromHF, llamaConfigToHF, type LlamaConfig, type LlamaOptions } from './llama/config.js';
import { LlamaForCausalLM } from './llama/model.js';
import { llamaHF } from './llama/weights.js';
import type { Architecture } from './types.js';
import type { CheckpointFormat } from './weights.js';

/** Every architecture's config, discriminated by `architecture`. */
export type ModelConfig = Gpt2Config | LlamaConfig;

/** A model lmkit built: the CausalLM contract plus the Module tree (parameters, train/eval, setModule). */
export type LanguageModel = DecoderLM<ModelConfig>;

export interface CreateModelOptions {
  /** 'normal' (default): random init for training; 'empty': zeroed memory for a loader to fill. */
  readonly init?: 'normal' | 'empty';
}

export interface ModelFamily<C extends ModelConfig, O> {
  readonly architecture: C['architecture'];
  /** HF `model_type` values this family loads. */
  readonly modelTypes: readonly string[];
  /** HF `architectures` class names, for configs without a model_type. */
  readonly hfClasses: readonly string[];
  /** A config from options, for training from scratch. */
  config(options: O): C;
  configFromHF(json: unknown, source: string): ParsedConfig<C>;
  configToHF(config: C): Record<string, unknown>;
  create(rt: Runtime, config: C, opts?: CreateModelOptions): DecoderLM<C>;
  /** Checkpoint layouts by format: `hf` always; `gguf` where a mapper exists. */
  readonly formats: { readonly hf: CheckpointFormat<C>; readonly gguf?: CheckpointFormat<C> };
}

export const registry = {
  gpt2: {
    architecture: 'gpt2',
    modelTypes: ['gpt2'],
    hfClasses: ['GPT2LMHeadModel', 'GPT2Model'],
    config: (o: Gpt2Options) => gpt2Config(o),
    configFromHF: gpt2ConfigFromHF,
    configToHF: gpt2ConfigToHF,
    create: (rt, config, opts = {}) => new Gpt2LMHeadModel(rt, config, opts),
    formats: { hf: gpt2HF },
  } satisfies ModelFamily<Gpt2Config, Gpt2Options>,
  llama: {
    architecture: 'llama',
    modelTypes: ['llama', 'mistral', 'qwen2'],
    hfClasses: ['LlamaForCausalLM', 'MistralForCausalLM', 'Qwen2ForCausalLM'],
    config: (o: LlamaOptions) => llamaConfig(o),
    configFromHF: llamaConfigFromHF,
    configToHF: llamaConfigToHF,
    create: (rt, config, opts = {}) => new LlamaForCausalLM(rt, config, opts),
    formats: { hf: llamaHF },
  } satisfies ModelFamily<LlamaConfig, LlamaOptions>,
} satisfies Record<Architecture, ModelFamily<ModelConfig & { architecture: Architecture }, never>>;

type Family = ModelFamily<ModelConfig, never>;

/** The family of a config (the registry entry for its architecture). */
export function familyOf(config: ModelConfig): Family {
  return registry[config.architecture] as unknown as Family;
}

/** All HF model_type values lmkit loads. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.values(registry).flatMap((f) => f.modelTypes);

/** The family that loads an HF config.json (by model_type, else by architectures[0]). */
export function familyForHFConfig(json: unknown, source: string): Family {
  const obj = (json ?? {}) as { model_type?: unknown; architectures?: unknown };
  const families = Object.values(registry) as unknown as Family[];
  const type = obj.model_type;
  if (typeof type === 'string') {
    const f = families.find((x) => x.modelTypes.includes(type));
    if (f) return f;
    throw new ConfigError(source, [{ path: ['model_type'], message: `'${type}' is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}` }]);
  }
  const cls = Array.isArray(obj.architectures) ? obj.architectures[0] : undefined;
  const f = typeof cls === 'string' ? families.find((x) => x.hfClasses.includes(cls)) : undefined;
  if (f) return f;
  throw new ConfigError(source, [{ path: ['model_type'], message: `is required to pick the architecture; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}` }]);
}

/**
 * A fresh model from a config, randomly initialised as GPT-2/nanoGPT do (std
 * 0.02, residual output projections scaled by 1/sqrt(2 x layers)), in train mode.
 */
export function createModel(rt: Runtime, config: ModelConfig, opts: CreateModelOptions = {}): LanguageModel {
  return familyOf(config).create(rt, config, opts);
}
