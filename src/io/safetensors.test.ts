import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, readSafetensorsTensor, safetensorsTensor } from './safetensors.js';
import { formatShardIndex, writeSafetensors, writeSafetensorsSharded, type SafetensorsTensorInput } from './safetensors-writer.js';
import { openTensorStore } from './tensor-store.js';
import { Bytes, tempDir } from './test-bytes.js';
import { FileFormatError, InvalidArgumentError, NotFoundError, UnsupportedError } from '../errors.js';
import { f16ToF32 } from '../tensor/dtype.js';

const fixtures = new URL('../../test/fixtures/io/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(fixtures, 'safetensors-values.json'), 'utf8')) as Record<
  string,
  { dtype: string; shape: number[]; values: number[] }
>;

/** Decodes what lmkit read into plain numbers comparable with the fixture's values. */
function plain(dtype: string, a: ArrayLike<number>): number[] {
  const out = Array.from(a);
  return dtype === 'F16' ? out.map(f16ToF32) : out;
}

for (const name of ['ref-layout.safetensors', 'loose-layout.safetensors']) {
  test(`reads the numpy-written fixture ${name}`, () => {
    const f = readSafetensors(join(fixtures, name));
    assert.equal(f.tensors.length, Object.keys(expected).length);
    assert.deepEqual({ ...f.metadata }, name.startsWith('ref') ? { format: 'pt' } : {});
    for (const [tname, want] of Object.entries(expected)) {
      const info = safetensorsTensor(f, tname);
      assert.equal(info.fileDtype, want.dtype);
      assert.deepEqual(info.shape, want.shape);
      const got = readSafetensorsTensor(f, tname);
      assert.deepEqual(plain(want.dtype, got as ArrayLike<number>), want.values, tname);
    }
    assert.equal(safetensorsTensor(f, 'ids.i64').dtype, 'i32');
    assert.ok(readSafetensorsTensor(f, 'ids.i64') instanceof Int32Array);
    assert.ok(readSafetensorsTensor(f, 'lm_head.weight') instanceof Uint16Array);
    assert.ok(readSafetensorsTensor(f, 'scale.f64') instanceof Float64Array);
    assert.throws(() => safetensorsTensor(f, 'missing'), NotFoundError);
  });
}

test('writes the reference layout byte for byte', async () => {
  const src = readSafetensors(join(fixtures, 'ref-writable.safetensors'));
  const { dir, cleanup } = tempDir();
  try {
    // Feed the tensors in a scrambled order: the writer must sort them as the reference does.
    const inputs: SafetensorsTensorInput[] = src.tensors
      .slice()
      .reverse()
      .map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: () => readSafetensorsTensor(src, t) }));
    const out = join(dir, 'out.safetensors');
    await writeSafetensors(out, inputs);
    assert.ok(readFileSync(out).equals(readFileSync(src.path)));
  } finally {
    cleanup();
  }
});

test('hand-checked header: 8-byte length, compact JSON, space padding to 8', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'a.safetensors');
    await writeSafetensors(p, [{ name: 'attn.0', dtype: 'f32', shape: [1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) }], {
      metadata: { note: 'x' },
    });
    const json = '{"__metadata__":{"format":"pt","note":"x"},"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    const want = new Bytes().u64(padded.length).raw(Buffer.from(padded)).f32(0).f32(1).f32(2).f32(3).f32(4).f32(5).bytes();
    assert.deepEqual(new Uint8Array(readFileSync(p)), want);
  } finally {
    cleanup();
  }
});

test('reads a transformers-style sharded folder through the index', () => {
  const store = openTensorStore(join(fixtures, 'sharded'));
  assert.equal(store.format, 'safetensors');
  assert.equal(store.tensors.length, Object.keys(expected).length);
  for (const [tname, want] of Object.entries(expected)) {
    assert.deepEqual(store.get(tname).shape, want.shape);
    assert.deepEqual(plain(want.dtype, store.read(tname) as ArrayLike<number>), want.values, tname);
  }
  assert.match(store.get('ids.i32').file, /model-00001-of-00002\.safetensors$/);
  assert.throws(() => store.get('nope'), NotFoundError);
  // Our index formatting reproduces Python's json.dumps(indent=2, sort_keys=True) exactly.
  const text = readFileSync(join(fixtures, 'sharded', 'model.safetensors.index.json'), 'utf8');
  const idx = JSON.parse(text) as { metadata: { total_size: number }; weight_map: Record<string, string> };
  assert.equal(formatShardIndex(idx.metadata.total_size, idx.weight_map), text);
});

test('sharded writer: greedy shards, index, round trip, stale shards removed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const t = (name: string, n: number): SafetensorsTensorInput => ({ name, dtype: 'f32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => i + n) });
    const tensors = [t('a', 10), t('b', 10), t('c', 30), t('d', 5)];
    const r = await writeSafetensorsSharded(dir, tensors, { maxShardBytes: 100 });
    // a+b = 80 bytes; c (120) exceeds the limit alone and gets its own shard; d follows.
    assert.deepEqual(r.files, ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    assert.equal(r.index, 'model.safetensors.index.json');
    assert.equal(r.totalSize, 220);
    const idx = JSON.parse(readFileSync(join(dir, r.index!), 'utf8'));
    assert.deepEqual(idx, {
      metadata: { total_size: 220 },
      weight_map: { a: r.files[0], b: r.files[0], c: r.files[1], d: r.files[2] },
    });
    const store = openTensorStore(dir);
    for (const x of tensors) assert.deepEqual(store.read(x.name), x.data);

    // Saving again into one file removes the old shards and index.
    const r2 = await writeSafetensorsSharded(dir, tensors);
    assert.deepEqual(r2.files, ['model.safetensors']);
    assert.equal(r2.index, undefined);
    assert.deepEqual(readdirSync(dir).sort(), ['model.safetensors']);
    assert.deepEqual(openTensorStore(dir).read('c'), tensors[2]!.data);
  } finally {
    cleanup();
  }
});

test('writer rejects bad tensors and leaves no file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'x.safetensors');
    const bad = async (tensors: SafetensorsTensorInput[], re: RegExp) =>
      assert.rejects(writeSafetensors(p, tensors), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message));
    await bad([{ name: 'q', dtype: 'q8_0', shape: [1, 32], data: new Uint8Array(34) }], /q8_0 cannot be stored in safetensors/);
    await bad([{ name: 'w', dtype: 'f32', shape: [3], data: new Float32Array(2) }], /needs 12 bytes, the data has 8/);
    await bad([{ name: 'w', dtype: 'bf16', shape: [2], data: new Float32Array(2) }], /must be a Uint16Array/);
    await bad(
      [
        { name: 'w', dtype: 'f32', shape: [1], data: new Float32Array(1) },
        { name: 'w', dtype: 'f32', shape: [1], data: new Float32Array(1) },
      ],
      /duplicate tensor name 'w'/,
    );
    await bad([{ name: 'w', dtype: 'f32', shape: [2], data: () => new Float32Array(3) }], /needs 8 bytes/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

function header(obj: unknown, dataBytes: number, opts: { lie?: number } = {}): Uint8Array {
  const json = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
  return new Bytes()
    .u64(opts.lie ?? json.length)
    .raw(json)
    .raw(new Uint8Array(dataBytes))
    .bytes();
}

test('bad input: every malformed header is a FileFormatError naming the file and field', () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'bad.safetensors');
    const expectErr = (bytes: Uint8Array, field: RegExp, detail: RegExp) => {
      writeFileSync(p, bytes);
      assert.throws(
        () => readSafetensors(p),
        (e: unknown) => {
          assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
          assert.equal(e.file, p);
          assert.match(e.field ?? '', field);
          assert.match(e.message, detail);
          return true;
        },
      );
    };
    const w = (extra: object = {}) => ({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, ...extra });
    expectErr(new Uint8Array(5), /header size/, /truncated/);
    expectErr(header(w(), 8, { lie: 1e9 }), /header size/, /exceeds the 100000000-byte limit/);
    expectErr(header(w(), 8, { lie: 5000 }), /header size/, /runs past the end/);
    expectErr(header('{"w": ', 0), /^header$/, /not valid JSON/);
    expectErr(header('[1,2]', 0), /^header$/, /must be a JSON object/);
    expectErr(new Bytes().u64(2).u8(0xc3, 0x28).bytes(), /^header$/, /not valid UTF-8/);
    expectErr(header(w({ __metadata__: { a: 1 } }), 8), /__metadata__\['a'\]/, /must be a string/);
    expectErr(header({ w: { dtype: 'F17', shape: [2], data_offsets: [0, 8] } }, 8), /header\['w'\]\.dtype/, /unknown dtype "F17"/);
    expectErr(header({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /header\['w'\]\.shape/, /non-negative integers/);
    expectErr(header({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), /header\['w'\]\.data_offsets/, /begin <= end/);
    expectErr(header({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /header\['w'\]\.data_offsets/, /covers 8 bytes but F32 \[3\] needs 12/);
    expectErr(header({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /header\['w'\]\.data_offsets/, /truncated/);
    expectErr(
      header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /header\['b'\]\.data_offsets/,
      /overlaps tensor 'a'/,
    );
    expectErr(header({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /header\['a'\]\.data_offsets/, /gap/);
    expectErr(header(w(), 12), /data_offsets/, /trailing data/);

    writeFileSync(p, header({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2));
    assert.throws(() => readSafetensors(p), (e: unknown) => e instanceof UnsupportedError && /'w' has dtype F8_E4M3/.test(e.message));
    assert.equal(readSafetensors(p, { allowUnsupported: true }).unsupported[0]!.fileDtype, 'F8_E4M3');

    const big = new Bytes().raw(header({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 0)).i64(2n ** 40n).bytes();
    writeFileSync(p, big);
    assert.throws(() => readSafetensorsTensor(readSafetensors(p), 'w'), (e: unknown) => e instanceof FileFormatError && /does not fit in i32/.test(e.message));
  } finally {
    cleanup();
  }
});

test('sharded index errors name the index file and the weight_map entry', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'model-00001-of-00001.safetensors'), header({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8));
    const idx = join(dir, 'model.safetensors.index.json');
    const expectErr = (map: unknown, field: RegExp, detail: RegExp) => {
      writeFileSync(idx, JSON.stringify({ metadata: {}, weight_map: map }));
      assert.throws(
        () => openTensorStore(dir),
        (e: unknown) => e instanceof FileFormatError && e.file === idx && field.test(e.field ?? '') && detail.test(e.message),
      );
    };
    expectErr({ v: 'model-00001-of-00001.safetensors' }, /weight_map\['v'\]/, /has no tensor 'v'/);
    expectErr({ w: 'model-00009-of-00009.safetensors' }, /weight_map\['w'\]/, /does not exist/);
    expectErr({ w: '../etc/passwd' }, /weight_map\['w'\]/, /outside the model folder/);
    expectErr([], /weight_map/, /must be an object/);
    writeFileSync(idx, '{');
    assert.throws(() => openTensorStore(dir), FileFormatError);
  } finally {
    cleanup();
  }
});
