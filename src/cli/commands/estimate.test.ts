import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test-util/cli.js';
import { createRuntime } from '../../tensor/index.js';
import { createModel, registry } from '../../models/registry.js';
import { countParams, type EstimateModel } from '../../train/estimate.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-estimate-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('parameter counts match the models built from the same configs', () => {
  const rt = createRuntime({ backend: 'js' });
  const configs = [
    registry.gpt2.config({ vocabSize: 300, contextLength: 32, hiddenSize: 32, numLayers: 2, numHeads: 4 }),
    registry.gpt2.config({ vocabSize: 300, contextLength: 32, hiddenSize: 32, numLayers: 3, numHeads: 4, tieWordEmbeddings: false, intermediateSize: 48 }),
    registry.llama.config({ vocabSize: 300, contextLength: 32, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 80 }),
    registry.llama.config({ vocabSize: 300, contextLength: 32, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 80, qkvBias: true, oBias: true, mlpBias: true, tieWordEmbeddings: true }),
  ];
  for (const c of configs) assert.equal(countParams(c as EstimateModel).total, createModel(rt, c).numParameters(), JSON.stringify(c));
});

test('lmkit estimate prints parameters, FLOPs and the memory breakdown', async () => {
  const cfg = join(root, 'gpt2.json');
  writeFileSync(cfg, JSON.stringify({ model: { architecture: 'gpt2', hiddenSize: 768, numLayers: 12, numHeads: 12, vocabSize: 50257, contextLength: 1024 }, data: { train: 'x.txt' }, training: { maxSteps: 1, batchSize: 4, contextLength: 256 } }));
  const r = await runCli(['estimate', '--config', cfg, '--json'], '', {});
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.params.total, 124439808, 'GPT-2 124M');
  // 6N + 12 L C T with N the matmul parameters (blocks + the tied head).
  assert.equal(e.flopsPerToken.training, 6 * e.params.matmul + 12 * 12 * 768 * 256);
  assert.equal(e.training.weights, 124439808 * 4);
  assert.equal(e.training.optimizer, 2 * e.training.weights);
  assert.equal(e.inference.kvCache, 2 * 12 * 12 * 64 * 256 * 4 * 4);
  const text = await runCli(['estimate', '--config', cfg, '--batch', '1', '--context', '1024'], '', {});
  assert.match(text.stdout, /gpt2: 124\.44M parameters[^]*memory at batch 1, context 1024:[^]*weights\s+474\.\d MiB[^]*KV cache\s+0 B\s+72\.0 MiB/);
});

test('the training estimate is within 20% of the peak RSS of a real training run', () => {
  const words = ['alpha', 'beta', 'gamma', 'delta'];
  writeFileSync(join(root, 'data.txt'), Array.from({ length: 200 }, (_, i) => `${words[i % 4]} ${words[(i * 3) % 4]}`).join('<|endoftext|>\n'));
  const cfg = {
    model: { architecture: 'llama', hiddenSize: 384, numLayers: 4, numHeads: 4, numKvHeads: 4, intermediateSize: 1024 },
    tokenizer: { type: 'bytes' },
    data: { train: join(root, 'data.txt'), valFraction: 0.2 },
    training: { maxSteps: 2, batchSize: 1, contextLength: 16 },
    eval: { every: 0, batches: 1 },
    checkpoint: { every: 0 },
  };
  const cfgPath = join(root, 'rss.json');
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const child = new URL('../../test-util/rss-child.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [child, 'train', '--config', cfgPath, '--out', join(root, 'run')], {
    env: { ...process.env, LMKIT_HOME: join(root, 'home'), LMKIT_BACKEND: 'js' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const measured = Number(/maxrss=(\d+)/.exec(r.stderr)![1]);
  const est = spawnSync(process.execPath, [new URL('../../../bin/lmkit.js', import.meta.url).pathname, 'estimate', '--config', cfgPath, '--json'], { encoding: 'utf8' });
  const predicted = JSON.parse(est.stdout).training.total;
  const ratio = predicted / measured;
  assert.ok(ratio > 0.8 && ratio < 1.2, `estimate ${(predicted / 2 ** 20).toFixed(0)} MiB vs measured ${(measured / 2 ** 20).toFixed(0)} MiB (ratio ${ratio.toFixed(2)})`);
});
