import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveHub } from './hub.js';
import { parseHubRef, selectModelFiles } from './hub-cache.js';
import { writeSafetensors } from './safetensors-writer.js';
import { openTensorStore } from './tensor-store.js';
import { tempDir } from './test-bytes.js';
import { FileFormatError, InvalidArgumentError, LmkitError, NotFoundError } from '../errors.js';

import { COMMIT, startHub, type Repo } from '../test-util/fake-hub.js';

/** A small model repo: config, tokenizer, a 64 KiB safetensors file, and files lmkit should not fetch. */
async function makeRepo(dir: string): Promise<Repo> {
  const weights = join(dir, 'w.safetensors');
  const w = Float32Array.from({ length: 16384 }, (_, i) => Math.sin(i));
  await writeSafetensors(weights, [{ name: 'model.embed_tokens.weight', dtype: 'f32', shape: [128, 128], data: w }]);
  const files = new Map<string, { data: Buffer; lfs: boolean }>();
  files.set('config.json', { data: Buffer.from(JSON.stringify({ model_type: 'llama', hidden_size: 128 })), lfs: false });
  files.set('tokenizer.json', { data: Buffer.from('{"model":{"type":"BPE"}}'), lfs: false });
  files.set('model.safetensors', { data: readFileSync(weights), lfs: true });
  files.set('pytorch_model.bin', { data: Buffer.alloc(100, 1), lfs: true });
  files.set('README.md', { data: Buffer.from('# tiny'), lfs: false });
  files.set('onnx/model.onnx', { data: Buffer.alloc(10, 2), lfs: true });
  files.set('tiny-q4_0.gguf', { data: Buffer.from('GGUF fake'), lfs: true });
  return { files };
}

test('downloads the model files into the HF cache layout, verifies them, and reuses them offline', async () => {
  const { dir, cleanup } = tempDir();
  const repo = await makeRepo(dir);
  const hub = await startHub(repo);
  try {
    const cacheDir = join(dir, 'cache');
    const progress: number[] = [];
    const snap = await resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint, token: 'secret', onProgress: (p) => progress.push(p.loaded) });
    assert.equal(snap.commit, COMMIT);
    assert.deepEqual(snap.files, ['config.json', 'model.safetensors', 'tokenizer.json']);
    const folder = join(cacheDir, 'models--org--tiny');
    assert.equal(readFileSync(join(folder, 'refs', 'main'), 'utf8'), COMMIT);
    assert.equal(snap.dir, join(folder, 'snapshots', COMMIT));
    // Snapshot entries are relative symlinks into blobs/, named by ETag.
    const link = join(snap.dir, 'model.safetensors');
    assert.ok(lstatSync(link).isSymbolicLink());
    const sha = createHash('sha256').update(repo.files.get('model.safetensors')!.data).digest('hex');
    assert.equal(readlinkSync(link), join('..', '..', 'blobs', sha));
    assert.ok(readFileSync(link).equals(repo.files.get('model.safetensors')!.data));
    assert.equal(readdirSync(join(folder, 'blobs')).length, 3);
    assert.ok(progress.length > 0);
    // The folder loads as a model.
    const store = openTensorStore(snap.dir);
    assert.deepEqual(store.get('model.embed_tokens.weight').shape, [128, 128]);
    // The token went to the hub but not to the CDN origin.
    assert.ok(hub.log.filter((l) => l.url.startsWith('/api/') || l.url.includes('/resolve/')).every((l) => l.auth === 'Bearer secret'));
    assert.ok(hub.log.filter((l) => l.url.startsWith('/blobs/')).every((l) => l.auth === undefined));
    assert.ok(!hub.log.some((l) => /pytorch_model|onnx|README|gguf/.test(l.url)));

    // A second online call downloads nothing new.
    const before = hub.log.length;
    await resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint });
    assert.deepEqual(hub.log.slice(before).map((l) => l.url), ['/api/models/org/tiny/revision/main']);

    // Offline: served from the cache without any request; an unreachable hub falls back to it too.
    await hub.close();
    const off = await resolveHub('hf:org/tiny', { cacheDir, offline: true });
    assert.equal(off.dir, snap.dir);
    assert.deepEqual(off.files, ['config.json', 'model.safetensors', 'tokenizer.json']);
    const fallback = await resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint });
    assert.equal(fallback.commit, COMMIT);
    await assert.rejects(resolveHub('hf:org/other', { cacheDir, offline: true }), (e: unknown) => e instanceof NotFoundError && /not in the cache/.test(e.message));
    await assert.rejects(
      resolveHub('hf:org/tiny:tiny-q4_0.gguf', { cacheDir, offline: true }),
      (e: unknown) => e instanceof NotFoundError && /'tiny-q4_0\.gguf' is not in the cached snapshot/.test(e.message),
    );
    await assert.rejects(resolveHub('hf:org/other', { cacheDir, endpoint: hub.endpoint }), (e: unknown) => LmkitError.isInstance(e) && e.code === 'io' && /cannot reach/.test(e.message));
  } finally {
    await hub.close().catch(() => undefined);
    cleanup();
  }
});

test('a dropped connection is resumed with a Range request, within a call and across calls', async () => {
  const { dir, cleanup } = tempDir();
  const repo = await makeRepo(dir);
  const size = repo.files.get('model.safetensors')!.data.length;
  let hub = await startHub(repo, { dropFirst: true });
  try {
    const cacheDir = join(dir, 'cache');
    const snap = await resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint });
    const gets = hub.log.filter((l) => l.url.startsWith('/blobs/') && l.method === 'GET');
    assert.equal(gets.length, 2);
    assert.equal(gets[0]!.range, undefined);
    assert.equal(gets[1]!.range, `bytes=${size >> 1}-`);
    assert.ok(readFileSync(join(snap.dir, 'model.safetensors')).equals(repo.files.get('model.safetensors')!.data));
    await hub.close();

    // Across calls: with no retries the first call fails and keeps the partial blob; the next resumes it.
    const cache2 = join(dir, 'cache2');
    hub = await startHub(repo, { dropFirst: true });
    await assert.rejects(resolveHub('hf:org/tiny', { cacheDir: cache2, endpoint: hub.endpoint, retries: 0 }), (e: unknown) => LmkitError.isInstance(e) && /interrupted/.test(e.message));
    const blobs = join(cache2, 'models--org--tiny', 'blobs');
    const partial = readdirSync(blobs).find((f) => f.endsWith('.incomplete'))!;
    assert.equal(statSync(join(blobs, partial)).size, size >> 1);
    const snap2 = await resolveHub('hf:org/tiny', { cacheDir: cache2, endpoint: hub.endpoint, retries: 0 });
    assert.equal(hub.log.filter((l) => l.url.startsWith('/blobs/') && l.method === 'GET').at(-1)!.range, `bytes=${size >> 1}-`);
    assert.ok(readFileSync(join(snap2.dir, 'model.safetensors')).equals(repo.files.get('model.safetensors')!.data));
    assert.ok(!readdirSync(blobs).some((f) => f.endsWith('.incomplete')));
  } finally {
    await hub.close().catch(() => undefined);
    cleanup();
  }
});

test('a corrupted blob fails its sha256 check and is not cached', async () => {
  const { dir, cleanup } = tempDir();
  const repo = await makeRepo(dir);
  const hub = await startHub(repo, { corrupt: true });
  try {
    const cacheDir = join(dir, 'cache');
    await assert.rejects(
      resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint }),
      (e: unknown) => e instanceof FileFormatError && e.file === 'model.safetensors' && e.field === 'checksum' && /sha256 is [0-9a-f]{64}, expected/.test(e.message),
    );
    const blobs = readdirSync(join(cacheDir, 'models--org--tiny', 'blobs'));
    assert.ok(!blobs.some((f) => f.endsWith('.incomplete')));
    assert.ok(!blobs.includes(createHash('sha256').update(repo.files.get('model.safetensors')!.data).digest('hex')));
    assert.ok(!existsSync(join(cacheDir, 'models--org--tiny', 'snapshots', COMMIT, 'model.safetensors')));
  } finally {
    await hub.close();
    cleanup();
  }
});

test('a corrupted regular file fails its git blob sha1 check', async () => {
  const { dir, cleanup } = tempDir();
  const repo = await makeRepo(dir);
  const hub = await startHub(repo, { badSmall: true });
  try {
    await assert.rejects(
      resolveHub('hf:org/tiny', { cacheDir: join(dir, 'cache'), endpoint: hub.endpoint }),
      (e: unknown) => e instanceof FileFormatError && e.file === 'config.json' && /sha1 is [0-9a-f]{40}, expected/.test(e.message),
    );
  } finally {
    await hub.close();
    cleanup();
  }
});

test('a chosen file, a renamed repo (relative redirect), and a custom filter', async () => {
  const { dir, cleanup } = tempDir();
  const repo = await makeRepo(dir);
  const hub = await startHub(repo);
  try {
    const cacheDir = join(dir, 'cache');
    const g = await resolveHub('hf:org/tiny:tiny-q4_0.gguf', { cacheDir, endpoint: hub.endpoint });
    assert.deepEqual(g.files, ['tiny-q4_0.gguf']);
    assert.equal(readFileSync(g.path!, 'utf8'), 'GGUF fake');
    const readme = await resolveHub('hf:org/tiny', { cacheDir, endpoint: hub.endpoint, include: (f) => f === 'README.md' || f.startsWith('onnx/') });
    assert.deepEqual(readme.files, ['README.md', 'onnx/model.onnx']);
    assert.ok(readFileSync(join(readme.dir, 'onnx', 'model.onnx')).equals(Buffer.alloc(10, 2)));
    await assert.rejects(resolveHub('hf:org/tiny:nope.gguf', { cacheDir, endpoint: hub.endpoint }), NotFoundError);
    await assert.rejects(resolveHub('hf:org/missing', { cacheDir, endpoint: hub.endpoint }), NotFoundError);
    // A renamed repository: the API and resolve URLs redirect relatively to the new name.
    const renamed = await resolveHub('hf:old/tiny', { cacheDir, endpoint: hub.endpoint });
    assert.equal(renamed.commit, COMMIT);
    assert.ok(readFileSync(join(renamed.dir, 'config.json')).equals(repo.files.get('config.json')!.data));
    assert.ok(hub.log.some((l) => l.method === 'HEAD' && l.url.startsWith('/old/tiny/resolve/')));
  } finally {
    await hub.close();
    cleanup();
  }
});

test('reference parsing and default file selection', () => {
  assert.deepEqual(parseHubRef('hf:org/name'), { repo: 'org/name', revision: 'main' });
  assert.deepEqual(parseHubRef('hf:org/name@v1.0'), { repo: 'org/name', revision: 'v1.0' });
  assert.deepEqual(parseHubRef('hf:org/name@refs/pr/1:sub/m.gguf'), { repo: 'org/name', revision: 'refs/pr/1', file: 'sub/m.gguf' });
  assert.deepEqual(parseHubRef('hf:gpt2'), { repo: 'gpt2', revision: 'main' });
  for (const bad of ['org/name', 'hf:', 'hf:a/b/c', 'hf:org/name:../x', 'hf:org/name@..', 'hf:a--b/c']) {
    assert.throws(() => parseHubRef(bad), InvalidArgumentError, bad);
  }
  assert.deepEqual(
    selectModelFiles('o/r', ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'consolidated.safetensors', 'tokenizer.model', 'x/config.json']),
    ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'tokenizer.model'],
  );
  assert.deepEqual(selectModelFiles('o/r', ['a.gguf', 'README.md']), ['a.gguf']);
  assert.throws(() => selectModelFiles('o/r', ['a.gguf', 'b.gguf']), (e: unknown) => e instanceof InvalidArgumentError && /hf:o\/r:FILE/.test(e.message));
  assert.throws(() => selectModelFiles('o/r', ['README.md']), NotFoundError);
});
