/**
 * `loadModel(ref, { rt })`: one entry point for every place a model can come
 * from. `ref` is matched against a small table of sources, in order; each
 * source knows one kind of reference (the built-in `default`, `hf:org/name`
 * downloads, Hugging Face folders, GGUF files). Every source returns the same `LoadedModel`.
 */
import { NotFoundError } from '../errors.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { GenerationConfig } from './generation-config.js';
import { hfFolderSource } from './hf-folder.js';
import { ggufSource } from './gguf/source.js';
import { builtinSource, hubSource } from './extra-sources.js';
import type { HubOptions } from '../io/hub.js';
import type { LanguageModel, ModelConfig } from './registry.js';

/** Something that reads a tokenizer from a model folder: lmkit's `Tokenizer` class (its static `load`). */
export interface TokenizerReader<T> {
  load(dir: string): Promise<T>;
}

export interface LoadModelOptions<T = Tokenizer> {
  readonly rt: Runtime;
  /**
   * Reads the source's tokenizer files (tokenizer.json, tokenizer.model, vocab.json + merges.txt)
   * when there are any. Default: lmkit's `Tokenizer`; `false` skips the tokenizer.
   */
  readonly tokenizer?: TokenizerReader<T> | false;
  /**
   * 'f32' (default): every weight converted to f32, ready for training.
   * 'keep': matrices stay in their stored type (f16, bf16, quantized), for
   * inference in half the memory or less; `linear` converts on the fly.
   */
  readonly dtype?: 'f32' | 'keep';
  /** The sources to try, in order (default MODEL_SOURCES). */
  readonly sources?: readonly ModelSource[] | undefined;
  /** Where and how `hf:org/name` references download (the CLI fills it from LMKIT_CACHE, HF_ENDPOINT, HF_TOKEN). */
  readonly hub?: HubOptions;
}

export interface ModelSourceInfo {
  /** Which source loaded it ('hf-folder', ...). */
  readonly kind: string;
  /** The folder or file read. */
  readonly path: string;
  /** The files the weights came from. */
  readonly files: readonly string[];
}

export interface LoadedModel<T = Tokenizer> {
  /** In eval mode (dropout off); call model.train() to fine-tune. */
  readonly model: LanguageModel;
  /** The tokenizer, when the source has tokenizer files (GGUF: its tokenizer.* metadata) and it was not turned off. */
  readonly tokenizer?: T;
  readonly config: ModelConfig;
  readonly generationConfig: GenerationConfig;
  readonly source: ModelSourceInfo;
  /** Config keys and checkpoint tensors that were present but not used. */
  readonly warnings: readonly string[];
}

export interface ModelSource {
  readonly kind: string;
  /** Whether this source handles `ref`. */
  matches(ref: string): boolean;
  load<T>(ref: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>>;
}

/** Where models come from, tried in order. */
export const MODEL_SOURCES: readonly ModelSource[] = [builtinSource, hubSource, hfFolderSource, ggufSource];

export async function loadModel<T = Tokenizer>(ref: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>> {
  const sources = opts.sources ?? MODEL_SOURCES;
  const source = sources.find((s) => s.matches(ref));
  if (!source) throw new NotFoundError(ref, `no model here; expected one of: ${sources.map((s) => s.kind).join(', ')} (a Hugging Face model folder holds config.json and model.safetensors; a GGUF file ends in .gguf; hf:org/name downloads; default is the built-in model)`);
  return source.load(ref, opts);
}
