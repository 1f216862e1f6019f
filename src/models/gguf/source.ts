/**
 * The GGUF entry of loadModel's source table: a `.gguf` file (or any file
 * starting with the GGUF magic) loads as a model with its embedded tokenizer.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { generationConfigFromModel } from '../generation-config.js';
import type { LoadedModel, LoadModelOptions, ModelSource } from '../load.js';
import type { ModelConfig } from '../registry.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
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

export async function loadGgufSource<T>(path: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>> {
  // GGUF files are meant to run as stored: 'keep' unless f32 is asked for explicitly.
  const { model, config, file, warnings } = loadGgufModel(path, { rt: opts.rt, dtype: opts.dtype === 'f32' ? 'f32' : 'keep', tokenizer: false });
  const all = [...warnings];
  let tokenizer: T | undefined;
  if (file.metadata['tokenizer.ggml.model'] === undefined) all.push(`${path}: no tokenizer.ggml.model metadata; the model has no tokenizer`);
  else if (opts.tokenizer === undefined) tokenizer = Tokenizer.fromGgufMetadata(file.metadata, path) as T; // the default reader, from the header already read
  else if (opts.tokenizer !== false) tokenizer = await opts.tokenizer.load(path); // a reader given: lmkit's Tokenizer.load reads .gguf files
  return {
    model,
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    config,
    generationConfig: generationConfigFromModel(config as ModelConfig & { padTokenId?: number | null }),
    source: { kind: 'gguf', path, files: [path] },
    warnings: all,
  };
}

export const ggufSource: ModelSource = {
  kind: 'gguf',
  matches: isGgufPath,
  load: loadGgufSource,
};
