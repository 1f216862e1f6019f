import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../tensor/index.js';
import { LayeredKVCache } from './kv-cache.js';
import { positionsFromMask } from './attention.js';

const rt = createRuntime({ backend: 'js' });
const shape = { numLayers: 2, numKvHeads: 2, headDim: 3 };
/** n rows of (Hkv, D) whose values encode (row, head, dim). */
const rows = (start: number, n: number) => rt.tensor(Float32Array.from({ length: n * 6 }, (_, i) => 100 * (start + Math.floor(i / 6)) + i % 6), [n, 2, 3]);

test('appends write in place, grow by doubling up to capacity, and read back in (1, Hkv, L, D) order', () => {
  const c = new LayeredKVCache(rt, shape, 200);
  c.reserve(5);
  assert.equal(c.allocatedRows, 64);
  for (let l = 0; l < 2; l++) c.append(l, rows(0, 5), rows(0, 5).mul(-1));
  c.commit(5);
  c.reserve(70);
  assert.equal(c.allocatedRows, 128);
  const { k } = c.append(0, rows(5, 70), rows(5, 70));
  c.append(1, rows(5, 70), rows(5, 70));
  c.commit(70);
  assert.deepEqual(k.shape, [1, 2, 75, 3]);
  // key of row 7, head 1, dim 2 = 100 * 7 + 3 + 2
  assert.equal(k.toArray()[(1 * 75 + 7) * 3 + 2], 705);
  assert.equal(c.layer(1).v.toArray()[(0 * 75 + 4) * 3 + 1], -401);
  assert.throws(() => c.reserve(126), /exceed the cache's capacity of 200/);
  c.dispose();
  assert.throws(() => c.reserve(1), /was disposed/);
});

test('truncate forgets the tail; clone is independent', () => {
  const c = new LayeredKVCache(rt, shape, 16);
  c.reserve(4);
  for (let l = 0; l < 2; l++) c.append(l, rows(0, 4), rows(0, 4));
  c.commit(4);
  const d = c.clone();
  c.truncate(1);
  c.reserve(1);
  for (let l = 0; l < 2; l++) c.append(l, rows(9, 1), rows(9, 1));
  c.commit(1);
  assert.equal(c.length, 2);
  assert.equal(c.layer(0).k.toArray()[3], 900);
  assert.equal(d.length, 4);
  assert.equal(d.layer(0).k.toArray()[3], 100, 'the clone kept its own row 1');
  assert.throws(() => c.truncate(3), /must be an integer in \[0, 2\]/);
});

test('positions from an attention mask start at 0 at the first real token (HF)', () => {
  assert.deepEqual(Array.from(positionsFromMask([0, 0, 1, 1, 1, 1, 1, 0], 2, 4)), [1, 1, 0, 1, 0, 1, 2, 1]);
  assert.deepEqual(Array.from(positionsFromMask(null, 2, 3)), [0, 1, 2, 0, 1, 2]);
});
