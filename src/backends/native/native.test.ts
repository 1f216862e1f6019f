/**
 * The native backend against the js reference, for every instruction set this
 * CPU can run (AVX-512, AVX2, scalar), through the shared conformance suite.
 * Without the addon the suite is skipped, saying why, unless
 * LMKIT_REQUIRE_NATIVE=1 (CI), where a missing addon is a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBackendConformance } from '../conformance.js';
import { LmkitError } from '../../errors.js';
import { loadNativeBackend, nativeIsas, type Isa } from './index.js';

let isas: Isa[] = [];
let missing = '';
try {
  isas = nativeIsas();
} catch (e) {
  missing = (e as Error).message;
}

test('native addon loads', { skip: !missing || process.env.LMKIT_REQUIRE_NATIVE === '1' ? false : missing }, () => {
  assert.equal(missing, '', missing);
  assert.ok(isas.includes('scalar'));
  const be = loadNativeBackend({ threads: 2 });
  assert.equal(be.name, 'native');
  assert.equal(be.threads, 2);
  assert.equal(be.isa, isas[0]);
});

test('native backend rejects bad options with typed errors', { skip: missing || false }, () => {
  assert.throws(() => loadNativeBackend({ threads: 0 }), (e) => LmkitError.isInstance(e) && e.code === 'invalid_argument');
  assert.throws(() => loadNativeBackend({ isa: 'sse9' as Isa }), (e) => LmkitError.isInstance(e) && e.code === 'invalid_argument');
});

for (const isa of isas) {
  runBackendConformance({ name: `native ${isa}`, make: () => loadNativeBackend({ isa, threads: 2, quantActivations: 'f32' }) });
}
