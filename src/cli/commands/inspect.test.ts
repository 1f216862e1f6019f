import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../test-util/cli.js';
import { writeGguf } from '../../io/gguf-writer.js';
import { gguf } from '../../io/gguf-types.js';
import { tempDir } from '../../io/test-bytes.js';

const fixtures = new URL('../../../test/fixtures/io/', import.meta.url).pathname;

async function smallGguf(dir: string): Promise<string> {
  const p = join(dir, 'm.gguf');
  await writeGguf(p, {
    metadata: {
      'general.architecture': 'llama',
      'llama.context_length': gguf.u32(128),
      'tokenizer.ggml.tokens': Array.from({ length: 20 }, (_, i) => `t${i}`),
    },
    tensors: [
      { name: 'token_embd.weight', dtype: 'q8_0', shape: [4, 32], data: new Uint8Array(4 * 34) },
      { name: 'output_norm.weight', dtype: 'f32', shape: [32], data: new Float32Array(32) },
    ],
  });
  return p;
}

test('inspect prints a GGUF header, metadata and tensor table', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = await smallGguf(dir);
    const r = await runCli(['inspect', p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GGUF v3, .*alignment 32/);
    assert.match(r.stdout, /llama\.context_length\s+u32\s+128/);
    assert.match(r.stdout, /tokenizer\.ggml\.tokens\s+array<string>\s+\["t0", "t1", .*"t7", \.\.\. \(20\)\]/);
    assert.match(r.stdout, /tensors \(2, 160 values/);
    assert.match(r.stdout, /token_embd\.weight\s+q8_0\s+\[4, 32\]\s+136/);
    assert.match(r.stdout, /output_norm\.weight\s+f32\s+\[32\]\s+128/);
  } finally {
    cleanup();
  }
});

test('inspect --json gives the same facts as data; --full keeps whole arrays', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = await smallGguf(dir);
    const r = await runCli(['inspect', p, '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, 'gguf');
    assert.equal(j.version, 3);
    assert.deepEqual(j.metadata['llama.context_length'], { type: 'u32', value: 128 });
    assert.equal(j.metadata['tokenizer.ggml.tokens'].length, 20);
    assert.equal(j.metadata['tokenizer.ggml.tokens'].value.length, 8);
    assert.deepEqual(j.tensors[0], { name: 'token_embd.weight', dtype: 'q8_0', fileDtype: 'Q8_0', shape: [4, 32], offset: j.dataOffset, bytes: 136 });
    const full = JSON.parse((await runCli(['inspect', p, '--json', '--full'])).stdout);
    assert.equal(full.metadata['tokenizer.ggml.tokens'].value.length, 20);
  } finally {
    cleanup();
  }
});

test('inspect reads safetensors files and sharded folders', async () => {
  const r = await runCli(['inspect', join(fixtures, 'ref-layout.safetensors'), '--json']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.format, 'safetensors');
  assert.deepEqual(j.metadata, { format: { type: 'string', value: 'pt' } });
  assert.equal(j.tensors.length, 8);
  assert.deepEqual(
    j.tensors.find((t: { name: string }) => t.name === 'ids.i64'),
    { name: 'ids.i64', dtype: 'i32', fileDtype: 'I64', shape: [4], offset: j.dataOffset, bytes: 32 },
  );
  const s = await runCli(['inspect', join(fixtures, 'sharded')]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /tensors \(8, 28 values, 101 B\)/);
  assert.match(s.stdout, /ids\.i64\s+i32 \(I64\)\s+\[4\]\s+32/);
  assert.match(s.stdout, /format\s+string\s+"pt"/);
});

test('inspect reports bad files in one line and exits non-zero', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, 'GGML0000');
    const r = await runCli(['inspect', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `lmkit: [${bad}] magic: not a GGUF file: the first bytes are 47 47 4d 4c, expected 47 47 55 46 ("GGUF")\n`);
    const trunc = join(dir, 't.safetensors');
    writeFileSync(trunc, Buffer.from([100, 0, 0, 0, 0, 0, 0, 0, 123]));
    const t = await runCli(['inspect', trunc]);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /^lmkit: \[.*t\.safetensors\] header size: header of 100 bytes runs past the end of the 9-byte file \(truncated file\?\)\n$/);
    const u = await runCli(['inspect']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /expected one FILE/);
    const missing = await runCli(['inspect', join(dir, 'none.gguf')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
  } finally {
    cleanup();
  }
});
