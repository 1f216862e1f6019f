import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from './index.js';
import { DisposedTensorError } from '../errors.js';

test('tidy disposes intermediates and keeps what it returns', () => {
  const rt = createRuntime({ backend: 'js' });
  let inner: ReturnType<typeof rt.ones> | undefined;
  const kept = rt.tidy(() => {
    inner = rt.ones([4]).mul(2);
    return inner.add(1);
  });
  assert.ok(inner!.isDisposed);
  assert.deepEqual(Array.from(kept.toArray()), [3, 3, 3, 3]);
  assert.throws(() => inner!.toArray(), DisposedTensorError);
});

test('a training-style loop inside tidy reuses pooled buffers (flat memory)', () => {
  const rt = createRuntime({ backend: 'js' });
  const w = rt.randn([16, 16]).requireGrad();
  const x = rt.randn([8, 16]);
  const step = () =>
    rt.tidy(() => {
      const loss = x.matmul(w).tanh().square().mean();
      loss.backward();
      rt.noGrad(() => w.addInPlace(w.grad!.mul(-0.01)));
      w.zeroGrad();
      return loss.item();
    });
  for (let i = 0; i < 5; i++) step();
  const before = rt.pool.stats();
  for (let i = 0; i < 200; i++) step();
  const after = rt.pool.stats();
  assert.equal(after.misses, before.misses, 'no fresh allocations once the pool is warm');
  assert.ok(after.hits > before.hits);
});

test('views keep their storage alive after the base is disposed', () => {
  const rt = createRuntime({ backend: 'js' });
  const base = rt.tensor([1, 2, 3, 4], [2, 2]);
  const v = base.transpose();
  base.dispose();
  assert.deepEqual(v.toNested(), [[1, 3], [2, 4]]);
});
