/**
 * safetensors writer, single file or sharded like `transformers`'
 * `save_pretrained` (model-00001-of-00002.safetensors + model.safetensors.index.json).
 *
 * Layout follows the reference writer so files are byte-compatible with what
 * PyTorch-side tools produce: tensors sorted by dtype (widest first, which keeps
 * every tensor's data aligned to its element size) then by name; the compact
 * JSON header lists `__metadata__` first and the tensors in data order, and is
 * padded with spaces to a multiple of 8 bytes. `__metadata__` always carries
 * `format: "pt"`, which `transformers` requires to load the file.
 *
 * Data is streamed one tensor at a time (typed arrays or functions that return
 * them on demand) into a temp file that is fsynced and renamed into place.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { DTYPES, byteLength, type DType, type TypedArray } from '../tensor/dtype.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import { bytesOf } from './read-into.js';
import { SAFETENSORS_DTYPE_SIZES } from './safetensors.js';

export interface SafetensorsTensorInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray | (() => TypedArray | Promise<TypedArray>);
}

export interface WriteSafetensorsOptions {
  /** Free-form `__metadata__` strings; `format: "pt"` is added unless given. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const OP = 'writeSafetensors';

const FILE_DTYPE: Partial<Record<DType, string>> = { f32: 'F32', f16: 'F16', bf16: 'BF16', f64: 'F64', i32: 'I32', u8: 'U8' };
const DTYPE_RANK = Object.keys(SAFETENSORS_DTYPE_SIZES);

interface Planned {
  input: SafetensorsTensorInput;
  fileDtype: string;
  byteLength: number;
}

function plan(t: SafetensorsTensorInput): Planned {
  const field = `tensor '${t.name}'`;
  if (t.name.length === 0 || t.name === '__metadata__') throw new InvalidArgumentError(OP, field, 'is not a usable tensor name');
  const fileDtype = FILE_DTYPE[t.dtype];
  if (!fileDtype) throw new InvalidArgumentError(OP, field, `dtype ${t.dtype} cannot be stored in safetensors; dequantize it or write GGUF`);
  for (const n of t.shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(OP, field, `shape [${t.shape.join(', ')}] must hold non-negative integers`);
  }
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const p = { input: t, fileDtype, byteLength: byteLength(t.dtype, numel) };
  if (typeof t.data !== 'function') checkData(p, t.data);
  return p;
}

function checkData(p: Planned, data: TypedArray): void {
  const want = DTYPES[p.input.dtype].array;
  if (data.constructor.name !== want) {
    throw new InvalidArgumentError(OP, `tensor '${p.input.name}'`, `${p.input.dtype} data must be a ${want}, got a ${data.constructor.name}`);
  }
  if (data.byteLength !== p.byteLength) {
    throw new InvalidArgumentError(OP, `tensor '${p.input.name}'`, `shape [${p.input.shape.join(', ')}] of ${p.input.dtype} needs ${p.byteLength} bytes, the data has ${data.byteLength}`);
  }
}

/** Reference order: descending dtype rank, then name by UTF-8 bytes. */
function referenceOrder(a: Planned, b: Planned): number {
  const r = DTYPE_RANK.indexOf(b.fileDtype) - DTYPE_RANK.indexOf(a.fileDtype);
  return r || Buffer.compare(Buffer.from(a.input.name, 'utf8'), Buffer.from(b.input.name, 'utf8'));
}

function checkUnique(tensors: readonly SafetensorsTensorInput[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new InvalidArgumentError(OP, 'tensors', `duplicate tensor name '${t.name}'`);
    seen.add(t.name);
  }
}

function encodeHeader(sorted: readonly Planned[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const parts: string[] = [];
  const meta = { format: 'pt', ...metadata };
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw new InvalidArgumentError(OP, `metadata['${k}']`, `must be a string, got ${typeof v}`);
  }
  parts.push(`"__metadata__":{${Object.entries(meta).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let off = 0;
  for (const p of sorted) {
    parts.push(
      `${JSON.stringify(p.input.name)}:{"dtype":"${p.fileDtype}","shape":[${p.input.shape.join(',')}],"data_offsets":[${off},${off + p.byteLength}]}`,
    );
    off += p.byteLength;
  }
  let json = `{${parts.join(',')}}`;
  const len = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (len % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  out.set(body, 8);
  return out;
}

async function writePlanned(path: string, planned: Planned[], metadata: Readonly<Record<string, string>>): Promise<void> {
  const sorted = planned.slice().sort(referenceOrder);
  const header = encodeHeader(sorted, metadata);
  await writeFileAtomic(path, async (fh) => {
    await fh.write(header);
    for (const p of sorted) {
      const data = typeof p.input.data === 'function' ? await p.input.data() : p.input.data;
      checkData(p, data);
      const bytes = bytesOf(data);
      let off = 0;
      while (off < bytes.byteLength) off += (await fh.write(bytes, off, bytes.byteLength - off)).bytesWritten;
    }
  });
}

/** Writes one safetensors file atomically. */
export async function writeSafetensors(path: string, tensors: readonly SafetensorsTensorInput[], opts: WriteSafetensorsOptions = {}): Promise<void> {
  checkUnique(tensors);
  await writePlanned(path, tensors.map(plan), opts.metadata ?? {});
}

export interface WriteShardedOptions extends WriteSafetensorsOptions {
  /** Largest shard in bytes of tensor data (transformers' default "5GB" = 5e9). */
  readonly maxShardBytes?: number;
  /** File name stem: `model` gives model.safetensors or model-0000i-of-0000n.safetensors. */
  readonly prefix?: string;
}

export interface ShardedResult {
  /** File names written, relative to the folder. */
  readonly files: readonly string[];
  /** The index file name, when more than one shard was written. */
  readonly index?: string;
  /** Total bytes of tensor data. */
  readonly totalSize: number;
}

/**
 * Writes tensors into `dir` as `transformers` does: one `model.safetensors` if
 * they fit in `maxShardBytes`, else shards filled greedily in the given order
 * (a tensor larger than the limit gets a shard of its own) plus
 * `model.safetensors.index.json` ({metadata: {total_size}, weight_map}).
 * Shard and index files of an earlier save with the same prefix are removed.
 */
export async function writeSafetensorsSharded(dir: string, tensors: readonly SafetensorsTensorInput[], opts: WriteShardedOptions = {}): Promise<ShardedResult> {
  const max = opts.maxShardBytes ?? 5e9;
  if (!(max > 0)) throw new InvalidArgumentError(OP, 'maxShardBytes', `must be positive, got ${max}`);
  const prefix = opts.prefix ?? 'model';
  checkUnique(tensors);
  const planned = tensors.map(plan);
  const shards: Planned[][] = [];
  let cur: Planned[] = [];
  let curSize = 0;
  for (const p of planned) {
    if (cur.length > 0 && curSize + p.byteLength > max) {
      shards.push(cur);
      cur = [];
      curSize = 0;
    }
    cur.push(p);
    curSize += p.byteLength;
  }
  if (cur.length > 0 || shards.length === 0) shards.push(cur);
  const totalSize = planned.reduce((a, p) => a + p.byteLength, 0);
  const single = `${prefix}.safetensors`;
  const indexName = `${prefix}.safetensors.index.json`;
  const shardRe = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}-of-\\d{5}\\.safetensors$`);

  const files = shards.length === 1 ? [single] : shards.map((_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  for (let i = 0; i < shards.length; i++) await writePlanned(join(dir, files[i]!), shards[i]!, opts.metadata ?? {});

  let index: string | undefined;
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => s.forEach((p) => (weightMap[p.input.name] = files[i]!)));
    writeFileAtomicSync(join(dir, indexName), formatShardIndex(totalSize, weightMap));
    index = indexName;
  }
  for (const f of readdirSync(dir)) {
    const stale = (shardRe.test(f) || f === single || (f === indexName && !index)) && !files.includes(f);
    if (stale) rmSync(join(dir, f), { force: true });
  }
  return { files, index, totalSize };
}

/** The index JSON as transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
export function formatShardIndex(totalSize: number, weightMap: Readonly<Record<string, string>>): string {
  const names = Object.keys(weightMap).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = names.map((n) => `    ${pyJson(n)}: ${pyJson(weightMap[n]!)}`);
  return `{\n  "metadata": {\n    "total_size": ${totalSize}\n  },\n  "weight_map": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/** A JSON string escaped as Python's json.dumps does by default (ensure_ascii). */
function pyJson(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
