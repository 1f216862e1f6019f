/**
 * Test support: the model fixtures written by scripts/make-model-fixtures.py
 * (HF folders with an expected.safetensors of reference outputs), and the
 * runtimes the golden tests run on.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UnsupportedError } from '../errors.js';
import { safetensorsStore } from '../io/tensor-store.js';
import { createRuntime } from '../tensor/index.js';
import type { Runtime } from '../tensor/runtime.js';

export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/models/', import.meta.url));

export interface Expected {
  /** A reference tensor as f64 values with its shape. */
  get(name: string): { data: Float64Array; shape: readonly number[] };
  names(): string[];
}

/** Reads a fixture's expected.safetensors, checking its marker and version. */
export function readExpected(name: string): Expected {
  const path = join(FIXTURES, name, 'expected.safetensors');
  const store = safetensorsStore(path);
  const meta = store.metadata ?? {};
  if (meta.lmkit_fixture !== 'model-reference' || meta.version !== '1') {
    throw new Error(`${path}: not a version-1 model reference fixture (metadata ${JSON.stringify(meta)}); rerun scripts/make-model-fixtures.py`);
  }
  return {
    get(n) {
      const t = store.get(n);
      return { data: Float64Array.from(store.read(n) as ArrayLike<number>), shape: t.shape };
    },
    names: () => store.tensors.map((t) => t.name),
  };
}

/** The backends golden tests run on: js always, native when its addon is built (else a skip reason). */
export function goldenRuntimes(): { name: string; rt?: Runtime; skip?: string }[] {
  const out: { name: string; rt?: Runtime; skip?: string }[] = [{ name: 'js', rt: createRuntime({ backend: 'js', seed: 1 }) }];
  try {
    out.push({ name: 'native', rt: createRuntime({ backend: 'native', seed: 1 }) });
  } catch (e) {
    if (!(e instanceof UnsupportedError)) throw e;
    out.push({ name: 'native', skip: `native backend unavailable: ${e.message}` });
  }
  return out;
}
