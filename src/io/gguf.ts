/**
 * GGUF reader (versions 2 and 3, little-endian), written from the public spec
 * (ggml docs/gguf.md):
 *
 *   magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
 *   n_kv x { string key, u32 type, value }            string = u64 len + UTF-8
 *   n_tensors x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset }
 *   zero padding to `general.alignment` (u32, default 32)
 *   tensor data; each offset is relative to the data start and a multiple of the alignment
 *
 * `readGguf` parses only the header (through a 1 MiB window) and validates
 * every tensor's extent against the file size; tensor bytes are read later,
 * one tensor at a time, straight into the destination array (`readGgufTensor`).
 *
 * Shapes: GGUF stores ne[0] as the innermost (contiguous) dimension; lmkit shapes
 * are row-major with the outermost first, so `shape` is ne reversed. A llama
 * `token_embd.weight` with ne = [4096, 32000] has shape [32000, 4096].
 */
import { FileFormatError, NotFoundError, UnsupportedError, InvalidArgumentError } from '../errors.js';
import { allocArray, DTYPES, storageLength, type DType, type TypedArray } from '../tensor/dtype.js';
import { FileCursor } from './file-cursor.js';
import { assertLittleEndianHost, readExactInto, withFile } from './read-into.js';
import {
  GGML_TYPES,
  GGUF_VALUE_TYPE_NAMES,
  type GgufScalarType,
  type GgufType,
  type GgufValue,
} from './gguf-types.js';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 8;
const MAX_ARRAY_DEPTH = 32;

export interface GgufTensorInfo {
  readonly name: string;
  /** lmkit dtype: 'f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k', 'i32', 'f64'. */
  readonly dtype: DType;
  /** ggml's type name, e.g. 'Q4_K'. */
  readonly ggmlType: string;
  /** Row-major, outermost first (GGUF's ne[] reversed). */
  readonly shape: readonly number[];
  readonly numel: number;
  /** Absolute file offset of the first byte. */
  readonly offset: number;
  readonly byteLength: number;
}

/** A tensor whose ggml type lmkit cannot hold (listed only with `allowUnsupported`). */
export type GgufUnsupportedTensor = Omit<GgufTensorInfo, 'dtype'>;

export interface GgufFile {
  readonly path: string;
  readonly version: number;
  readonly alignment: number;
  /** Absolute file offset of the tensor data section. */
  readonly dataOffset: number;
  readonly fileSize: number;
  /** Key → value, in file order. The object has no prototype. */
  readonly metadata: Record<string, GgufValue>;
  /** Key → the value's GGUF type as stored (needed to write it back unchanged). */
  readonly metadataTypes: Record<string, GgufType>;
  /** Tensors in file order. */
  readonly tensors: readonly GgufTensorInfo[];
  /** Tensors of types lmkit cannot decode; empty unless `allowUnsupported` was set. */
  readonly unsupported: readonly GgufUnsupportedTensor[];
}

export interface ReadGgufOptions {
  /**
   * List tensors of ggml types lmkit has no dtype for (Q5_K, IQ2_XS, ...) in
   * `unsupported` instead of failing; for inspection tools.
   */
  allowUnsupported?: boolean;
}

/** Parses a GGUF file's header, metadata and tensor table; tensor data stays on disk. */
export function readGguf(path: string, opts: ReadGgufOptions = {}): GgufFile {
  return withFile(path, (fd, size) => parseGguf(new FileCursor(path, fd, size), opts));
}

function parseGguf(cur: FileCursor, opts: ReadGgufOptions): GgufFile {
  const file = cur.file;
  cur.need(4, 'magic');
  const magicBytes = new Uint8Array(4);
  cur.bytesInto(magicBytes, 'magic');
  const magic = String.fromCharCode(...magicBytes);
  if (magic !== GGUF_MAGIC) {
    const hex = Array.from(magicBytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FileFormatError(file, `not a GGUF file: the first bytes are ${hex}, expected 47 47 55 46 ("GGUF")`, 'magic');
  }
  const version = cur.u32('version');
  if (version !== 0 && (version & 0xffff) === 0) {
    throw new UnsupportedError('gguf', `${file}: big-endian GGUF files are not supported (version field reads ${version})`);
  }
  if (version === 1) throw new UnsupportedError('gguf', `${file}: GGUF v1 is obsolete; convert the model again with a current llama.cpp`);
  if (version < 1 || version > 3) throw new FileFormatError(file, `unknown GGUF version ${version}; lmkit reads versions 2 and 3`, 'version');

  const nTensors = cur.u64Number('tensor_count');
  const nKv = cur.u64Number('metadata_kv_count');
  // Each kv takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8 + 4 + 4 + 8.
  if (nKv * 13 > cur.remaining()) throw new FileFormatError(file, `${nKv} entries cannot fit in a ${cur.size}-byte file (truncated file?)`, 'metadata_kv_count');
  if (nTensors * 24 > cur.remaining()) throw new FileFormatError(file, `${nTensors} tensors cannot fit in a ${cur.size}-byte file (truncated file?)`, 'tensor_count');

  const metadata: Record<string, GgufValue> = Object.create(null);
  const metadataTypes: Record<string, GgufType> = Object.create(null);
  for (let i = 0; i < nKv; i++) {
    const key = readString(cur, `metadata[${i}].key`);
    if (key.length === 0) throw new FileFormatError(file, 'empty key', `metadata[${i}].key`);
    if (key in metadata) throw new FileFormatError(file, `duplicate key '${key}'`, `metadata[${i}].key`);
    const typeId = cur.u32(`metadata['${key}'].type`);
    const { value, type } = readValue(cur, typeId, `metadata['${key}']`, 0);
    metadata[key] = value;
    metadataTypes[key] = type;
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if ('general.alignment' in metadata) {
    const a = metadata['general.alignment'];
    if (metadataTypes['general.alignment'] !== 'u32') {
      throw new FileFormatError(file, `must be a u32, got ${describeType(metadataTypes['general.alignment']!)}`, "metadata['general.alignment']");
    }
    if (typeof a !== 'number' || a === 0 || (a & (a - 1)) !== 0) {
      throw new FileFormatError(file, `must be a power of two, got ${String(a)}`, "metadata['general.alignment']");
    }
    alignment = a;
  }

  const raw: (GgufUnsupportedTensor & { dtype?: DType; rel: number })[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = readString(cur, `tensor_infos[${i}].name`);
    if (names.has(name)) throw new FileFormatError(file, `duplicate tensor name '${name}'`, `tensor_infos[${i}].name`);
    names.add(name);
    const where = `tensor '${name}'`;
    const nDims = cur.u32(`${where}.n_dims`);
    if (nDims > MAX_DIMS) throw new FileFormatError(file, `${nDims} dimensions (at most ${MAX_DIMS})`, `${where}.n_dims`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(cur.u64Number(`${where}.ne[${d}]`));
    const typeId = cur.u32(`${where}.type`);
    const rel = cur.u64Number(`${where}.offset`);
    const t = GGML_TYPES.get(typeId);
    if (!t) throw new FileFormatError(file, `unknown ggml type ${typeId}`, `${where}.type`);
    let numel = 1;
    for (const n of ne) numel *= n;
    if (!Number.isSafeInteger(numel)) throw new FileFormatError(file, `element count of ne=[${ne.join(', ')}] is too large`, `${where}.ne`);
    if ((ne[0] ?? 1) % t.blockSize !== 0) {
      throw new FileFormatError(file, `rows of ${ne[0]} elements are not a whole number of ${t.name} blocks of ${t.blockSize}`, `${where}.ne[0]`);
    }
    const byteLength = (numel / t.blockSize) * t.typeSize;
    if (!t.dtype && !opts.allowUnsupported) {
      throw new UnsupportedError(
        'gguf',
        `${file}: tensor '${name}' has ggml type ${t.name}, which lmkit cannot load; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, I32, F64`,
      );
    }
    raw.push({ name, ggmlType: t.name, dtype: t.dtype, shape: ne.slice().reverse(), numel, offset: 0, byteLength, rel });
  }

  const headerEnd = cur.pos;
  const dataOffset = nTensors > 0 ? alignUp(headerEnd, alignment) : headerEnd;
  const byStart = raw.slice().sort((a, b) => a.rel - b.rel);
  let prevEnd = 0;
  let prevName = '';
  for (const t of byStart) {
    const field = `tensor '${t.name}'.offset`;
    if (t.rel % alignment !== 0) throw new FileFormatError(file, `offset ${t.rel} is not a multiple of the alignment ${alignment}`, field);
    if (t.rel < prevEnd) throw new FileFormatError(file, `data [${t.rel}, ${t.rel + t.byteLength}) overlaps tensor '${prevName}'`, field);
    const end = dataOffset + t.rel + t.byteLength;
    if (end > cur.size) {
      throw new FileFormatError(file, `data ends at byte ${end} but the file has ${cur.size} bytes (truncated file?)`, field);
    }
    prevEnd = t.rel + t.byteLength;
    prevName = t.name;
  }

  const tensors: GgufTensorInfo[] = [];
  const unsupported: GgufUnsupportedTensor[] = [];
  for (const { rel, dtype, ...rest } of raw) {
    const entry = { ...rest, offset: dataOffset + rel };
    if (dtype) tensors.push({ ...entry, dtype });
    else unsupported.push(entry);
  }
  return { path: file, version, alignment, dataOffset, fileSize: cur.size, metadata, metadataTypes, tensors, unsupported };
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function describeType(t: GgufType): string {
  return typeof t === 'string' ? t : `array<${describeType(t.array)}>`;
}

function readString(cur: FileCursor, field: string): string {
  const len = cur.u64Number(`${field} length`);
  return cur.utf8(len, field);
}

/** Bytes each element of an array of this type takes at least (to reject impossible lengths early). */
const MIN_SIZE: Record<GgufScalarType | 'array', number> = {
  u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8, string: 8, array: 12,
};

type NumericArrayType = Exclude<GgufScalarType, 'bool' | 'string'>;
const ARRAY_CTOR: Record<NumericArrayType, new (n: number) => Exclude<GgufValue, string | number | bigint | boolean | unknown[]>> = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  u64: BigUint64Array,
  i64: BigInt64Array,
};

function readValue(cur: FileCursor, typeId: number, field: string, depth: number): { value: GgufValue; type: GgufType } {
  const kind = GGUF_VALUE_TYPE_NAMES.get(typeId);
  if (!kind) throw new FileFormatError(cur.file, `unknown value type ${typeId}`, `${field}.type`);
  switch (kind) {
    case 'u8':
      return { value: cur.u8(field), type: kind };
    case 'i8':
      return { value: cur.i8(field), type: kind };
    case 'u16':
      return { value: cur.u16(field), type: kind };
    case 'i16':
      return { value: cur.i16(field), type: kind };
    case 'u32':
      return { value: cur.u32(field), type: kind };
    case 'i32':
      return { value: cur.i32(field), type: kind };
    case 'f32':
      return { value: cur.f32(field), type: kind };
    case 'f64':
      return { value: cur.f64(field), type: kind };
    case 'bool':
      return { value: readBool(cur, field), type: kind };
    case 'string':
      return { value: readString(cur, field), type: kind };
    case 'u64':
    case 'i64': {
      const v = kind === 'u64' ? cur.u64(field) : cur.i64(field);
      const safe = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER);
      return { value: safe ? Number(v) : v, type: kind };
    }
    case 'array':
      return readArray(cur, field, depth);
  }
}

function readBool(cur: FileCursor, field: string): boolean {
  const b = cur.u8(field);
  if (b > 1) throw new FileFormatError(cur.file, `boolean byte is ${b}, expected 0 or 1`, field);
  return b === 1;
}

function readArray(cur: FileCursor, field: string, depth: number): { value: GgufValue; type: GgufType } {
  if (depth >= MAX_ARRAY_DEPTH) throw new FileFormatError(cur.file, `arrays nested more than ${MAX_ARRAY_DEPTH} deep`, field);
  const elemId = cur.u32(`${field}.element_type`);
  const elem = GGUF_VALUE_TYPE_NAMES.get(elemId);
  if (!elem) throw new FileFormatError(cur.file, `unknown array element type ${elemId}`, `${field}.element_type`);
  const n = cur.u64Number(`${field}.length`);
  if (n * MIN_SIZE[elem] > cur.remaining()) {
    throw new FileFormatError(cur.file, `array of ${n} ${elem} elements cannot fit in the remaining ${cur.remaining()} bytes (truncated file?)`, `${field}.length`);
  }
  switch (elem) {
    case 'string': {
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readString(cur, `${field}[${i}]`);
      return { value: out, type: { array: 'string' } };
    }
    case 'bool': {
      const out: boolean[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readBool(cur, `${field}[${i}]`);
      return { value: out, type: { array: 'bool' } };
    }
    case 'array': {
      const out: GgufValue[] = new Array(n);
      let inner: GgufType | undefined;
      for (let i = 0; i < n; i++) {
        const r = readArray(cur, `${field}[${i}]`, depth + 1);
        out[i] = r.value;
        inner ??= r.type;
      }
      // An empty array of arrays has no recorded inner element type; u8 stands in.
      return { value: out, type: { array: inner ?? { array: 'u8' } } };
    }
    default: {
      const arr = new ARRAY_CTOR[elem](n);
      cur.bytesInto(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), field);
      return { value: arr, type: { array: elem } };
    }
  }
}

// ---- tensor data ----

const indexCache = new WeakMap<GgufFile, Map<string, GgufTensorInfo>>();

/** The tensor named `name`, or a NotFoundError listing a few names that do exist. */
export function ggufTensor(file: GgufFile, name: string): GgufTensorInfo {
  let index = indexCache.get(file);
  if (!index) {
    index = new Map(file.tensors.map((t) => [t.name, t]));
    indexCache.set(file, index);
  }
  const t = index.get(name);
  if (t) return t;
  const bad = file.unsupported.find((u) => u.name === name);
  if (bad) throw new UnsupportedError('gguf', `${file.path}: tensor '${name}' has ggml type ${bad.ggmlType}, which lmkit cannot load`);
  const some = file.tensors.slice(0, 5).map((x) => x.name);
  throw new NotFoundError(file.path, `no tensor '${name}' (${file.tensors.length} tensors, e.g. ${some.join(', ') || 'none'})`);
}

/**
 * Reads one tensor's bytes into `target` (or a fresh array of the dtype's
 * storage type: Float32Array for f32, Uint16Array for f16/bf16, Uint8Array of
 * raw blocks for quantized types) with positional reads: nothing else of the
 * file is touched.
 */
export function readGgufTensor(file: GgufFile, tensor: string | GgufTensorInfo, target?: TypedArray): TypedArray {
  assertLittleEndianHost();
  const info = typeof tensor === 'string' ? ggufTensor(file, tensor) : tensor;
  const out = target ?? allocArray(info.dtype, storageLength(info.dtype, info.numel));
  checkTarget(file.path, info.name, info.dtype, info.byteLength, out);
  withFile(file.path, (fd) => readExactInto(fd, file.path, out, info.offset, `tensor '${info.name}'`));
  return out;
}

export function checkTarget(file: string, name: string, dtype: DType, byteLength: number, out: TypedArray): void {
  const want = DTYPES[dtype].array;
  if (out.constructor.name !== want) {
    throw new InvalidArgumentError('readTensor', 'target', `tensor '${name}' in ${file} is ${dtype}, which needs a ${want}, got a ${out.constructor.name}`);
  }
  if (out.byteLength !== byteLength) {
    throw new InvalidArgumentError('readTensor', 'target', `tensor '${name}' in ${file} has ${byteLength} bytes, the target has ${out.byteLength}`);
  }
}
