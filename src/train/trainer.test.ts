import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteTokenizer } from '../data/byte-tokenizer.js';
import { prepareShards } from '../data/prepare.js';
import { BatchSampler, openShards, type ShardSet } from '../data/dataset.js';
import { createRuntime } from '../tensor/index.js';
import { toyLM } from '../test-util/toy-lm.js';
import { CheckpointDir } from './checkpoints.js';
import { MetricsLog } from './metrics.js';
import { Trainer, type TrainerCheckpointMeta, type TrainerSettings } from './trainer.js';
import { enableActivationCheckpointing } from './activation-checkpointing.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-trainer-'));
let shards: ShardSet;
test.before(async () => {
  const words = ['the cat', 'a dog', 'sat on', 'the mat', 'ran to', 'a tree'];
  const docs = Array.from({ length: 120 }, (_, i) => `${words[i % 6]} ${words[(i * 7) % 6]} ${words[(i * 5 + 1) % 6]}.`);
  writeFileSync(join(root, 'data.txt'), docs.join('<|endoftext|>\n'));
  await prepareShards({ inputs: [join(root, 'data.txt')], tokenizer: new ByteTokenizer(), outDir: join(root, 'shards'), valFraction: 0.1 });
  shards = openShards(join(root, 'shards'));
});
test.after(() => {
  shards.close();
  rmSync(root, { recursive: true, force: true });
});

const settings = (maxSteps: number, over: Partial<TrainerSettings['training']> = {}): TrainerSettings => ({
  training: { maxSteps, batchSize: 4, contextLength: 16, gradAccumSteps: 2, labelSmoothing: 0.05, activationCheckpointing: false, ...over },
  optimizer: { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, gradClip: 1 },
  schedule: { kind: 'cosine', warmupSteps: 3, decaySteps: 30, minLrRatio: 0.1 },
  eval: { every: 10, batches: 4 },
  checkpoint: { every: 10, keepLast: 2, keepBest: true },
  log: { every: 1 },
});

function setup(dir: string, maxSteps: number, opts: { stopAt?: number; checkpointing?: boolean } = {}) {
  const rt = createRuntime({ backend: 'js', seed: 3 });
  const model = toyLM(rt, { vocabSize: 257, dropout: 0.1 });
  if (opts.checkpointing) enableActivationCheckpointing(model);
  const sampler = new BatchSampler(shards.train, { batchSize: 4, context: 16, mode: 'random', seed: 9 });
  const metrics = new MetricsLog(join(dir, 'metrics.jsonl'));
  const checkpoints = new CheckpointDir(join(dir, 'checkpoints'), 2);
  let step = 0;
  const trainer = new Trainer({
    rt,
    model,
    train: sampler,
    validation: shards.validation,
    settings: settings(maxSteps),
    checkpoints,
    metrics,
    onEvent: (e) => {
      if (e.kind === 'step') step = e.step;
    },
    shouldStop: () => opts.stopAt !== undefined && step >= opts.stopAt,
  });
  return { trainer, metrics, checkpoints };
}

const losses = (m: MetricsLog) => m.read().flatMap((r) => (r.kind === 'train' ? [[r.step, r.loss] as const] : []));
const evals = (m: MetricsLog) => m.read().flatMap((r) => (r.kind === 'eval' ? [[r.step, r.valLoss] as const] : []));

test('a short run lowers validation loss; an interrupted and resumed run gives exactly the same losses', async () => {
  const a = setup(join(root, 'a'), 30);
  const ra = await a.trainer.run();
  assert.equal(ra.status, 'completed');
  assert.equal(ra.steps, 30);
  const ev = evals(a.metrics);
  assert.deepEqual(ev.map(([s]) => s), [10, 20, 30]);
  assert.ok(ev[2]![1] < ev[0]![1], `validation loss ${ev.map(([, l]) => l.toFixed(3)).join(' -> ')} should fall`);
  assert.equal(ra.valLoss, ev[2]![1]);

  // Interrupted after step 17 (not a checkpoint step): a checkpoint is written there.
  const b1 = setup(join(root, 'b'), 30, { stopAt: 17 });
  const rb1 = await b1.trainer.run();
  assert.equal(rb1.status, 'interrupted');
  assert.equal(rb1.steps, 17);
  assert.deepEqual(b1.checkpoints.list().map((e) => e.step), [10, 17]);

  // A fresh process-like setup resumes from the latest checkpoint.
  const b2 = setup(join(root, 'b'), 30);
  const latest = b2.checkpoints.loadLatest<TrainerCheckpointMeta>();
  assert.equal(latest.entry.step, 17);
  b2.trainer.restore(latest.contents);
  b2.metrics.truncateAfter(17);
  const rb2 = await b2.trainer.run();
  assert.equal(rb2.status, 'completed');
  const la = losses(a.metrics);
  const lb = losses(b2.metrics);
  assert.equal(lb.length, 30);
  for (let i = 0; i < 30; i++) {
    assert.equal(lb[i]![0], la[i]![0]);
    assert.ok(Math.abs(lb[i]![1] - la[i]![1]) <= 1e-6, `step ${la[i]![0]}: ${lb[i]![1]} vs ${la[i]![1]}`);
  }
  assert.deepEqual(evals(b2.metrics), ev);
  assert.equal(rb2.valLoss, ra.valLoss);
});

test('activation checkpointing gives the same losses as the plain graph', async () => {
  const plain = setup(join(root, 'c'), 6);
  await plain.trainer.run();
  const ckpt = setup(join(root, 'd'), 6, { checkpointing: true });
  await ckpt.trainer.run();
  assert.deepEqual(losses(ckpt.metrics), losses(plain.metrics));
});

test('gradient accumulation: 2 micro-batches of 4 equal one batch of 8', async () => {
  const run = async (batchSize: number, gradAccumSteps: number) => {
    const rt = createRuntime({ backend: 'js', seed: 3 });
    const model = toyLM(rt, { vocabSize: 257 });
    const dir = join(root, `acc-${batchSize}`);
    const s = settings(3, { batchSize, gradAccumSteps, labelSmoothing: 0 });
    const trainer = new Trainer({
      rt,
      model,
      train: new BatchSampler(shards.train, { batchSize, context: 16, mode: 'sequential' }),
      validation: null,
      settings: s,
      checkpoints: new CheckpointDir(join(dir, 'checkpoints')),
      metrics: new MetricsLog(join(dir, 'metrics.jsonl')),
    });
    await trainer.run();
    return model.parameters().flatMap((p) => Array.from(p.toArray()));
  };
  const a = await run(4, 2);
  const b = await run(8, 1);
  const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  assert.ok(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
});

test('early stopping ends the run when validation loss stops improving', async () => {
  const rt = createRuntime({ backend: 'js', seed: 3 });
  const dir = join(root, 'early');
  const base = settings(30);
  const trainer = new Trainer({
    rt,
    model: toyLM(rt, { vocabSize: 257 }),
    train: new BatchSampler(shards.train, { batchSize: 4, context: 16, mode: 'random', seed: 1 }),
    validation: shards.validation,
    // An improvement must beat the best by 100 nats: the second evaluation never does.
    settings: { ...base, eval: { every: 5, batches: 2, earlyStopping: { patience: 1, minDelta: 100 } } },
    checkpoints: new CheckpointDir(join(dir, 'checkpoints')),
    metrics: new MetricsLog(join(dir, 'metrics.jsonl')),
  });
  const r = await trainer.run();
  assert.equal(r.status, 'stopped_early');
  assert.equal(r.steps, 10);
});
