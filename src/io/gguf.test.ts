import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGguf, readGgufTensor, ggufTensor } from './gguf.js';
import { Bytes, sharedDataDir, tempDir } from './test-bytes.js';
import { FileFormatError, NotFoundError, UnsupportedError, InvalidArgumentError } from '../errors.js';

const data = sharedDataDir();
const shared = data ? join(data, 'tokenizers') : '../shared/data/tokenizers';

/** A hand-built v3 file: metadata of every value type, two tensors (F32 [2,3], Q8_0 [1,32]). */
function handBuilt(opts: { version?: number; alignment?: number } = {}): Uint8Array {
  const align = opts.alignment ?? 32;
  const b = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(opts.version ?? 3).u64(2);
  const kvs: [string, (b: Bytes) => void][] = [
    ['general.architecture', (b) => b.u32(8).str('llama')],
    ['a.u8', (b) => b.u32(0).u8(200)],
    ['a.i8', (b) => b.u32(1).u8(0xfe)],
    ['a.u16', (b) => b.u32(2).u16(65535)],
    ['a.i16', (b) => b.u32(3).u16(0xfffe)],
    ['a.u32', (b) => b.u32(4).u32(4000000000)],
    ['a.i32', (b) => b.u32(5).i32(-7)],
    ['a.f32', (b) => b.u32(6).f32(0.5)],
    ['a.bool', (b) => b.u32(7).u8(1)],
    ['a.u64.small', (b) => b.u32(10).u64(12345)],
    ['a.u64.big', (b) => b.u32(10).u64(2n ** 63n + 5n)],
    ['a.i64', (b) => b.u32(11).i64(-3)],
    ['a.f64', (b) => b.u32(12).f64(Math.PI)],
    ['a.strs', (b) => b.u32(9).u32(8).u64(3).str('a').str('').str('héllo ✓')],
    ['a.f32s', (b) => b.u32(9).u32(6).u64(2).f32(1.5).f32(-2)],
    ['a.bools', (b) => b.u32(9).u32(7).u64(2).u8(0).u8(1)],
    ['a.nested', (b) => b.u32(9).u32(9).u64(2).u32(5).u64(2).i32(1).i32(2).u32(5).u64(1).i32(3)],
  ];
  if (opts.alignment) kvs.push(['general.alignment', (b) => b.u32(4).u32(align)]);
  b.u64(kvs.length);
  for (const [k, w] of kvs) w(b.str(k));
  // Tensor infos: ne is innermost-first.
  b.str('w').u32(2).u64(3).u64(2).u32(0).u64(0);
  b.str('q').u32(2).u64(32).u64(1).u32(8).u64(align);
  b.padTo(align);
  for (let i = 0; i < 6; i++) b.f32(i + 0.25);
  b.padTo(align);
  b.u16(0x3c00); // q8_0 scale 1.0
  for (let i = 0; i < 32; i++) b.u8(i - 16);
  return b.bytes();
}

test('reads a hand-built GGUF v3: every metadata type, shapes reversed, tensor data', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'm.gguf');
    writeFileSync(p, handBuilt());
    const g = readGguf(p);
    assert.equal(g.version, 3);
    assert.equal(g.alignment, 32);
    const m = g.metadata;
    assert.equal(m['general.architecture'], 'llama');
    assert.equal(m['a.u8'], 200);
    assert.equal(m['a.i8'], -2);
    assert.equal(m['a.u16'], 65535);
    assert.equal(m['a.i16'], -2);
    assert.equal(m['a.u32'], 4000000000);
    assert.equal(m['a.i32'], -7);
    assert.equal(m['a.f32'], 0.5);
    assert.equal(m['a.bool'], true);
    assert.equal(m['a.u64.small'], 12345);
    assert.equal(m['a.u64.big'], 2n ** 63n + 5n);
    assert.equal(m['a.i64'], -3);
    assert.equal(m['a.f64'], Math.PI);
    assert.deepEqual(m['a.strs'], ['a', '', 'héllo ✓']);
    assert.deepEqual(m['a.f32s'], new Float32Array([1.5, -2]));
    assert.deepEqual(m['a.bools'], [false, true]);
    assert.deepEqual(m['a.nested'], [new Int32Array([1, 2]), new Int32Array([3])]);
    assert.deepEqual(g.metadataTypes['a.nested'], { array: { array: 'i32' } });
    assert.equal(g.metadataTypes['a.u32'], 'u32');

    assert.equal(g.tensors.length, 2);
    const w = ggufTensor(g, 'w');
    assert.deepEqual(w.shape, [2, 3]);
    assert.equal(w.dtype, 'f32');
    assert.equal(w.byteLength, 24);
    assert.equal(w.offset % 32, 0);
    assert.equal(w.offset, g.dataOffset);
    assert.deepEqual(readGgufTensor(g, 'w'), new Float32Array([0.25, 1.25, 2.25, 3.25, 4.25, 5.25]));
    const q = ggufTensor(g, 'q');
    assert.deepEqual(q.shape, [1, 32]);
    assert.equal(q.dtype, 'q8_0');
    assert.equal(q.ggmlType, 'Q8_0');
    assert.equal(q.byteLength, 34);
    const qb = readGgufTensor(g, q) as Uint8Array;
    assert.equal(qb.constructor, Uint8Array);
    assert.equal(qb[0], 0x00);
    assert.equal(qb[1], 0x3c);
    assert.equal((qb[2]! << 24) >> 24, -16);

    // Caller-provided target: right type and size are filled; wrong ones are refused.
    const target = new Float32Array(6);
    assert.equal(readGgufTensor(g, 'w', target), target);
    assert.equal(target[5], 5.25);
    assert.throws(() => readGgufTensor(g, 'w', new Float32Array(5)), InvalidArgumentError);
    assert.throws(() => readGgufTensor(g, 'w', new Uint16Array(12)), InvalidArgumentError);
    assert.throws(() => ggufTensor(g, 'nope'), NotFoundError);
  } finally {
    cleanup();
  }
});

test('honours general.alignment and reads v2', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'm.gguf');
    writeFileSync(p, handBuilt({ version: 2, alignment: 64 }));
    const g = readGguf(p);
    assert.equal(g.version, 2);
    assert.equal(g.alignment, 64);
    assert.equal(g.dataOffset % 64, 0);
    assert.equal(ggufTensor(g, 'q').offset, g.dataOffset + 64);
    assert.equal((readGgufTensor(g, 'w') as Float32Array)[1], 1.25);
  } finally {
    cleanup();
  }
});

function expectFormatError(bytes: Uint8Array, field: RegExp, detail: RegExp): void {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'bad.gguf');
    writeFileSync(p, bytes);
    assert.throws(
      () => readGguf(p),
      (e: unknown) => {
        assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
        assert.equal(e.file, p);
        assert.match(e.field ?? '', field);
        assert.match(e.message, detail);
        assert.ok(e.message.startsWith(`[${p}] `));
        return true;
      },
    );
  } finally {
    cleanup();
  }
}

test('bad input: wrong magic, truncation at every region, offsets past EOF, bad strings', () => {
  const good = handBuilt();
  expectFormatError(Uint8Array.from([0x47, 0x47, 0x4d, 0x4c, 3, 0, 0, 0]), /^magic$/, /not a GGUF file.*47 47 4d 4c/);
  expectFormatError(good.subarray(0, 2), /^magic$/, /truncated/);
  expectFormatError(good.subarray(0, 10), /tensor_count/, /truncated/);
  // Cut inside the metadata, inside the tensor infos, and inside the data.
  expectFormatError(good.subarray(0, 100), /metadata/, /truncated/);
  const infosAt = good.length - 66 - 52; // data is 66 bytes; the last tensor info ends 0-31 bytes before it
  expectFormatError(good.subarray(0, infosAt), /tensor/, /truncated/);
  expectFormatError(good.subarray(0, good.length - 1), /^tensor 'q'\.offset$/, /data ends at byte 706 but the file has 705 bytes \(truncated file\?\)/);

  // Bad UTF-8 in a key.
  const badKey = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).u64(2).u8(0xc3, 0x28).u32(4).u32(1).bytes();
  expectFormatError(badKey, /metadata\[0\]\.key/, /not valid UTF-8/);
  // A string length far past the end of the file.
  const hugeStr = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).u64(1n << 40n).raw(new Uint8Array(16)).bytes();
  expectFormatError(hugeStr, /metadata\[0\]\.key/, /truncated/);
  // Array length that cannot fit.
  const hugeArr = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).str('k').u32(9).u32(6).u64(1e12).bytes();
  expectFormatError(hugeArr, /metadata\['k'\]\.length/, /cannot fit/);
  // Unknown value type, bad bool byte, duplicate key.
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).str('k').u32(13).bytes(), /metadata\['k'\]\.type/, /unknown value type 13/);
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).str('k').u32(7).u8(2).bytes(), /metadata\['k'\]/, /boolean byte is 2/);
  expectFormatError(
    new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(2).str('k').u32(0).u8(1).str('k').u32(0).u8(1).bytes(),
    /metadata\[1\]\.key/,
    /duplicate key 'k'/,
  );
  // general.alignment of the wrong type or not a power of two.
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).str('general.alignment').u32(5).i32(32).bytes(), /general\.alignment/, /must be a u32, got i32/);
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(0).u64(1).str('general.alignment').u32(4).u32(48).bytes(), /general\.alignment/, /power of two/);

  // Tensor offset past EOF, misaligned, overlapping; a row not a whole number of blocks.
  const oneTensor = (ne0: number, type: number, offsets: number[]) => {
    const b = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(offsets.length).u64(0);
    offsets.forEach((o, i) => b.str(`t${i}`).u32(1).u64(ne0).u32(type).u64(o));
    return b.padTo(32).raw(new Uint8Array(64)).bytes();
  };
  expectFormatError(oneTensor(4, 0, [64]), /tensor 't0'\.offset/, /data ends at byte/);
  expectFormatError(oneTensor(4, 0, [8]), /tensor 't0'\.offset/, /not a multiple of the alignment 32/);
  expectFormatError(oneTensor(16, 0, [0, 32]), /tensor 't1'\.offset/, /overlaps tensor 't0'/);
  expectFormatError(oneTensor(16, 8, [0]), /tensor 't0'\.ne\[0\]/, /not a whole number of Q8_0 blocks of 32/);
  expectFormatError(oneTensor(4, 99, [0]), /tensor 't0'\.type/, /unknown ggml type 99/);
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(7).bytes(), /^version$/, /unknown GGUF version 7/);
  expectFormatError(new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(1e9).u64(0).bytes(), /tensor_count/, /cannot fit/);
});

test('unsupported ggml types and versions are UnsupportedError naming the tensor and type', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'q5k.gguf');
    const b = new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(3).u64(1).u64(0);
    b.str('blk.0.ffn_down.weight').u32(2).u64(256).u64(1).u32(13).u64(0).padTo(32).raw(new Uint8Array(176));
    writeFileSync(p, b.bytes());
    assert.throws(() => readGguf(p), (e: unknown) => e instanceof UnsupportedError && /'blk\.0\.ffn_down\.weight' has ggml type Q5_K/.test(e.message));
    const g = readGguf(p, { allowUnsupported: true });
    assert.equal(g.tensors.length, 0);
    assert.deepEqual(g.unsupported.map((t) => [t.name, t.ggmlType, t.byteLength]), [['blk.0.ffn_down.weight', 'Q5_K', 176]]);
    assert.throws(() => ggufTensor(g, 'blk.0.ffn_down.weight'), UnsupportedError);

    writeFileSync(p, new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(0x03000000).bytes());
    assert.throws(() => readGguf(p), (e: unknown) => e instanceof UnsupportedError && /big-endian/.test(e.message));
    writeFileSync(p, new Bytes().u8(0x47, 0x47, 0x55, 0x46).u32(1).bytes());
    assert.throws(() => readGguf(p), (e: unknown) => e instanceof UnsupportedError && /v1/.test(e.message));
  } finally {
    cleanup();
  }
});

test('reads llama.cpp vocab-only GGUF files', (t) => {
  const f = join(shared, 'ggml-vocab-llama-spm.gguf');
  if (!existsSync(f)) return t.skip(`${f} is absent (shared test data not installed)`);
  const g = readGguf(f);
  assert.equal(g.version, 3);
  assert.equal(g.tensors.length, 0);
  assert.equal(g.metadata['general.architecture'], 'llama');
  assert.equal(g.metadata['llama.vocab_size'], 32000);
  const tokens = g.metadata['tokenizer.ggml.tokens'] as string[];
  assert.equal(tokens.length, 32000);
  assert.deepEqual(tokens.slice(0, 3), ['<unk>', '<s>', '</s>']);
  assert.ok(g.metadata['tokenizer.ggml.scores'] instanceof Float32Array);
  assert.ok(g.metadata['tokenizer.ggml.token_type'] instanceof Int32Array);
  assert.equal(g.metadata['tokenizer.ggml.add_bos_token'], true);

  const gpt2 = join(shared, 'ggml-vocab-gpt-2.gguf');
  const g2 = readGguf(gpt2);
  assert.equal((g2.metadata['tokenizer.ggml.merges'] as string[]).length, 50000);
  assert.equal((g2.metadata['tokenizer.ggml.merges'] as string[])[0], 'Ġ t');
});
