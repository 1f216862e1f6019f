/**
 * The two model references that are not a path: `hf:org/name[@rev][:file]`
 * (downloaded into the cache, then loaded as the folder or GGUF file it is)
 * and `default`, the built-in model shipped in the package's models/default.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { isHubRef, resolveHub } from '../io/hub.js';
import type { LoadedModel, LoadModelOptions, ModelSource } from './load.js';

/** The built-in model's folder inside the installed package. */
export const BUILTIN_MODEL_DIR = fileURLToPath(new URL('../../models/default/', import.meta.url));

export const builtinSource: ModelSource = {
  kind: 'default',
  matches: (ref) => ref === 'default',
  async load<T>(_ref: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>> {
    if (!existsSync(`${BUILTIN_MODEL_DIR}config.json`)) {
      throw new NotFoundError('default', `the built-in model is missing from ${BUILTIN_MODEL_DIR}; reinstall lmkit or build it with recipes/builtin/build.sh`);
    }
    const { loadModel } = await import('./load.js');
    const loaded = await loadModel(BUILTIN_MODEL_DIR, { ...opts, sources: undefined });
    return { ...loaded, source: { ...loaded.source, kind: 'default' } };
  },
};

export const hubSource: ModelSource = {
  kind: 'hf',
  matches: isHubRef,
  async load<T>(ref: string, opts: LoadModelOptions<T>): Promise<LoadedModel<T>> {
    if (!opts.hub) throw new InvalidArgumentError('loadModel', 'hub', `a cache folder (hub.cacheDir) is needed to fetch ${ref}`);
    const snap = await resolveHub(ref, opts.hub);
    const { loadModel } = await import('./load.js');
    const loaded = await loadModel(snap.path ?? snap.dir, { ...opts, sources: undefined });
    return { ...loaded, source: { ...loaded.source, kind: 'hf' } };
  },
};
