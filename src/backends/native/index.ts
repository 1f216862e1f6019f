/**
 * The native backend's loader. The addon (native/, built by node-gyp on
 * install) is optional: when it is missing this throws UnsupportedError and
 * the runtime falls back to the js backend.
 */
import { createRequire } from 'node:module';
import type { Backend } from '../backend.js';
import { UnsupportedError } from '../../errors.js';

export interface NativeOptions {
  readonly threads?: number;
}

export function loadNativeBackend(_opts: NativeOptions = {}): Backend {
  const require = createRequire(import.meta.url);
  try {
    require('../../../build/Release/lmkit_native.node');
  } catch (e) {
    throw new UnsupportedError('native', `the native addon is not built (${(e as Error).message.split('\n')[0]}); run 'npm install' with g++ and make available`);
  }
  throw new UnsupportedError('native', 'the native addon loaded but exposes no kernels yet');
}
