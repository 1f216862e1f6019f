/**
 * From the config's `model` section to a model config: expand the preset,
 * fill the vocabulary size from the tokenizer and the context from training,
 * apply the training dropout override, and let the architecture's own option
 * schema (src/models) validate the rest. Its errors come back with paths under
 * `model.` so they point into the config file.
 */
import { ConfigError, LmkitError } from '../errors.js';
import { registry, type ModelConfig } from '../models/registry.js';
import type { TrainConfig } from './config.js';
import { PRESETS } from './presets.js';

export interface ResolvedModel {
  /** The options the architecture was built from (stored in the run's config.json). */
  readonly options: Record<string, unknown> & { readonly architecture: 'gpt2' | 'llama' };
  readonly config: ModelConfig;
}

export function resolveModelConfig(cfg: TrainConfig, vocabSize: number, source: string): ResolvedModel {
  const { preset, ...fields } = cfg.model as Record<string, unknown> & { preset?: keyof typeof PRESETS };
  const base = preset ? PRESETS[preset].model : {};
  const merged: Record<string, unknown> = { ...base, ...fields };
  const architecture = merged.architecture as 'gpt2' | 'llama';
  if (merged.vocabSize !== undefined && merged.vocabSize !== vocabSize) {
    throw new ConfigError(source, [{ path: ['model', 'vocabSize'], message: `is ${String(merged.vocabSize)} but the tokenizer has ${vocabSize} tokens; leave it out to use the tokenizer's` }]);
  }
  merged.vocabSize = vocabSize;
  const ctx = cfg.training.contextLength;
  if (merged.contextLength === undefined) merged.contextLength = ctx ?? 256;
  if (cfg.training.dropout !== undefined) {
    merged.dropout = cfg.training.dropout;
    if (architecture === 'gpt2') {
      merged.embeddingDropout = cfg.training.dropout;
      merged.attentionDropout = cfg.training.dropout;
    }
  }
  const { architecture: _a, ...opts } = merged;
  const options = { architecture, ...opts };
  try {
    const config = architecture === 'gpt2' ? registry.gpt2.config(opts as never) : registry.llama.config(opts as never);
    return { options, config };
  } catch (e) {
    if (LmkitError.isInstance(e) && e instanceof ConfigError) {
      throw new ConfigError(source, e.issues.map((i) => ({ path: ['model', ...i.path], message: i.message })));
    }
    throw e;
  }
}
