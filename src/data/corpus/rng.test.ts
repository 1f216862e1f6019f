import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { Rng } from './rng.js';

test('xoshiro128** known-answer vector from state {1, 2, 3, 4}', () => {
  // The reference C implementation (Blackman & Vigna) gives these first outputs.
  const r = Rng.fromState([1, 2, 3, 4]);
  assert.deepEqual(Array.from({ length: 6 }, () => r.u32()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test('same seed, same stream; different seeds and fork labels, different streams', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 100 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.u32()), xs);
  const c = new Rng(43);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.u32()), xs);
  const f1 = new Rng(42).fork('a');
  const f2 = new Rng(42).fork('b');
  assert.notEqual(f1.u32(), f2.u32());
});

test('fork depends on the key, not on how much the parent was used', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  for (let i = 0; i < 1000; i++) b.u32();
  assert.equal(a.fork('translate/train').u32(), b.fork('translate/train').u32());
});

test('int stays in range and is roughly uniform', () => {
  const r = new Rng(3);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) {
    const x = r.int(7);
    assert.ok(x >= 0 && x < 7 && Number.isInteger(x));
    counts[x]++;
  }
  // Each bucket expects 10000; 5 standard deviations is about 470.
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
  }
});

test('weighted, sample and shuffle', () => {
  const r = new Rng(5);
  let a = 0;
  for (let i = 0; i < 10000; i++) if (r.weighted([['a', 3], ['b', 1], ['c', 0]] as const) === 'a') a++;
  assert.ok(Math.abs(a - 7500) < 300, `a drawn ${a} times`);
  const s = r.sample([1, 2, 3, 4, 5], 3);
  assert.equal(new Set(s).size, 3);
  assert.deepEqual(r.shuffle([5, 4, 3, 2, 1]).sort(), [1, 2, 3, 4, 5]);
});

test('bad arguments are typed errors', () => {
  assert.throws(() => new Rng(-1), InvalidArgumentError);
  assert.throws(() => new Rng(1.5), InvalidArgumentError);
  assert.throws(() => new Rng(1).int(0), InvalidArgumentError);
  assert.throws(() => new Rng(1).pick([]), (e: unknown) => e instanceof InvalidArgumentError && /empty list/.test(e.message));
  assert.throws(() => new Rng(1).weighted([['a', 0]]), InvalidArgumentError);
});
