/**
 * A Hugging Face model folder: config.json, model.safetensors or shards with
 * model.safetensors.index.json, generation_config.json (optional). Weights in
 * f32, f16 or bf16 are read tensor by tensor into their final buffers
 * (src/io's positional reads); nothing else of the files enters memory.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { safetensorsFolderStore } from '../io/tensor-store.js';
import { generationConfigFromHF, generationConfigFromModel } from './generation-config.js';
import { readJsonFile } from './hf-config.js';
import type { LoadedModel, LoadModelOptions, ModelSource } from './load.js';
import { familyForHFConfig, type ModelConfig } from './registry.js';
import { loadWeights } from './weights.js';

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function loadHFFolder(dir: string, opts: LoadModelOptions): Promise<LoadedModel> {
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
  return { model, config, generationConfig, source: { kind: 'hf-folder', path: dir, files }, warnings: [...warnings, ...unused] };
}

export const hfFolderSource: ModelSource = {
  kind: 'hf-folder',
  matches: isDirectory,
  load: loadHFFolder,
};
