/**
 * Opening a model as an in-process Engine: load the weights (`loadModel`),
 * the tokenizer beside them, and wrap both in a ModelEngine. The CLI and the
 * library pipelines call this; the server calls it inside each model's worker
 * thread (worker/model-module.ts).
 */
import type { BackendKind } from '../backends/index.js';
import { loadGenerator } from '../generate/load.js';
import { createRuntime } from '../tensor/index.js';
import { ModelEngine } from './model-engine.js';

export interface OpenEngineOptions {
  readonly backend?: BackendKind;
  readonly threads?: number;
  /** The name requests use (default: the reference as given). */
  readonly id?: string;
  /** lmkit's data folder and download cache (for registered names and hub models). */
  readonly home?: string;
  readonly cacheDir?: string;
  /** Sequences decoded together (default 16). */
  readonly maxBatch?: number;
  /** Requests waiting for a slot before the queue is full (default 64). */
  readonly maxQueue?: number;
  readonly prefillChunk?: number;
  /** Seed of the runtime (default 0). */
  readonly seed?: number;
  /**
   * Bytes of freed tensor buffers the runtime keeps for reuse (default 256 MiB).
   * A server sees many buffer sizes (batch rows and KV caches vary per step and
   * request), so the runtime's general default (4 GiB) would let idle buffers
   * pile up; this bounds the resident memory a model adds beyond its weights.
   */
  readonly maxPooledBytes?: number;
  readonly warn?: (message: string) => void;
}

/** Loads `ref` (a model folder, a GGUF file, 'default' or a registered name) as an Engine. */
export async function openEngine(ref: string, opts: OpenEngineOptions = {}): Promise<ModelEngine> {
  const rt = createRuntime({
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    maxPooledBytes: opts.maxPooledBytes ?? 256 * 2 ** 20,
    ...(opts.warn ? { warn: opts.warn } : {}),
  });
  // Inference keeps matrices in their stored type (f16, quantized): half the memory or less.
  const { model, tokenizer, defaults } = await loadGenerator(ref, { rt, dtype: 'keep' });
  return new ModelEngine(model, tokenizer, {
    // generation_config.json's eos_token_id list ends generation too.
    ...(defaults.stopTokenIds ? { stopTokenIds: defaults.stopTokenIds } : {}),
    id: opts.id ?? ref,
    builtIn: ref === 'default',
    ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
    ...(opts.maxQueue !== undefined ? { maxQueue: opts.maxQueue } : {}),
    ...(opts.prefillChunk !== undefined ? { prefillChunk: opts.prefillChunk } : {}),
  });
}
