import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, type Runtime, type Tensor } from './index.js';
import { checkpoint } from './checkpoint.js';
import { dropout, layerNorm } from './ops/nn.js';
import { linear } from './ops/matmul.js';

/** A residual MLP block with LayerNorm and dropout, parameters closed over (as a model's block). */
function makeBlock(rt: Runtime, d: number) {
  const w1 = rt.randn([2 * d, d], { std: 0.3 }).requireGrad();
  const w2 = rt.randn([d, 2 * d], { std: 0.3 }).requireGrad();
  const g = rt.ones([d]).requireGrad();
  const fn = (x: Tensor) => x.add(dropout(linear(linear(layerNorm(x, g, null), w1).gelu(), w2), 0.2));
  return { params: [w1, w2, g], fn };
}

function run(useCheckpoint: boolean, layers = 3) {
  const rt = createRuntime({ backend: 'js', seed: 11 });
  const blocks = Array.from({ length: layers }, () => makeBlock(rt, 8));
  const x0 = rt.randn([4, 8]).requireGrad();
  const before = rt.pool.stats().misses;
  let h = x0;
  for (const b of blocks) h = useCheckpoint ? checkpoint(b.fn, [h]) : b.fn(h);
  const loss = h.square().mean();
  const forwardAllocs = rt.pool.stats().misses - before;
  loss.backward();
  return {
    loss: loss.item(),
    grads: [x0, ...blocks.flatMap((b) => b.params)].map((p) => Array.from(p.grad!.toArray())),
    forwardAllocs,
  };
}

test('checkpoint: same loss and the same gradients (dropout masks replayed) as the plain graph', () => {
  const plain = run(false);
  const ckpt = run(true);
  assert.equal(ckpt.loss, plain.loss);
  assert.equal(ckpt.grads.length, plain.grads.length);
  ckpt.grads.forEach((g, i) => assert.deepEqual(g, plain.grads[i], `gradient ${i}`));
});

test('checkpoint: the forward frees each block\'s intermediates (fewer fresh buffers)', () => {
  const plain = run(false, 6);
  const ckpt = run(true, 6);
  // Plain keeps every block's ~8 intermediates alive; checkpointed blocks reuse the same buffers.
  assert.ok(ckpt.forwardAllocs * 2 < plain.forwardAllocs, `checkpointed ${ckpt.forwardAllocs} vs plain ${plain.forwardAllocs} fresh buffers`);
});

test('checkpoint without grad is the plain function', () => {
  const rt = createRuntime({ backend: 'js' });
  const x = rt.tensor([1, 2, 3]);
  const y = rt.noGrad(() => checkpoint((t) => t.mul(2), [x.requireGrad()]));
  assert.deepEqual(Array.from(y.toArray()), [2, 4, 6]);
  assert.equal(y.node, null);
});
