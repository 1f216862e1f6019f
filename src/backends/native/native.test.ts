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

test('native backend handles empty tensors and hands over-rank views to js', { skip: missing || false }, () => {
  const be = loadNativeBackend({ threads: 2 });
  const empty = (shape: number[]) => ({ data: new Float32Array(4), dtype: 'f32' as const, shape, strides: shape.map(() => 1), offset: 0 });
  be.binary('add', empty([3, 0]), empty([3, 0]), empty([3, 0]));
  be.unary('exp', empty([0]), empty([0]));
  const out = { data: new Float32Array(3).fill(7), dtype: 'f32' as const, shape: [3, 1], strides: [1, 1], offset: 0 };
  be.reduce('sum', empty([3, 0]), [1], out);
  assert.deepEqual(Array.from(out.data), [0, 0, 0]);
  be.reduce('max', empty([3, 0]), [1], out);
  assert.deepEqual(Array.from(out.data), [-Infinity, -Infinity, -Infinity]);
  const o2 = { data: new Float32Array(6).fill(NaN), dtype: 'f32' as const, shape: [2, 3], strides: [3, 1], offset: 0 };
  be.matmul(empty([2, 0]), empty([0, 3]), o2, false);
  assert.deepEqual(Array.from(o2.data), [0, 0, 0, 0, 0, 0]);
  // 13 dims is past the native limit: the js kernels take it, with the same result.
  const shape = new Array<number>(13).fill(1);
  const x = { data: Float32Array.of(2), dtype: 'f32' as const, shape, strides: shape.map(() => 1), offset: 0 };
  const y = { data: new Float32Array(1), dtype: 'f32' as const, shape, strides: shape.map(() => 1), offset: 0 };
  be.unary('square', x, y);
  assert.equal(y.data[0], 4);
});

test('native views are bounds-checked before any kernel runs', { skip: missing || false }, () => {
  const be = loadNativeBackend({ threads: 1 });
  const x = { data: new Float32Array(4), dtype: 'f32' as const, shape: [2, 3], strides: [3, 1], offset: 0 };
  const y = { data: new Float32Array(6), dtype: 'f32' as const, shape: [2, 3], strides: [3, 1], offset: 0 };
  assert.throws(() => be.unary('neg', x, y), RangeError);
});

test('native kernels work on typed arrays over SharedArrayBuffer', { skip: missing || false }, () => {
  const be = loadNativeBackend({ threads: 2 });
  const mk = (vals: number[]) => {
    const data = new Float32Array(new SharedArrayBuffer(4 * (vals.length + 2)), 8, vals.length);
    data.set(vals);
    return { data, dtype: 'f32' as const, shape: [vals.length], strides: [1], offset: 0 };
  };
  const a = mk([1, 2, 3]);
  const b = mk([10, 20, 30]);
  const out = mk([0, 0, 0]);
  be.binary('add', a, b, out);
  assert.deepEqual(Array.from(out.data), [11, 22, 33]);
});

test('the start-up self-check accepts agreeing kernels and rejects a perturbed one', { skip: missing || false }, async () => {
  const { agrees } = await import('./self-check.js');
  const scalar = loadNativeBackend({ isa: 'scalar', threads: 1 });
  for (const isa of isas) assert.ok(agrees(loadNativeBackend({ isa, threads: 1 }), scalar), isa);
  const wide = loadNativeBackend({ isa: isas[0]!, threads: 1 });
  const broken = { ...wide, softmax: (x: Parameters<typeof wide.softmax>[0], out: Parameters<typeof wide.softmax>[1]) => {
    wide.softmax(x, out);
    out.data[out.offset + 3] = Number(out.data[out.offset + 3]) * 1.01;
  } };
  assert.equal(agrees(broken, scalar), false);
});
