import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { quantizeGguf } from './gguf-quantize.js';
import { writeGguf } from './gguf-writer.js';
import { readGguf, readGgufTensor, ggufTensor } from './gguf.js';
import { gguf } from './gguf-types.js';
import { toFloat32 } from './quantize.js';
import { tempDir } from './test-bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { f32ToF16 } from '../tensor/dtype.js';

function wave(n: number, k: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * (1 + (i % 7) / 3));
}

test('quantizeGguf converts 2-D float weights, keeps 1-D and odd-width tensors, sets general.file_type', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = join(dir, 'f32.gguf');
    const embd = wave(8 * 64, 1);
    const norm = wave(64, 2);
    const odd = wave(4 * 48, 3);
    const half = Uint16Array.from(wave(4 * 64, 4), f32ToF16);
    await writeGguf(src, {
      metadata: { 'general.architecture': 'llama', 'llama.context_length': gguf.u32(128), 'general.file_type': gguf.u32(0) },
      tensors: [
        { name: 'token_embd.weight', dtype: 'f32', shape: [8, 64], data: embd },
        { name: 'output_norm.weight', dtype: 'f32', shape: [64], data: norm },
        { name: 'odd.weight', dtype: 'f32', shape: [4, 48], data: odd },
        { name: 'blk.0.ffn_up.weight', dtype: 'f16', shape: [4, 64], data: half },
      ],
    });
    for (const type of ['q8_0', 'q4_0'] as const) {
      const out = join(dir, `${type}.gguf`);
      const r = await quantizeGguf(src, out, { type });
      assert.deepEqual(r.tensors.map((t) => t.to), [type, 'f32', 'f32', type]);
      const g = readGguf(out);
      assert.equal(g.metadata['general.file_type'], type === 'q8_0' ? 7 : 2);
      assert.equal(g.metadataTypes['general.file_type'], 'u32');
      assert.equal(g.metadata['llama.context_length'], 128);
      assert.equal(g.metadataTypes['llama.context_length'], 'u32');
      assert.equal(ggufTensor(g, 'token_embd.weight').dtype, type);
      assert.deepEqual(readGgufTensor(g, 'output_norm.weight'), norm);
      assert.deepEqual(readGgufTensor(g, 'odd.weight'), odd);
      const back = toFloat32(type, readGgufTensor(g, 'token_embd.weight'));
      const tol = type === 'q8_0' ? 0.02 : 0.4; // values reach 3: one Q4_0 step is amax/8
      back.forEach((v, i) => assert.ok(Math.abs(v - embd[i]!) < tol, `${type} value ${i}: ${v} vs ${embd[i]}`));
      assert.ok(r.bytesOut < r.bytesIn);
    }
    // A per-tensor override, and one the tensor's rows cannot hold.
    const mixed = join(dir, 'mixed.gguf');
    const r = await quantizeGguf(src, mixed, { type: 'q4_0', typeFor: (t) => (t.name === 'token_embd.weight' ? 'q8_0' : undefined) });
    assert.equal(r.tensors[0]!.to, 'q8_0');
    await assert.rejects(
      quantizeGguf(src, join(dir, 'bad.gguf'), { type: 'q4_0', typeFor: (t) => (t.name === 'token_embd.weight' ? 'q6_k' : undefined) }),
      (e: unknown) => e instanceof InvalidArgumentError && /rows of 64 values cannot be stored as q6_k/.test(e.message),
    );
    // Quantized input is copied, not re-quantized, unless asked.
    const again = await quantizeGguf(join(dir, 'q8_0.gguf'), join(dir, 'again.gguf'), { type: 'q4_0' });
    assert.equal(again.tensors[0]!.to, 'q8_0');
    const re = await quantizeGguf(join(dir, 'q8_0.gguf'), join(dir, 're.gguf'), { type: 'q4_0', allowRequantize: true });
    assert.equal(re.tensors[0]!.to, 'q4_0');
  } finally {
    cleanup();
  }
});
