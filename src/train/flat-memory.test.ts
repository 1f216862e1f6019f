/**
 * The engine's memory promise: a training loop of 10,000 steps (forward,
 * cross-entropy, backward, clipping, AdamW) runs in flat memory. After a
 * short warm-up the buffer pool serves every allocation (no misses), and the
 * JS heap and the process's resident memory do not grow with the step count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../tensor/index.js';
import { crossEntropy } from '../tensor/ops/nn.js';
import { Embedding, Linear, RMSNorm } from '../nn/layers.js';
import { AdamW, clipGradNorm } from './optimizers.js';

test('10,000 training steps run in flat memory (pool, heap and RSS)', () => {
  const rt = createRuntime(); // native when built: both backends share the pool and the autograd graph
  const V = 64, C = 32, B = 4, T = 8;
  const emb = new Embedding(rt, V, C, { std: 0.1 });
  const norm = new RMSNorm(rt, C, 1e-5);
  const hidden = new Linear(rt, C, 64, { std: 0.1 });
  const out = new Linear(rt, 64, V, { std: 0.1 });
  const params = [...emb.parameters(), ...norm.parameters(), ...hidden.parameters(), ...out.parameters()];
  const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0.01 });
  const ids = rt.tensor(Array.from({ length: B * T }, (_, i) => (i * 7) % V), [B, T], { dtype: 'i32' });
  const targets = rt.tensor(Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V), [B, T], { dtype: 'i32' });
  const step = () =>
    rt.tidy(() => {
      const h = hidden.forward(norm.forward(emb.forward(ids))).silu();
      const loss = crossEntropy(out.forward(h), targets);
      loss.backward();
      clipGradNorm(params, 1);
      opt.step();
      for (const p of params) p.zeroGrad();
      return loss.item();
    });
  const first = step();
  for (let i = 0; i < 99; i++) step();
  globalThis.gc?.();
  const pool0 = rt.pool.stats();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let last = first;
  for (let i = 0; i < 9900; i++) last = step();
  globalThis.gc?.();
  const pool1 = rt.pool.stats();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage().rss;
  assert.ok(last < first, `the loop trains (loss ${first} -> ${last})`);
  assert.equal(pool1.misses, pool0.misses, 'no fresh tensor buffers after warm-up');
  assert.ok(heap1 - heap0 < 8 * 2 ** 20, `JS heap grew by ${((heap1 - heap0) / 2 ** 20).toFixed(1)} MiB over 9,900 steps`);
  assert.ok(rss1 - rss0 < 32 * 2 ** 20, `RSS grew by ${((rss1 - rss0) / 2 ** 20).toFixed(1)} MiB over 9,900 steps`);
});
