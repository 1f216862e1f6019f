/**
 * A Hugging Face model folder: config.json, model.safetensors or shards with
 * model.safetensors.index.json, generation_config.json (optional). Weights in
 * f32, f16 or bf16 are read tensor by tensor into their final buffers
 * (src/io's positional reads); nothing else of the files enters memory.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { safetensorsFolderStore } from '../io/tensor-store.js';
import { Tokenizer } from '../tokenizers/tokenizer.js';
import { generationConfigFromHF, generationConfigFromModel } from './generation-config.js';
import { readJsonFile } from './hf-config.js';
import type { LoadedModel, LoadModelOptions, ModelSource, TokenizerReader } from './load.js';
import { familyForHFConfig, type ModelConfig } from './registry.js';
import { loadWeights } from './weights.js';

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The files a tokenizer can be read from; a folder with none of them has no tokenizer. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer.model', 'vocab.json'];

export async function loadHFFolder<T>(dir: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>> {
  const configPath = join(dir, 'config.json');
  const json = readJsonFile(configPath);
  const family = familyForHFConfig(json, configPath);
  const { value: config, warnings } = family.configFromHF(json, configPath);
  const store = safetensorsFolderStore(dir);
  const model = family.create(opts.rt, config, { init: 'empty' });
  let unused: string[];
  try {
    unused = loadWeights(model, store, family.formats.hf, opts.dtype ? { dtype: opts.dtype } : {}).warnings;
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  const genPath = join(dir, 'generation_config.json');
  const ids = config as ModelConfig & { padTokenId?: number | null };
  const generationConfig = existsSync(genPath) ? generationConfigFromHF(readJsonFile(genPath), genPath, ids) : generationConfigFromModel(ids);
  const files = [...new Set(store.tensors.map((t) => t.file))];
  const hasTokenizer = TOKENIZER_FILES.some((f) => existsSync(join(dir, f)));
  const reader = opts.tokenizer === false ? null : (opts.tokenizer ?? (Tokenizer as unknown as TokenizerReader<T>));
  const tokenizer = reader && hasTokenizer ? await reader.load(dir) : undefined;
  return {
    model,
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    config,
    generationConfig,
    source: { kind: 'hf-folder', path: dir, files },
    warnings: [...warnings, ...unused],
  };
}

export const hfFolderSource: ModelSource = {
  kind: 'hf-folder',
  matches: isDirectory,
  load: loadHFFolder,
};
