/**
 * Choosing a backend. `auto` tries the native addon and falls back to js with
 * a one-line warning; `js` and `native` force one (native throws when absent).
 */
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';
import { LmkitError, UsageError } from '../errors.js';

export type BackendKind = 'auto' | 'js' | 'native';

export interface BackendChoice {
  readonly backend?: BackendKind | Backend;
  /** Threads for the native backend (default: its own choice, the number of cores). */
  readonly threads?: number;
  /** Receives the one-line warning when `auto` falls back to js. */
  readonly warn?: (message: string) => void;
}

export function createBackend(choice: BackendChoice = {}): Backend {
  const kind = choice.backend ?? 'auto';
  if (typeof kind !== 'string') return kind;
  if (kind === 'js') return createJsBackend();
  if (kind === 'native') return loadNativeBackend(choice.threads !== undefined ? { threads: choice.threads } : {});
  if (kind !== 'auto') throw new UsageError('backend', `unknown backend '${kind as string}'; use js, native or auto`);
  try {
    return loadNativeBackend(choice.threads !== undefined ? { threads: choice.threads } : {});
  } catch (e) {
    if (!LmkitError.isInstance(e)) throw e;
    choice.warn?.(`lmkit: using the js backend (${e.message})`);
    return createJsBackend();
  }
}

export type { Backend, View } from './backend.js';
export { createJsBackend } from './js/index.js';
