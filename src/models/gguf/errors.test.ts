/**
 * Bad GGUF model files: every one is a typed LmkitError naming the file and
 * the key or tensor at fault, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FileFormatError, LmkitError, UnsupportedError } from '../../errors.js';
import { readGguf, readGgufTensor } from '../../io/gguf.js';
import { gguf, type GgufType, type GgufValue, type GgufTyped } from '../../io/gguf-types.js';
import { writeGguf, type GgufTensorInput } from '../../io/gguf-writer.js';
import { createRuntime } from '../../tensor/index.js';
import { MissingWeightError, WeightShapeError } from '../errors.js';
import { loadModel } from '../load.js';
import { FIXTURES } from '../test-fixtures.js';

const rt = createRuntime({ backend: 'js', seed: 1 });
const SOURCE = join(FIXTURES, 'gguf', 'llama.gguf');
const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-bad-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Edit {
  metadata?: (m: Record<string, GgufValue | GgufTyped>) => void;
  tensors?: (t: GgufTensorInput[]) => GgufTensorInput[];
}

/** The fixture llama.gguf rewritten with an edit. */
async function variant(name: string, edit: Edit): Promise<string> {
  const g = readGguf(SOURCE);
  const metadata: Record<string, GgufValue | GgufTyped> = {};
  for (const [k, v] of Object.entries(g.metadata)) metadata[k] = gguf.typed(g.metadataTypes[k] as GgufType, v);
  edit.metadata?.(metadata);
  let tensors: GgufTensorInput[] = g.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: readGgufTensor(g, t) }));
  if (edit.tensors) tensors = edit.tensors(tensors);
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, { metadata, tensors });
  return path;
}

async function rejects(path: string, cls: abstract new (...a: never[]) => LmkitError, ...patterns: RegExp[]): Promise<LmkitError> {
  let err: unknown;
  try {
    await loadModel(path, { rt });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  const e = err as LmkitError;
  assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
  for (const p of patterns) assert.match(e.message, p);
  return e;
}

test('a valid variant loads (the edits below are what breaks them)', async () => {
  const { model } = await loadModel(await variant('ok', {}), { rt });
  model.dispose();
});

test('truncated files: in the header, in the tensor table, in the tensor data', async () => {
  const bytes = readFileSync(SOURCE);
  const g = readGguf(SOURCE);
  for (const cut of [10, 200, g.dataOffset - 8, g.dataOffset + 100, bytes.length - 1]) {
    const path = join(dir, `cut-${cut}.gguf`);
    writeFileSync(path, bytes.subarray(0, cut));
    await rejects(path, FileFormatError);
  }
});

test('wrong magic number', async () => {
  const bytes = Buffer.from(readFileSync(SOURCE));
  bytes.write('GGML', 0, 'latin1');
  const path = join(dir, 'magic.gguf');
  writeFileSync(path, bytes);
  const e = (await rejects(path, FileFormatError, /magic/)) as FileFormatError;
  assert.equal(e.field, 'magic');
});

test('a missing required key is named', async () => {
  for (const key of ['llama.block_count', 'llama.embedding_length', 'llama.attention.head_count', 'llama.context_length', 'llama.feed_forward_length', 'llama.attention.layer_norm_rms_epsilon', 'general.architecture']) {
    const path = await variant(`no-${key}`, { metadata: (m) => delete m[key] });
    const e = (await rejects(path, FileFormatError, new RegExp(`${key.replace(/\./g, '\\.')}: missing`))) as FileFormatError;
    assert.equal(e.field, key);
  }
});

test('a key of the wrong kind is named', async () => {
  const path = await variant('str-layers', { metadata: (m) => (m['llama.block_count'] = 'two') });
  await rejects(path, FileFormatError, /llama\.block_count: expected an integer, got the string "two"/);
});

test('an unsupported architecture is named', async () => {
  const path = await variant('mamba', { metadata: (m) => (m['general.architecture'] = 'mamba') });
  await rejects(path, UnsupportedError, /general\.architecture 'mamba' is not supported; lmkit loads llama, qwen2, gpt2/);
});

test('per-layer head counts that differ are refused; equal ones are fine', async () => {
  const uneven = await variant('uneven', { metadata: (m) => (m['llama.attention.head_count_kv'] = gguf.array('u32', new Uint32Array([4, 2]))) });
  await rejects(uneven, UnsupportedError, /llama\.attention\.head_count_kv: per-layer values \(4, 2\)/);
  const even = await variant('even', { metadata: (m) => (m['llama.attention.head_count_kv'] = gguf.array('u32', new Uint32Array([4, 4]))) });
  (await loadModel(even, { rt })).model.dispose();
});

test('inconsistent sizes are a config error naming the GGUF key', async () => {
  const path = await variant('heads', { metadata: (m) => (m['llama.attention.head_count_kv'] = gguf.u32(3)) });
  const e = (await rejects(path, ConfigError, /llama\.attention\.head_count_kv: the number of heads \(4\) must be a multiple of the key\/value heads \(3\)/)) as ConfigError;
  assert.deepEqual(e.issues[0]!.path, ['llama.attention.head_count_kv']);
});

test('a tensor of the wrong shape names the file, the tensor and both shapes', async () => {
  const path = await variant('shape', {
    tensors: (ts) => ts.map((t) => (t.name === 'blk.1.ffn_up.weight' ? { ...t, shape: [32, 64], data: new Float32Array(32 * 64) } : t)),
  });
  const e = await rejects(path, WeightShapeError, /tensor 'blk\.1\.ffn_up\.weight': expected shape \[64, 32\] from the config, got \[32, 64\]/);
  assert.equal((e as WeightShapeError).tensor, 'blk.1.ffn_up.weight');
});

test('a missing tensor names the GGUF tensor and the parameter', async () => {
  const path = await variant('missing', { tensors: (ts) => ts.filter((t) => t.name !== 'blk.0.attn_k.weight') });
  await rejects(path, MissingWeightError, /missing tensor 'blk\.0\.attn_k\.weight' for parameter 'model\.layers\.0\.self_attn\.k_proj\.weight'/);
});

test('partial rotary embeddings and unknown rope scalings are refused by name', async () => {
  const partial = await variant('partial', { metadata: (m) => (m['llama.rope.dimension_count'] = gguf.u32(4)) });
  await rejects(partial, UnsupportedError, /llama\.rope\.dimension_count 4 is not the head dim 8/);
  const longrope = await variant('longrope', {
    metadata: (m) => {
      m['llama.rope.scaling.type'] = 'longrope';
      m['llama.rope.scaling.factor'] = gguf.f32(4);
    },
  });
  await rejects(longrope, UnsupportedError, /llama\.rope\.scaling\.type 'longrope' is not supported/);
});
