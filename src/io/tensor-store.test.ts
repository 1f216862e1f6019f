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
