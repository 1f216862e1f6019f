import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRuntime } from '../tensor/index.js';
import { AdamW, SGD, clipGradNorm } from './optimizers.js';
import { learningRate } from './schedule.js';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/optimizers.json', import.meta.url), 'utf8'));

for (const [name, c] of Object.entries(fixture.cases) as [string, { config: Record<string, number | boolean>; final: number[] }][]) {
  test(`${name} follows PyTorch's trajectory with clipping (scripts/make-optimizer-fixtures.py)`, () => {
    const rt = createRuntime({ backend: 'js' });
    const p = rt.tensor(fixture.init, undefined, { dtype: 'f64', requiresGrad: true });
    const w = rt.tensor([[0, 1, 2], [3, 4, 5]], undefined, { dtype: 'f64' });
    const cfg = c.config as never;
    const opt = name === 'adamw' ? new AdamW([p], cfg) : new SGD([p], cfg);
    for (let s = 0; s < fixture.steps; s++) {
      opt.zeroGrad();
      p.sin().mul(w).sum().add(p.square().sum()).backward();
      clipGradNorm([p], fixture.clip);
      opt.step();
    }
    const got = Array.from(p.toArray());
    got.forEach((v, i) => assert.ok(Math.abs(v - c.final[i]!) < 1e-10, `element ${i}: ${v} vs ${c.final[i]}`));
  });
}

test('optimizer state round-trips: a restored optimizer continues identically', () => {
  const rt = createRuntime({ backend: 'js' });
  const run = (steps: number, restoreAt?: number) => {
    const p = rt.tensor([1, -2, 3], undefined, { requiresGrad: true });
    let opt = new AdamW([p], { lr: 0.05 });
    for (let s = 0; s < steps; s++) {
      if (s === restoreAt) {
        const saved = opt.state();
        opt = new AdamW([p], { lr: 0.05 });
        opt.loadState(saved);
      }
      opt.zeroGrad();
      p.pow(3).sum().backward();
      opt.step();
    }
    return Array.from(p.toArray());
  };
  assert.deepEqual(run(6, 3), run(6));
});

test('warmup then cosine decay reaches the floor', () => {
  const cfg = { kind: 'cosine' as const, lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
  assert.equal(learningRate(cfg, 0), 0.1);
  assert.equal(learningRate(cfg, 9), 1);
  assert.ok(Math.abs(learningRate(cfg, 60) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRate(cfg, 110) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate({ ...cfg, kind: 'linear' }, 60) - 0.55) < 1e-12);
});
