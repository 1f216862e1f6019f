import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTensorStore } from './tensor-store.js';
import { writeGguf } from './gguf-writer.js';
import { writeSafetensors } from './safetensors-writer.js';
import { tempDir } from './test-bytes.js';
import { FileFormatError, NotFoundError } from '../errors.js';

test('openTensorStore picks the format by content and reads through one interface', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = Float32Array.from({ length: 64 }, (_, i) => i / 8);
    const g = join(dir, 'model.bin');
    await writeGguf(g, { metadata: { 'general.architecture': 'llama' }, tensors: [{ name: 'w', dtype: 'f32', shape: [2, 32], data: w }] });
    const s = join(dir, 'model.safetensors');
    await writeSafetensors(s, [{ name: 'w', dtype: 'f32', shape: [2, 32], data: w }]);
    for (const [path, format] of [[g, 'gguf'], [s, 'safetensors'], [dir, 'safetensors']] as const) {
      const store = openTensorStore(path);
      assert.equal(store.format, format);
      assert.ok(store.has('w'));
      assert.deepEqual(store.get('w').shape, [2, 32]);
      assert.equal(store.get('w').fileDtype, 'F32');
      assert.deepEqual(store.read('w'), w);
      const target = new Float32Array(64);
      store.read(store.get('w'), target);
      assert.deepEqual(target, w);
    }
    assert.equal(openTensorStore(g).gguf?.metadata['general.architecture'], 'llama');
    assert.deepEqual({ ...openTensorStore(s).metadata }, { format: 'pt' });

    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a model at all');
    assert.throws(() => openTensorStore(junk), (e: unknown) => e instanceof FileFormatError && e.field === 'magic');
    const empty = join(dir, 'sub');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(empty);
    assert.throws(() => openTensorStore(empty), NotFoundError);
  } finally {
    cleanup();
  }
});

test('loading every tensor keeps peak RSS within 1.2x the file size', async () => {
  const { execFileSync } = await import('node:child_process');
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'big.safetensors');
    const n = 12; // 12 x 8 MiB of f16 = 96 MiB
    await writeSafetensors(
      file,
      Array.from({ length: n }, (_, i) => ({ name: `w${i}`, dtype: 'f16' as const, shape: [2048, 2048], data: () => new Uint16Array(4 << 20).fill(i) })),
    );
    const store = new URL('./tensor-store.js', import.meta.url).href;
    const run = (code: string) =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `${code}; console.log(JSON.stringify(process.resourceUsage().maxRSS))`], { encoding: 'utf8' })) as number;
    const idle = run(`import ${JSON.stringify(store)}`);
    const loaded = run(`import { openTensorStore } from ${JSON.stringify(store)}; const s = openTensorStore(${JSON.stringify(file)}); globalThis.keep = s.tensors.map((t) => s.read(t))`);
    const size = n * (8 << 20);
    const ratio = ((loaded - idle) * 1024) / size;
    assert.ok(ratio > 0.9, `the child must actually hold the weights (ratio ${ratio})`);
    assert.ok(ratio < 1.2, `peak RSS above idle is ${ratio.toFixed(3)}x the file size`);
  } finally {
    cleanup();
  }
});
