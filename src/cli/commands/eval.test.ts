import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test-util/cli.js';
import { createRuntime } from '../../tensor/index.js';
import { createModel, registry } from '../../models/registry.js';
import { saveModel } from '../../models/save.js';
import { ByteTokenizer } from '../../data/byte-tokenizer.js';
import { crossEntropy } from '../../tensor/ops/nn.js';
import { slidingWindows } from '../../train/perplexity.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-eval-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('sliding windows score every token after the first exactly once', () => {
  for (const [n, c, s] of [[10, 4, 4], [10, 4, 1], [9, 4, 3], [5, 8, 8], [100, 16, 5]] as const) {
    const seen = new Map<number, number>();
    for (const w of slidingWindows(n, c, s)) {
      assert.ok(w.end - w.begin <= c && w.from > w.begin);
      for (let p = w.from; p < w.end; p++) seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    assert.ok([...seen.values()].every((k) => k === 1), `n=${n} c=${c} s=${s}`);
    if (s < c) assert.equal(seen.size, n - 1);
  }
});

test('lmkit eval perplexity matches the loss of one full forward pass when the context covers the data', async () => {
  const rt = createRuntime({ backend: 'js', seed: 5 });
  const cfg = registry.llama.config({ vocabSize: 257, contextLength: 64, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 });
  const model = createModel(rt, cfg);
  model.eval();
  const dir = join(root, 'model');
  const tok = new ByteTokenizer();
  await saveModel(model, dir, { tokenizer: tok });
  const text = 'a small test sentence.';
  writeFileSync(join(root, 'd.txt'), text);
  const ids = [...tok.encode(text), tok.eosId];
  const N = ids.length;
  const expected = rt.noGrad(() => {
    const x = rt.tensor(ids.slice(0, N - 1), [1, N - 1], { dtype: 'i32' });
    const y = rt.tensor(ids.slice(1), [1, N - 1], { dtype: 'i32' });
    return crossEntropy(model.forward(x).logits, y).item();
  });
  const r = await runCli(['eval', 'perplexity', '--model', dir, '--data', join(root, 'd.txt'), '--context', '64', '--json'], '', { LMKIT_BACKEND: 'js' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.tokens, N - 1);
  assert.ok(Math.abs(out.nll - expected) < 1e-5, `${out.nll} vs ${expected}`);
  assert.ok(Math.abs(out.perplexity - Math.exp(expected)) < 1e-3);
  const strided = JSON.parse((await runCli(['eval', 'perplexity', '--model', dir, '--data', join(root, 'd.txt'), '--context', '8', '--stride', '4', '--json'], '', { LMKIT_BACKEND: 'js' })).stdout);
  assert.equal(strided.tokens, N - 1);
  const bad = await runCli(['eval', 'perplexity', '--model', join(root, 'nope'), '--data', join(root, 'd.txt')], '', { LMKIT_BACKEND: 'js' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^lmkit: .*nope/);
});
