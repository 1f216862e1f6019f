/**
 * One read interface over every weight container lmkit loads: a GGUF file, a
 * safetensors file, or a Hugging Face folder of (possibly sharded)
 * safetensors. The model layer asks a `TensorStore` for tensors by name and
 * reads each one straight into the array that will hold it.
 */
import { existsSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { FileFormatError, NotFoundError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { readGguf, readGgufTensor, type GgufFile } from './gguf.js';
import { withFile } from './read-into.js';
import { readSafetensors, readStoredTensor, type SafetensorsTensorInfo } from './safetensors.js';

export interface StoredTensor {
  readonly name: string;
  /** What `read` returns. */
  readonly dtype: DType;
  /** The type as stored: 'BF16', 'I64', 'Q4_K', ... */
  readonly fileDtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  /** The file holding the data, and where. */
  readonly file: string;
  readonly offset: number;
  readonly byteLength: number;
}

export interface TensorStore {
  readonly format: 'gguf' | 'safetensors';
  /** The file or folder opened. */
  readonly path: string;
  /** Every tensor, in file order (shard by shard for a folder). */
  readonly tensors: readonly StoredTensor[];
  has(name: string): boolean;
  /** The tensor's description; NotFoundError if absent. */
  get(name: string): StoredTensor;
  /** Reads the tensor into `target` (checked for type and size) or a fresh array. */
  read(name: string | StoredTensor, target?: TypedArray): TypedArray;
  /** The GGUF header, when the store is a GGUF file. */
  readonly gguf?: GgufFile;
  /** safetensors `__metadata__` of the (first) file. */
  readonly metadata?: Readonly<Record<string, string>>;
}

function makeStore(
  format: TensorStore['format'],
  path: string,
  tensors: StoredTensor[],
  read: (t: StoredTensor, target?: TypedArray) => TypedArray,
  extra: Partial<TensorStore> = {},
): TensorStore {
  const index = new Map(tensors.map((t) => [t.name, t]));
  const get = (name: string): StoredTensor => {
    const t = index.get(name);
    if (!t) throw new NotFoundError(path, `no tensor '${name}' (${tensors.length} tensors, e.g. ${tensors.slice(0, 5).map((x) => x.name).join(', ') || 'none'})`);
    return t;
  };
  return {
    format,
    path,
    tensors,
    has: (name) => index.has(name),
    get,
    read: (t, target) => read(typeof t === 'string' ? get(t) : t, target),
    ...extra,
  };
}

/** A GGUF file as a TensorStore (its header is on `.gguf`). */
export function ggufStore(path: string): TensorStore {
  const g = readGguf(path);
  const tensors = g.tensors.map((t) => ({ ...t, fileDtype: t.ggmlType, file: path }));
  return makeStore('gguf', path, tensors, (t, target) => readGgufTensor(g, t.name, target), { gguf: g });
}

function fromSafetensors(file: string, t: SafetensorsTensorInfo): StoredTensor {
  return { ...t, file };
}

const readSt = (t: StoredTensor, target?: TypedArray) => readStoredTensor(t.file, t, target);

/** One safetensors file as a TensorStore. */
export function safetensorsStore(path: string): TensorStore {
  const f = readSafetensors(path);
  return makeStore('safetensors', path, f.tensors.map((t) => fromSafetensors(path, t)), readSt, { metadata: f.metadata });
}

/**
 * A Hugging Face model folder: `model.safetensors.index.json` (its weight_map
 * names the shard of every tensor), else `model.safetensors`, else the one
 * `*.safetensors` file there.
 */
export function safetensorsFolderStore(dir: string): TensorStore {
  const indexPath = join(dir, 'model.safetensors.index.json');
  if (existsSync(indexPath)) return shardedStore(dir, indexPath);
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return safetensorsStore(single);
  const all = readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
  const indexes = readdirSync(dir).filter((f) => f.endsWith('.safetensors.index.json'));
  if (indexes.length === 1) return shardedStore(dir, join(dir, indexes[0]!));
  if (all.length === 1) return safetensorsStore(join(dir, all[0]!));
  throw new NotFoundError(
    dir,
    all.length ? `several .safetensors files (${all.join(', ')}) and no model.safetensors.index.json to say which to load` : 'no model.safetensors, sharded index or .safetensors file here',
  );
}

function shardedStore(dir: string, indexPath: string): TensorStore {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    throw new FileFormatError(indexPath, `is not valid JSON (${(e as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new FileFormatError(indexPath, 'must be an object of tensor name to file name', 'weight_map');
  const root = resolve(dir);
  const shards = new Map<string, Map<string, SafetensorsTensorInfo>>();
  const tensors: StoredTensor[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, file] of Object.entries(map)) {
    const field = `weight_map['${name}']`;
    if (typeof file !== 'string' || file.length === 0) throw new FileFormatError(indexPath, 'must be a file name', field);
    // A downloaded index must not point outside its folder.
    const full = resolve(root, file);
    if (!full.startsWith(root + sep) || file.includes('\\')) throw new FileFormatError(indexPath, `'${file}' is outside the model folder`, field);
    let shard = shards.get(full);
    if (!shard) {
      if (!existsSync(full)) throw new FileFormatError(indexPath, `names shard '${file}', which does not exist`, field);
      const f = readSafetensors(full);
      metadata ??= f.metadata;
      shard = new Map(f.tensors.map((t) => [t.name, t]));
      shards.set(full, shard);
    }
    const t = shard.get(name);
    if (!t) throw new FileFormatError(indexPath, `shard '${file}' has no tensor '${name}'`, field);
    tensors.push(fromSafetensors(full, t));
  }
  // Order tensors shard by shard, then by offset, so a full load reads each file front to back.
  const shardOrder = [...shards.keys()];
  tensors.sort((a, b) => shardOrder.indexOf(a.file) - shardOrder.indexOf(b.file) || a.offset - b.offset);
  return makeStore('safetensors', dir, tensors, readSt, metadata ? { metadata } : {});
}

/**
 * Opens a model folder, or a file by its content: GGUF by its magic (or a
 * `.gguf` name, so a damaged one reports the bad magic), anything else as
 * safetensors.
 */
export function openTensorStore(path: string): TensorStore {
  if (statSync(path).isDirectory()) return safetensorsFolderStore(path);
  const magic = withFile(path, (fd, size) => {
    const b = Buffer.alloc(Math.min(4, size));
    readSync(fd, b, 0, b.length, 0);
    return b.toString('latin1');
  });
  if (magic === 'GGUF' || path.endsWith('.gguf')) return ggufStore(path);
  return safetensorsStore(path);
}
