import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, grad } from './index.js';
import { LmkitError } from '../errors.js';

const rt = createRuntime({ backend: 'js' });

test('gradients accumulate across backward calls until zeroGrad', () => {
  const w = rt.tensor([1, 2, 3], undefined, { requiresGrad: true });
  w.mul(2).sum().backward();
  w.mul(2).sum().backward();
  assert.deepEqual(Array.from(w.grad!.toArray()), [4, 4, 4]);
  w.zeroGrad();
  assert.equal(w.grad, null);
});

test('a tensor used twice gets the sum of both paths', () => {
  const x = rt.tensor([3], undefined, { requiresGrad: true });
  const y = x.mul(x).add(x); // y = x^2 + x, dy/dx = 2x + 1 = 7
  y.sum().backward();
  assert.equal(x.grad!.item(), 7);
});

test('grad() returns gradients for intermediate tensors without touching leaves', () => {
  const w = rt.tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
  const x = rt.tensor([1, 1], undefined, { requiresGrad: true });
  const h = w.matmul(x); // [3, 7]
  const y = h.square().sum(); // dy/dh = 2h
  const [gh, gx] = grad(y, [h, x]);
  assert.deepEqual(Array.from(gh!.toArray()), [6, 14]);
  assert.deepEqual(Array.from(gx!.toArray()), [1 * 6 + 3 * 14, 2 * 6 + 4 * 14]);
  assert.equal(w.grad, null);
  assert.equal(x.grad, null);
});

test('retainGrad keeps an intermediate gradient', () => {
  const x = rt.tensor([2], undefined, { requiresGrad: true });
  const h = x.mul(3).retainGrad();
  h.square().sum().backward();
  assert.equal(h.grad!.item(), 12);
  assert.equal(x.grad!.item(), 36);
});

test('noGrad records nothing and backward on it is refused with a typed error', () => {
  const x = rt.tensor([1], undefined, { requiresGrad: true });
  const y = rt.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.throws(() => y.backward(), (e: unknown) => LmkitError.isInstance(e) && /does not require grad/.test((e as Error).message));
});

test('the graph is freed after backward; a second backward needs retainGraph', () => {
  const x = rt.tensor([1, 2], undefined, { requiresGrad: true });
  const y = x.exp().sum();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  const e = Array.from(x.grad!.toArray());
  assert.ok(Math.abs(e[0]! - 2 * Math.E) < 1e-5);
  assert.equal(y.node, null);
});

test('the backward survives the caller disposing forward intermediates', () => {
  const x = rt.tensor([0.5, -1], undefined, { requiresGrad: true });
  const a = x.tanh();
  const b = a.mul(a);
  a.dispose();
  b.sum().backward();
  const t = Math.tanh(0.5);
  assert.ok(Math.abs(x.grad!.toArray()[0]! - 2 * t * (1 - t * t)) < 1e-6);
});
