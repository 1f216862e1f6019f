/**
 * The CLI's one reading of the environment. Every command builds its runtime
 * and finds its folders through these helpers, so the variables mean the same
 * thing everywhere:
 *   LMKIT_BACKEND  js | native | auto (default auto: native when built, else js with a warning)
 *   LMKIT_THREADS  threads for the native backend (default: all cores)
 *   LMKIT_HOME     lmkit's data folder: run registry, API keys (default ~/.lmkit)
 *   LMKIT_CACHE    downloaded models (default $LMKIT_HOME/cache)
 *   HF_ENDPOINT    Hugging Face hub address (default https://huggingface.co)
 *   HF_TOKEN       hub token for gated models
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { createRuntime } from '../tensor/index.js';
import type { Runtime } from '../tensor/runtime.js';
import type { BackendKind } from '../backends/index.js';
import type { CliIo } from './command.js';

export interface CliSettings {
  readonly backend: BackendKind;
  readonly threads: number | undefined;
  readonly home: string;
  readonly cacheDir: string;
  readonly hfEndpoint: string;
  readonly hfToken: string | undefined;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): CliSettings {
  const backend = (env.LMKIT_BACKEND ?? 'auto') as BackendKind;
  if (!['auto', 'js', 'native'].includes(backend)) throw new UsageError('LMKIT_BACKEND', `must be js, native or auto, got '${backend}'`);
  let threads: number | undefined;
  if (env.LMKIT_THREADS !== undefined && env.LMKIT_THREADS !== '') {
    threads = Number(env.LMKIT_THREADS);
    if (!Number.isInteger(threads) || threads < 1) throw new UsageError('LMKIT_THREADS', `must be a positive integer, got '${env.LMKIT_THREADS}'`);
  }
  const home = env.LMKIT_HOME || join(homedir(), '.lmkit');
  return {
    backend,
    threads,
    home,
    cacheDir: env.LMKIT_CACHE || join(home, 'cache'),
    hfEndpoint: env.HF_ENDPOINT || 'https://huggingface.co',
    hfToken: env.HF_TOKEN || undefined,
  };
}

/** Download settings for `hf:org/name` model references. */
export function hubFromEnv(env: NodeJS.ProcessEnv): { cacheDir: string; endpoint: string; token?: string } {
  const s = settingsFromEnv(env);
  return { cacheDir: s.cacheDir, endpoint: s.hfEndpoint, ...(s.hfToken ? { token: s.hfToken } : {}) };
}

/** A runtime per the environment; `threads` (a --threads flag) overrides LMKIT_THREADS. */
export function runtimeFromEnv(io: CliIo, opts: { threads?: number; seed?: number } = {}): Runtime {
  const s = settingsFromEnv(io.env);
  const threads = opts.threads ?? s.threads;
  return createRuntime({
    backend: s.backend,
    ...(threads !== undefined ? { threads } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    warn: (m) => io.stderr.write(m + '\n'),
  });
}
