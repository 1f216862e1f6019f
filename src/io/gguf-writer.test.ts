import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readGguf, readGgufTensor } from './gguf.js';
import { writeGguf, type GgufTensorInput } from './gguf-writer.js';
import { gguf } from './gguf-types.js';
import { Bytes, sharedDataDir, tempDir } from './test-bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { allocArray, storageLength, type DType } from '../tensor/dtype.js';

test('writes the exact bytes of a hand-built GGUF v3 file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'w.gguf');
    const w = Float32Array.from([0.5, 1, 2, 3, 4, 5]);
    const q = new Uint8Array(34);
    q[1] = 0x3c;
    for (let i = 0; i < 32; i++) q[2 + i] = i;
    await writeGguf(p, {
      metadata: { 'general.architecture': 'llama', 'x.ctx': gguf.u32(2048), 'x.toks': ['a', 'bc'], 'x.eps': 1e-5 },
      tensors: [
        { name: 'w', dtype: 'f32', shape: [2, 3], data: w },
        { name: 'q', dtype: 'q8_0', shape: [1, 32], data: q },
      ],
    });
    const b = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(2).u64(4);
    b.str('general.architecture').u32(8).str('llama');
    b.str('x.ctx').u32(4).u32(2048);
    b.str('x.toks').u32(9).u32(8).u64(2).str('a').str('bc');
    b.str('x.eps').u32(6).f32(1e-5);
    b.str('w').u32(2).u64(3).u64(2).u32(0).u64(0);
    b.str('q').u32(2).u64(32).u64(1).u32(8).u64(32);
    b.padTo(32);
    for (const x of w) b.f32(x);
    b.padTo(32).raw(q).padTo(32);
    assert.deepEqual(new Uint8Array(readFileSync(p)), b.bytes());
  } finally {
    cleanup();
  }
});

test('round-trips every metadata type, forced and inferred', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'm.gguf');
    await writeGguf(p, {
      metadata: {
        s: 'héllo',
        b: false,
        i: -5,
        big: 2 ** 40,
        f: 0.25,
        bi: 2n ** 63n + 1n,
        u8: gguf.u8(255),
        i8: gguf.i8(-128),
        u16: gguf.u16(65535),
        i16: gguf.i16(-32768),
        u32: gguf.u32(4294967295),
        i32: gguf.i32(-1),
        f32: gguf.f32(1.5),
        f64: gguf.f64(Math.E),
        u64: gguf.u64(2n ** 64n - 1n),
        i64: gguf.i64(-(2n ** 62n)),
        strs: ['x', 'yy', ''],
        bools: [true, false],
        ints: [1, -2, 3],
        floats: [0.5, 1],
        f32s: new Float32Array([1, 2.5]),
        u64s: new BigUint64Array([1n, 2n ** 64n - 1n]),
        u32s: gguf.array('u32', [1, 2, 3]),
        nested: [new Int32Array([1, 2]), new Int32Array([])],
        nestedStr: gguf.array({ array: 'string' }, [['a'], ['b', 'c']]),
        empty: gguf.array('string', []),
      },
    });
    const g = readGguf(p);
    const m = g.metadata;
    const t = g.metadataTypes;
    assert.equal(m['s'], 'héllo');
    assert.equal(t['s'], 'string');
    assert.equal(m['b'], false);
    assert.equal(t['i'], 'i32');
    assert.equal(m['i'], -5);
    assert.equal(t['big'], 'i64');
    assert.equal(m['big'], 2 ** 40);
    assert.equal(t['f'], 'f32');
    assert.equal(t['bi'], 'u64');
    assert.equal(m['bi'], 2n ** 63n + 1n);
    assert.deepEqual(
      ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64', 'u64', 'i64'].map((k) => [t[k], m[k]]),
      [['u8', 255], ['i8', -128], ['u16', 65535], ['i16', -32768], ['u32', 4294967295], ['i32', -1], ['f32', 1.5], ['f64', Math.E], ['u64', 2n ** 64n - 1n], ['i64', -(2n ** 62n)]],
    );
    assert.deepEqual(m['strs'], ['x', 'yy', '']);
    assert.deepEqual(m['bools'], [true, false]);
    assert.deepEqual(m['ints'], new Int32Array([1, -2, 3]));
    assert.deepEqual(m['floats'], new Float32Array([0.5, 1]));
    assert.deepEqual(m['f32s'], new Float32Array([1, 2.5]));
    assert.deepEqual(m['u64s'], new BigUint64Array([1n, 2n ** 64n - 1n]));
    assert.deepEqual(m['u32s'], new Uint32Array([1, 2, 3]));
    assert.deepEqual(t['u32s'], { array: 'u32' });
    assert.deepEqual(m['nested'], [new Int32Array([1, 2]), new Int32Array([])]);
    assert.deepEqual(m['nestedStr'], [['a'], ['b', 'c']]);
    assert.deepEqual(m['empty'], []);
    assert.deepEqual(t['empty'], { array: 'string' });

    // Read-modify-write with the read types reproduces the file byte for byte.
    const p2 = join(dir, 'm2.gguf');
    await writeGguf(p2, { metadata: g.metadata, types: g.metadataTypes });
    assert.deepEqual(readFileSync(p2), readFileSync(p));
  } finally {
    cleanup();
  }
});

function randomData(dtype: DType, numel: number, seed: number): ReturnType<typeof allocArray> {
  const a = allocArray(dtype, storageLength(dtype, numel));
  let s = seed;
  const bytes = new Uint8Array(a.buffer);
  for (let i = 0; i < bytes.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    bytes[i] = s >>> 24;
  }
  return a;
}

test('round-trips tensors of every GGUF dtype, lazily provided, with alignment 64', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 't.gguf');
    const dtypes: DType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k', 'i32', 'f64'];
    const tensors: GgufTensorInput[] = dtypes.map((dtype, i) => {
      const shape = dtype === 'q4_k' || dtype === 'q6_k' ? [2, 512] : [3, 64];
      const data = randomData(dtype, shape[0]! * shape[1]!, i + 1);
      return { name: `t.${dtype}`, dtype, shape, data: i % 2 ? data : async () => data };
    });
    tensors.push({ name: 'scalar', dtype: 'f32', shape: [], data: Float32Array.of(7) });
    tensors.push({ name: 'cube', dtype: 'f16', shape: [2, 3, 4], data: randomData('f16', 24, 99) });
    await writeGguf(p, { metadata: { 'general.architecture': 'llama' }, tensors, alignment: 64 });
    const g = readGguf(p);
    assert.equal(g.alignment, 64);
    assert.equal(g.metadataTypes['general.alignment'], 'u32');
    assert.deepEqual(g.tensors.map((t) => t.name), tensors.map((t) => t.name));
    for (const t of tensors) {
      const info = g.tensors.find((x) => x.name === t.name)!;
      assert.equal(info.dtype, t.dtype);
      assert.deepEqual(info.shape, t.shape.length ? t.shape : [1]);
      assert.equal(info.offset % 64, 0);
      const want = typeof t.data === 'function' ? await t.data() : t.data;
      assert.deepEqual(readGgufTensor(g, info), want, t.name);
    }
  } finally {
    cleanup();
  }
});

test('rejects bad values and tensors with InvalidArgumentError and leaves no file behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'bad.gguf');
    const bad = async (opts: Parameters<typeof writeGguf>[1], re: RegExp) => {
      await assert.rejects(writeGguf(p, opts), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message));
    };
    await bad({ metadata: { k: gguf.u8(256) } }, /metadata\['k'\]: expected an integer in \[0, 255\] for GGUF type u8, got number 256/);
    await bad({ metadata: { k: gguf.u32(-1) } }, /metadata\['k'\]/);
    await bad({ metadata: { k: gguf.i32(1.5) } }, /metadata\['k'\]/);
    await bad({ metadata: { k: gguf.string(3 as unknown as string) } }, /expected a string/);
    await bad({ metadata: { k: gguf.array('u8', [1, 300]) } }, /metadata\['k'\]\[1\]/);
    await bad({ metadata: { k: [1, 'a'] as unknown as string[] } }, /cannot infer a GGUF type for a mixed array/);
    await bad({ metadata: { 'general.alignment': gguf.i32(32) } }, /must be a u32/);
    await bad({ metadata: {}, alignment: 48 }, /power of two/);
    await bad({ metadata: { 'general.alignment': 64 }, alignment: 32 }, /differs/);
    const t = (over: Partial<GgufTensorInput>): GgufTensorInput => ({ name: 'w', dtype: 'f32', shape: [2], data: new Float32Array(2), ...over });
    await bad({ metadata: {}, tensors: [t({ data: new Float32Array(3) })] }, /needs 8 bytes, the data has 12/);
    await bad({ metadata: {}, tensors: [t({ data: new Uint16Array(4) })] }, /f32 data must be a Float32Array, got a Uint16Array/);
    await bad({ metadata: {}, tensors: [t({ name: 'x'.repeat(64) })] }, /1 to 63 bytes/);
    await bad({ metadata: {}, tensors: [t({}), t({})] }, /duplicate tensor name 'w'/);
    await bad({ metadata: {}, tensors: [t({ dtype: 'q4_0', shape: [1, 48], data: new Uint8Array(27) })] }, /multiple of the q4_0 block size 32/);
    await bad({ metadata: {}, tensors: [t({ dtype: 'u8', data: new Uint8Array(2) })] }, /dtype u8 has no GGUF type/);
    await bad({ metadata: {}, tensors: [t({ shape: [1, 1, 1, 1, 2] })] }, /at most 4/);
    // A lazily provided tensor that turns out wrong fails mid-write: no target, no temp file.
    await bad({ metadata: {}, tensors: [t({ data: () => new Float32Array(5) })] }, /needs 8 bytes/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('rewrites llama.cpp vocab files byte for byte', async (t) => {
  const data = sharedDataDir();
  if (!data) return t.skip('shared test data (../shared/data) is absent');
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['ggml-vocab-llama-spm.gguf', 'ggml-vocab-gpt-2.gguf', 'ggml-vocab-bert-bge.gguf']) {
      const src = join(data, 'tokenizers', name);
      if (!existsSync(src)) continue;
      const g = readGguf(src);
      const out = join(dir, name);
      await writeGguf(out, { metadata: g.metadata, types: g.metadataTypes });
      assert.ok(readFileSync(out).equals(readFileSync(src)), name);
    }
  } finally {
    cleanup();
  }
});

test('a file written here is rewritten identically after a read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = join(dir, 'a.gguf');
    await writeGguf(a, {
      metadata: { 'general.architecture': 'llama', 'llama.context_length': gguf.u32(128) },
      tensors: [{ name: 'token_embd.weight', dtype: 'q4_0', shape: [4, 64], data: randomData('q4_0', 256, 5) }],
    });
    const g = readGguf(a);
    const b = join(dir, 'b.gguf');
    await writeGguf(b, {
      metadata: g.metadata,
      types: g.metadataTypes,
      tensors: g.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: () => readGgufTensor(g, t) })),
    });
    assert.ok(readFileSync(a).equals(readFileSync(b)));
  } finally {
    cleanup();
  }
});
