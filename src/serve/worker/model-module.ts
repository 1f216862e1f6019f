/**
 * The engine module each model's worker thread loads for `lmkit serve`:
 * opens the model in the worker (weights, tokenizer, scheduler).
 */
import type { Engine } from '../engine.js';
import { openEngine, type OpenEngineOptions } from '../open-engine.js';

export interface ModelModuleOptions extends Omit<OpenEngineOptions, 'warn'> {
  readonly ref: string;
}

export async function createEngine(options: ModelModuleOptions): Promise<Engine> {
  return openEngine(options.ref, { ...options, warn: (m) => process.stderr.write(m + '\n') });
}

export const MODEL_MODULE = import.meta.url;
