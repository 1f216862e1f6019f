/**
 * Loading a model from a GGUF file: the config from its metadata
 * (./config.ts), the parameters from its tensors under llama.cpp's names with
 * q/k rows put back in the Hugging Face order (./rope-permute.ts), and the
 * tokenizer from its `tokenizer.*` metadata.
 *
 * By default matrices stay in their stored type (f16, bf16, Q8_0, Q4_0, Q4_K,
 * Q6_K): each tensor is read with one positional read straight into the
 * buffer that keeps it, so a model takes about its file size in memory.
 * `dtype: 'f32'` converts everything to f32 (for training).
 */
import { ggufTensor, readGguf, readGgufTensor, type GgufFile } from '../../io/gguf.js';
import { storageLength, type TypedArray } from '../../tensor/dtype.js';
import type { Runtime } from '../../tensor/runtime.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
import { createModel, type LanguageModel, type ModelConfig } from '../registry.js';
import { loadWeights, type StoredTensorInfo, type WeightStore } from '../weights.js';
import { configFromGguf } from './config.js';
import { permuteRopeRows } from './rope-permute.js';
import { ggufArchOf, ggufFormat, ropePermutedHeads, type GgufArch } from './tensor-names.js';

export interface LoadGgufOptions {
  readonly rt: Runtime;
  /** 'keep' (default): matrices in their stored type; 'f32': everything converted to f32. */
  readonly dtype?: 'keep' | 'f32';
  /** Skip building the tokenizer (default: built from the file's tokenizer.* metadata when present). */
  readonly tokenizer?: boolean;
}

export interface LoadedGgufModel {
  readonly model: LanguageModel;
  readonly config: ModelConfig;
  /** The embedded tokenizer, or null when the file has none. */
  readonly tokenizer: Tokenizer | null;
  /** The parsed header (metadata, tensor table). */
  readonly file: GgufFile;
  readonly warnings: readonly string[];
}

/**
 * The GGUF file as a WeightStore for `loadWeights`: reads put the q/k rows of
 * the "llama" architecture back in rotate-half order, in the target buffer.
 */
export function ggufWeightStore(file: GgufFile, arch: GgufArch, config: ModelConfig): WeightStore {
  const tensors: StoredTensorInfo[] = file.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: file.path }));
  const index = new Map(file.tensors.map((t) => [t.name, t]));
  const info = new Map(tensors.map((t) => [t.name, t]));
  return {
    path: file.path,
    tensors,
    has: (name) => index.has(name),
    get: (name) => info.get(ggufTensor(file, name).name)!, // ggufTensor throws NotFoundError naming the file
    read(name: string, target?: TypedArray): TypedArray {
      const t = index.get(name);
      const data = readGgufTensor(file, t ?? name, target);
      const heads = t ? ropePermutedHeads(arch, name, config) : 0;
      if (!heads) return data;
      const rowLength = t!.shape.length === 1 ? 1 : storageLength(t!.dtype, t!.shape[t!.shape.length - 1]!);
      return permuteRopeRows(data, heads, rowLength, 'gguf-to-hf');
    },
  };
}

/** Loads a GGUF model file. Errors name the file and the key or tensor at fault. */
export function loadGgufModel(path: string, opts: LoadGgufOptions): LoadedGgufModel {
  const file = readGguf(path);
  const config = configFromGguf(file);
  const arch = ggufArchOf(config);
  const model = createModel(opts.rt, config, { init: 'empty' });
  const { warnings } = loadWeights(model, ggufWeightStore(file, arch, config), ggufFormat(arch), { dtype: opts.dtype === 'f32' ? 'f32' : 'keep' });
  model.eval();
  const all = [...warnings];
  let tokenizer: Tokenizer | null = null;
  if (opts.tokenizer !== false) {
    if (file.metadata['tokenizer.ggml.model'] !== undefined) tokenizer = Tokenizer.fromGgufMetadata(file.metadata, path);
    else all.push(`${path}: no tokenizer.ggml.model metadata; the model has no tokenizer`);
  }
  return { model, config, tokenizer, file, warnings: all };
}
