/**
 * The GGUF entry of loadModel's source table: a `.gguf` file (or any file
 * starting with the GGUF magic) loads as a model with its embedded tokenizer.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { generationConfigFromModel } from '../generation-config.js';
import type { LoadedModel, LoadModelOptions, ModelSource } from '../load.js';
import type { ModelConfig } from '../registry.js';
import { loadGgufModel } from './load.js';

/** True for a `.gguf` path, or an existing file that starts with "GGUF". */
export function isGgufPath(ref: string): boolean {
  let isFile = false;
  try {
    isFile = statSync(ref).isFile();
  } catch {
    return false;
  }
  if (!isFile) return false;
  if (ref.toLowerCase().endsWith('.gguf')) return true;
  const fd = openSync(ref, 'r');
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === 'GGUF';
  } finally {
    closeSync(fd);
  }
}

export async function loadGgufSource(path: string, opts: LoadModelOptions): Promise<LoadedModel> {
  // GGUF files are meant to run as stored: 'keep' unless f32 is asked for explicitly.
  const { model, config, tokenizer, warnings } = loadGgufModel(path, { rt: opts.rt, dtype: opts.dtype === 'f32' ? 'f32' : 'keep' });
  const ids = config as ModelConfig & { padTokenId?: number | null };
  const base = generationConfigFromModel(ids);
  const eos = tokenizer ? tokenizer.eosIds : [];
  const generationConfig = eos.length ? { ...base, eosTokenIds: [...new Set([...base.eosTokenIds, ...eos])] } : base;
  return {
    model,
    config,
    generationConfig,
    source: { kind: 'gguf', path, files: [path] },
    warnings,
    ...(tokenizer ? { tokenizer } : {}),
  };
}

export const ggufSource: ModelSource = {
  kind: 'gguf',
  matches: isGgufPath,
  load: loadGgufSource,
};
