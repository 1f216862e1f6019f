import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { llamaConfig } from './llama/config.js';
import { createModel } from './registry.js';
import { saveModel } from './save.js';
import { loadModel } from './load.js';
import { BUILTIN_MODEL_DIR } from './extra-sources.js';
import { createRuntime } from '../tensor/index.js';
import { runCli } from '../test-util/cli.js';
import { startHub, type Repo } from '../test-util/fake-hub.js';
import { trainBpe } from '../tokenizers/index.js';
import { existsSync } from 'node:fs';

let dir = '';
let folder = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lmkit-sources-'));
  const tok = await trainBpe({ texts: ['the tent is warm and dry. the boots are light.\n'.repeat(20)], vocabSize: 280, specialTokens: ['</s>'] });
  const rt = createRuntime({ backend: 'js', seed: 5 });
  const model = createModel(rt, llamaConfig({ modelType: 'llama', vocabSize: tok.vocabSize, contextLength: 64, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64 }));
  folder = join(dir, 'tiny');
  await saveModel(model, folder, { tokenizer: tok });
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The saved folder as a hub repo: small files plain, weights as LFS blobs. */
function repoOf(path: string): Repo {
  const files = new Map<string, { data: Buffer; lfs: boolean }>();
  for (const f of readdirSync(path)) files.set(f, { data: readFileSync(join(path, f)), lfs: f.endsWith('.safetensors') });
  return { files };
}

test('lmkit generate --model hf:org/tiny downloads the model from the hub and gives the folder\'s output', async () => {
  const hub = await startHub(repoOf(folder));
  try {
    const env = { LMKIT_BACKEND: 'js', LMKIT_CACHE: join(dir, 'cache'), HF_ENDPOINT: hub.endpoint };
    const args = ['--prompt', 'the tent', '--max-tokens', '6', '--temperature', '0', '--json'];
    const fromHub = await runCli(['generate', '--model', 'hf:org/tiny', ...args], '', env);
    assert.equal(fromHub.code, 0, fromHub.stderr);
    const local = await runCli(['generate', '--model', folder, ...args], '', env);
    assert.deepEqual(JSON.parse(fromHub.stdout), JSON.parse(local.stdout));
    assert.ok(hub.log.some((l) => /\/resolve\/[^/]+\/model\.safetensors$/.test(l.url)), 'the weights were fetched over HTTP');
    // Offline now: the second load is served from the cache.
    await hub.close();
    const again = await runCli(['generate', '--model', 'hf:org/tiny', ...args], '', { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), JSON.parse(local.stdout));
  } finally {
    await hub.close().catch(() => undefined);
  }
});

test('hf: references without a cache folder are refused with a clear error', async () => {
  await assert.rejects(loadModel('hf:org/tiny', { rt: createRuntime({ backend: 'js' }) }), /\[loadModel\] hub: a cache folder/);
});

test('default is the built-in model shipped in models/default', { skip: existsSync(join(BUILTIN_MODEL_DIR, 'config.json')) ? false : 'models/default is not built' }, async () => {
  const { model, tokenizer, source } = await loadModel('default', { rt: createRuntime({ backend: 'js' }) });
  assert.equal(source.kind, 'default');
  assert.equal(model.config.architecture, 'llama');
  assert.ok(tokenizer?.chatTemplate?.includes('<|im_start|>'));
});
