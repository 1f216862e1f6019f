/**
 * Issue 2's golden test: the loss and every parameter gradient of a small
 * GPT-2 equal a PyTorch reference within 1e-4 relative, and a 10-step AdamW
 * run (with gradient clipping) follows PyTorch's loss curve within 1e-4
 * relative. The reference (float64) is written by
 * scripts/make-model-fixtures.py into test/fixtures/models/gpt2-train/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossEntropy } from '../../tensor/ops/nn.js';
import type { Runtime } from '../../tensor/runtime.js';
import { AdamW, clipGradNorm } from '../../train/optimizers.js';
import { loadModel } from '../load.js';
import type { LanguageModel } from '../registry.js';
import { FIXTURES, goldenRuntimes, readExpected } from '../test-fixtures.js';
import { gpt2HF } from './weights.js';
import type { Gpt2Config } from './config.js';

const REL = 1e-4;
const DIR = join(FIXTURES, 'gpt2-train');
const exp = readExpected('gpt2-train');
const hp = JSON.parse(readFileSync(join(DIR, 'config.json'), 'utf8')).lmkit_adamw as Record<string, number>;

function batch(rt: Runtime) {
  const ids = exp.get('input_ids');
  const targets = exp.get('targets');
  return {
    ids: rt.tensor(Int32Array.from(ids.data), ids.shape, { dtype: 'i32' }),
    targets: rt.tensor(Int32Array.from(targets.data), targets.shape, { dtype: 'i32' }),
  };
}

async function load(rt: Runtime): Promise<LanguageModel> {
  const { model } = await loadModel(DIR, { rt });
  return model.train(); // dropout is 0 in this config: train mode must not change the numbers
}

for (const { name: backend, rt, skip } of goldenRuntimes()) {
  test(`[${backend}] gpt2: loss and every parameter gradient match PyTorch within ${REL} relative`, { skip: skip ?? false }, async () => {
    const model = await load(rt!);
    const { ids, targets } = batch(rt!);
    const loss = crossEntropy(model.forward(ids).logits, targets, { ignoreIndex: -100 });
    const want = exp.get('loss').data[0]!;
    assert.ok(Math.abs(loss.item() - want) <= REL * Math.abs(want), `loss ${loss.item()} vs ${want}`);
    loss.backward();
    let checked = 0;
    for (const [name, p] of model.namedParameters()) {
      const loc = gpt2HF.locate(name, model.config as Gpt2Config);
      const ref = exp.get(`grad.${loc.keys[0]}`);
      // The reference is in the checkpoint's layout (Conv1D weights are (in, out)).
      const g = loc.layout === 'transposed' ? p.grad!.transpose(0, 1).contiguous() : p.grad!;
      assert.deepEqual(g.shape, ref.shape, name);
      const got = g.toArray();
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < got.length; i++) {
        scale = Math.max(scale, Math.abs(ref.data[i]!));
        diff = Math.max(diff, Math.abs(got[i]! - ref.data[i]!));
      }
      assert.ok(scale > 0, `${name}: reference gradient is all zero`);
      assert.ok(diff <= REL * scale, `${name}: gradient differs by ${diff} (scale ${scale})`);
      checked++;
    }
    assert.equal(checked, exp.names().filter((n) => n.startsWith('grad.')).length, 'every reference gradient was compared');
    model.dispose();
  });

  test(`[${backend}] gpt2: a 10-step AdamW loss curve (clip ${hp.clip}) matches PyTorch within ${REL} relative`, { skip: skip ?? false }, async () => {
    const r = rt!;
    const model = await load(r);
    const { ids, targets } = batch(r);
    const params = model.trainableParameters();
    const opt = new AdamW(params, { lr: hp.lr!, beta1: hp.beta1!, beta2: hp.beta2!, eps: hp.eps!, weightDecay: hp.weight_decay! });
    const losses: number[] = [];
    for (let s = 0; s < hp.steps!; s++) {
      opt.zeroGrad();
      losses.push(
        r.tidy(() => {
          const loss = crossEntropy(model.forward(ids).logits, targets, { ignoreIndex: -100 });
          loss.backward();
          return loss.item();
        }),
      );
      clipGradNorm(params, hp.clip!);
      opt.step();
    }
    losses.push(r.noGrad(() => r.tidy(() => crossEntropy(model.forward(ids).logits, targets, { ignoreIndex: -100 }).item())));
    const want = exp.get('adamw_losses').data;
    assert.equal(losses.length, want.length);
    losses.forEach((l, i) => assert.ok(Math.abs(l - want[i]!) <= REL * Math.abs(want[i]!), `step ${i}: loss ${l} vs ${want[i]}`));
    assert.ok(want[want.length - 1]! < want[0]! - 0.1, 'the reference curve goes down');
    model.dispose();
  });
}
