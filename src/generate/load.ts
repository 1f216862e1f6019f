/**
 * Loading what generation needs from one model reference: the model (weights
 * kept in their stored type, for inference), its tokenizer (from the same
 * folder or GGUF file) and the decoding defaults its generation_config.json
 * gives. Used by `lmkit generate` and `lmkit bench generate`.
 */
import { NotFoundError } from '../errors.js';
import { loadModel, type LoadedModel } from '../models/index.js';
import type { CausalLM } from '../models/types.js';
import type { Runtime } from '../tensor/runtime.js';
import type { HubOptions } from '../io/hub.js';
import type { Tokenizer } from '../tokenizers/index.js';
import type { GenerateOptions } from './types.js';

export interface LoadedGenerator {
  readonly model: CausalLM;
  readonly tokenizer: Tokenizer;
  /** Options from generation_config.json (sampling settings, extra EOS ids). */
  readonly defaults: GenerateOptions;
  readonly loaded: LoadedModel;
}

export async function loadGenerator(ref: string, opts: { rt: Runtime; dtype?: 'f32' | 'keep'; hub?: HubOptions }): Promise<LoadedGenerator> {
  const loaded = await loadModel(ref, { rt: opts.rt, dtype: opts.dtype ?? 'keep', ...(opts.hub ? { hub: opts.hub } : {}) });
  if (!loaded.tokenizer) throw new NotFoundError(ref, 'the model has no tokenizer files (tokenizer.json, tokenizer.model, vocab.json + merges.txt); generation needs one');
  return { model: loaded.model, tokenizer: loaded.tokenizer, defaults: defaultsFrom(loaded), loaded };
}

/** generation_config.json as options: its sampling settings apply only when it asks for sampling. */
function defaultsFrom(loaded: LoadedModel): GenerateOptions {
  const g = loaded.generationConfig;
  const out: { -readonly [K in keyof GenerateOptions]: GenerateOptions[K] } = {};
  if (g.eosTokenIds.length) out.stopTokenIds = [...g.eosTokenIds];
  if (g.maxNewTokens !== undefined) out.maxTokens = g.maxNewTokens;
  if (g.doSample === false) out.temperature = 0;
  if (g.doSample === true) {
    if (g.temperature !== undefined) out.temperature = g.temperature;
    if (g.topP !== undefined) out.topP = g.topP;
    if (g.topK !== undefined) out.topK = g.topK;
    if (g.minP !== undefined) out.minP = g.minP;
  }
  if (g.repetitionPenalty !== undefined) out.repetitionPenalty = g.repetitionPenalty;
  return out;
}
