/**
 * GGUF v3 writer.
 *
 * The header (metadata + tensor infos) is encoded in memory; tensor data is
 * then streamed tensor by tensor from typed arrays (or from functions that
 * produce them on demand, so a converter can quantize one tensor at a time),
 * each padded with zeros to the alignment the way ggml's own writer does.
 * The file is written atomically (temp file, fsync, rename).
 *
 * Metadata value types matter to llama.cpp (it reads `general.alignment` only
 * as u32, `*.context_length` as u32, `*.rope.freq_base` as f32, ...), so a
 * value can be wrapped to force its type (`gguf.u32(n)`), or `types` can carry
 * the types of a file that was read, so a read-modify-write keeps them.
 * Untyped values are inferred: string → string, boolean → bool, integer in
 * i32 range → i32, other safe integers → i64, other numbers → f32, bigint →
 * i64 (u64 above 2^63-1), typed arrays → arrays of their element type,
 * number[] → array<i32> when all are i32 integers, else array<f32>.
 */
import { InvalidArgumentError } from '../errors.js';
import { DTYPES, byteLength as dtypeByteLength, type DType, type TypedArray } from '../tensor/dtype.js';
import { writeFileAtomic } from './atomic.js';
import { GGUF_DEFAULT_ALIGNMENT, alignUp } from './gguf.js';
import { GGML_TYPES, GGML_TYPE_OF_DTYPE, GGUF_VALUE_TYPE_IDS, GgufTyped, formatGgufType, type GgufType, type GgufValue } from './gguf-types.js';
import { bytesOf } from './read-into.js';

export interface GgufTensorInput {
  readonly name: string;
  readonly dtype: DType;
  /** Row-major, outermost first; written to GGUF as ne[] reversed. */
  readonly shape: readonly number[];
  /** The storage array (see `storageLength`), or a function returning it when the writer gets to it. */
  readonly data: TypedArray | (() => TypedArray | Promise<TypedArray>);
}

export interface WriteGgufOptions {
  readonly metadata: Readonly<Record<string, GgufValue | GgufTyped>>;
  /** Types for keys of `metadata` given as plain values (e.g. a read file's `metadataTypes`). */
  readonly types?: Readonly<Record<string, GgufType>>;
  readonly tensors?: readonly GgufTensorInput[];
  /** Data alignment, a power of two and a multiple of 8 (default 32); written as `general.alignment` when not 32. */
  readonly alignment?: number;
}

const OP = 'writeGguf';
/** ggml's GGML_MAX_NAME (64) includes the terminating NUL. */
const MAX_NAME_BYTES = 63;
/** llama.cpp loads tensors of at most GGML_MAX_DIMS = 4 dimensions. */
const MAX_DIMS = 4;

/** Writes a GGUF v3 file atomically. */
export async function writeGguf(path: string, opts: WriteGgufOptions): Promise<void> {
  const { header, alignment, tensors } = encodeHeader(opts);
  await writeFileAtomic(path, async (fh) => {
    await fh.write(header);
    let pos = header.byteLength;
    const zeros = new Uint8Array(alignment);
    for (const t of tensors) {
      const data = typeof t.input.data === 'function' ? await t.input.data() : t.input.data;
      checkData(t.input, data, t.byteLength);
      const bytes = bytesOf(data);
      let off = 0;
      while (off < bytes.byteLength) off += (await fh.write(bytes, off, bytes.byteLength - off)).bytesWritten;
      pos += bytes.byteLength;
      const pad = alignUp(pos, alignment) - pos;
      if (pad) await fh.write(zeros, 0, pad);
      pos += pad;
    }
  });
}

interface PlannedTensor {
  input: GgufTensorInput;
  byteLength: number;
}

function encodeHeader(opts: WriteGgufOptions): { header: Uint8Array; alignment: number; tensors: PlannedTensor[] } {
  const metadata: Record<string, GgufValue | GgufTyped> = { ...opts.metadata };
  const alignment = resolveAlignment(metadata, opts.alignment);
  const tensors = (opts.tensors ?? []).map(planTensor);
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.input.name)) throw new InvalidArgumentError(OP, 'tensors', `duplicate tensor name '${t.input.name}'`);
    seen.add(t.input.name);
  }

  const w = new ByteWriter();
  w.raw(Uint8Array.of(0x47, 0x47, 0x55, 0x46));
  w.u32(3);
  w.u64(BigInt(tensors.length));
  const keys = Object.keys(metadata);
  w.u64(BigInt(keys.length));
  for (const key of keys) {
    if (key.length === 0) throw new InvalidArgumentError(OP, 'metadata', 'keys must be non-empty');
    const v = metadata[key]!;
    const field = `metadata['${key}']`;
    const type = v instanceof GgufTyped ? v.type : (opts.types?.[key] ?? inferType(v, field));
    const value = v instanceof GgufTyped ? v.value : v;
    w.string(key);
    if (typeof type === 'string') {
      w.u32(GGUF_VALUE_TYPE_IDS[type]);
    } else {
      w.u32(GGUF_VALUE_TYPE_IDS.array);
    }
    writeValue(w, type, value, field);
  }
  let rel = 0;
  for (const t of tensors) {
    const { name, dtype, shape } = t.input;
    w.string(name);
    const ne = shape.length === 0 ? [1] : shape.slice().reverse();
    w.u32(ne.length);
    for (const n of ne) w.u64(BigInt(n));
    w.u32(GGML_TYPE_OF_DTYPE[dtype]!);
    w.u64(BigInt(rel));
    rel += alignUp(t.byteLength, alignment);
  }
  if (tensors.length > 0) w.padTo(alignment);
  return { header: w.bytes(), alignment, tensors };
}

function resolveAlignment(metadata: Record<string, GgufValue | GgufTyped>, requested: number | undefined): number {
  const given = metadata['general.alignment'];
  const fromMeta = given instanceof GgufTyped ? given.value : given;
  if (given instanceof GgufTyped && given.type !== 'u32') {
    throw new InvalidArgumentError(OP, "metadata['general.alignment']", `must be a u32 (llama.cpp rejects other types), got ${formatGgufType(given.type)}`);
  }
  if (fromMeta !== undefined && typeof fromMeta !== 'number') {
    throw new InvalidArgumentError(OP, "metadata['general.alignment']", 'must be a number');
  }
  if (fromMeta !== undefined && requested !== undefined && fromMeta !== requested) {
    throw new InvalidArgumentError(OP, 'alignment', `${requested} differs from metadata['general.alignment'] = ${fromMeta}`);
  }
  const a = requested ?? fromMeta ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(a) || a < 8 || (a & (a - 1)) !== 0) {
    throw new InvalidArgumentError(OP, 'alignment', `must be a power of two >= 8, got ${a}`);
  }
  if (a !== GGUF_DEFAULT_ALIGNMENT || given !== undefined) metadata['general.alignment'] = new GgufTyped('u32', a);
  return a;
}

function planTensor(t: GgufTensorInput): PlannedTensor {
  const field = `tensor '${t.name}'`;
  const nameBytes = Buffer.byteLength(t.name, 'utf8');
  if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(OP, field, `names must be 1 to ${MAX_NAME_BYTES} bytes (ggml's limit), got ${nameBytes}`);
  }
  const ggml = GGML_TYPE_OF_DTYPE[t.dtype];
  if (ggml === undefined) throw new InvalidArgumentError(OP, field, `dtype ${t.dtype} has no GGUF type`);
  if (t.shape.length > MAX_DIMS) throw new InvalidArgumentError(OP, field, `has ${t.shape.length} dimensions; GGUF readers take at most ${MAX_DIMS}`);
  for (const n of t.shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(OP, field, `shape [${t.shape.join(', ')}] must hold non-negative integers`);
  }
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const block = GGML_TYPES.get(ggml)!.blockSize;
  const inner = t.shape.length ? t.shape[t.shape.length - 1]! : 1;
  if (inner % block !== 0) {
    throw new InvalidArgumentError(OP, field, `the last dimension (${inner}) must be a multiple of the ${t.dtype} block size ${block}`);
  }
  const byteLength = dtypeByteLength(t.dtype, numel);
  if (typeof t.data !== 'function') checkData(t, t.data, byteLength);
  return { input: t, byteLength };
}

function checkData(t: GgufTensorInput, data: TypedArray, byteLength: number): void {
  const want = DTYPES[t.dtype].array;
  if (data.constructor.name !== want) {
    throw new InvalidArgumentError(OP, `tensor '${t.name}'`, `${t.dtype} data must be a ${want}, got a ${data.constructor.name}`);
  }
  if (data.byteLength !== byteLength) {
    throw new InvalidArgumentError(OP, `tensor '${t.name}'`, `shape [${t.shape.join(', ')}] of ${t.dtype} needs ${byteLength} bytes, the data has ${data.byteLength}`);
  }
}

// ---- type inference and value encoding ----

const TYPED_ARRAY_TYPE: Record<string, GgufType> = {
  Uint8Array: 'u8',
  Int8Array: 'i8',
  Uint16Array: 'u16',
  Int16Array: 'i16',
  Uint32Array: 'u32',
  Int32Array: 'i32',
  Float32Array: 'f32',
  Float64Array: 'f64',
  BigUint64Array: 'u64',
  BigInt64Array: 'i64',
};

function inferType(v: unknown, field: string): GgufType {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      if (Number.isInteger(v)) return v >= -(2 ** 31) && v < 2 ** 31 ? 'i32' : 'i64';
      return 'f32';
    case 'bigint':
      return v >= -(2n ** 63n) && v < 2n ** 63n ? 'i64' : 'u64';
  }
  if (ArrayBuffer.isView(v)) {
    const t = TYPED_ARRAY_TYPE[v.constructor.name];
    if (t) return { array: t };
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return { array: 'i32' };
    if (v.every((x) => typeof x === 'string')) return { array: 'string' };
    if (v.every((x) => typeof x === 'boolean')) return { array: 'bool' };
    if (v.every((x) => typeof x === 'number')) {
      return { array: v.every((x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31) ? 'i32' : 'f32' };
    }
    if (v.every((x) => Array.isArray(x) || ArrayBuffer.isView(x))) return { array: inferType(v[0], `${field}[0]`) };
  }
  throw new InvalidArgumentError(OP, field, `cannot infer a GGUF type for ${describe(v)}; wrap it, e.g. gguf.u32(x)`);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a mixed array';
  return v === null ? 'null' : ArrayBuffer.isView(v) ? v.constructor.name : typeof v;
}

const INT_RANGES: Record<string, [number, number]> = {
  u8: [0, 255],
  i8: [-128, 127],
  u16: [0, 65535],
  i16: [-32768, 32767],
  u32: [0, 2 ** 32 - 1],
  i32: [-(2 ** 31), 2 ** 31 - 1],
};

function writeValue(w: ByteWriter, type: GgufType, v: unknown, field: string): void {
  const bad = (want: string): never => {
    throw new InvalidArgumentError(OP, field, `expected ${want} for GGUF type ${formatGgufType(type)}, got ${describe(v)}${typeof v === 'number' || typeof v === 'bigint' ? ` ${v}` : ''}`);
  };
  if (typeof type !== 'string') {
    if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return bad('an array');
    const arr = v as ArrayLike<unknown>;
    const elem = type.array;
    w.u32(typeof elem === 'string' ? GGUF_VALUE_TYPE_IDS[elem] : GGUF_VALUE_TYPE_IDS.array);
    w.u64(BigInt(arr.length));
    // Fast path: a typed array of exactly the element type is copied as bytes.
    if (typeof elem === 'string' && ArrayBuffer.isView(v) && TYPED_ARRAY_TYPE[v.constructor.name] === elem) {
      w.raw(bytesOf(v));
      return;
    }
    for (let i = 0; i < arr.length; i++) writeValue(w, elem, arr[i], `${field}[${i}]`);
    return;
  }
  switch (type) {
    case 'string':
      if (typeof v !== 'string') return bad('a string');
      w.string(v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') return bad('a boolean');
      w.u8(v ? 1 : 0);
      return;
    case 'f32':
    case 'f64':
      if (typeof v !== 'number') return bad('a number');
      if (type === 'f32') w.f32(v);
      else w.f64(v);
      return;
    case 'u64':
    case 'i64': {
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v))) return bad('an integer');
      const b = BigInt(v as number | bigint);
      const [lo, hi] = type === 'u64' ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (b < lo || b > hi) return bad(`an integer in [${lo}, ${hi}]`);
      if (type === 'u64') w.u64(b);
      else w.i64(b);
      return;
    }
    default: {
      const [lo, hi] = INT_RANGES[type]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return bad(`an integer in [${lo}, ${hi}]`);
      w.int(type, v);
    }
  }
}

/** A growable little-endian byte buffer for the header. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  private len = 0;
  private grow(n: number): number {
    if (this.len + n > this.buf.byteLength) {
      const next = Buffer.alloc(Math.max(this.buf.byteLength * 2, this.len + n));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  u8(v: number): void {
    const at = this.grow(1);
    this.buf[at] = v;
  }
  u32(v: number): void {
    const at = this.grow(4);
    this.buf.writeUInt32LE(v, at);
  }
  u64(v: bigint): void {
    const at = this.grow(8);
    this.buf.writeBigUInt64LE(v, at);
  }
  i64(v: bigint): void {
    const at = this.grow(8);
    this.buf.writeBigInt64LE(v, at);
  }
  f32(v: number): void {
    const at = this.grow(4);
    this.buf.writeFloatLE(v, at);
  }
  f64(v: number): void {
    const at = this.grow(8);
    this.buf.writeDoubleLE(v, at);
  }
  int(type: string, v: number): void {
    const size = type === 'u8' || type === 'i8' ? 1 : type === 'u16' || type === 'i16' ? 2 : 4;
    const at = this.grow(size);
    if (type === 'u8') this.buf.writeUInt8(v, at);
    else if (type === 'i8') this.buf.writeInt8(v, at);
    else if (type === 'u16') this.buf.writeUInt16LE(v, at);
    else if (type === 'i16') this.buf.writeInt16LE(v, at);
    else if (type === 'u32') this.buf.writeUInt32LE(v, at);
    else this.buf.writeInt32LE(v, at);
  }
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(BigInt(n));
    const at = this.grow(n);
    this.buf.write(s, at, 'utf8');
  }
  raw(b: Uint8Array): void {
    const at = this.grow(b.byteLength);
    this.buf.set(b, at);
  }
  padTo(a: number): void {
    const pad = alignUp(this.len, a) - this.len;
    this.grow(pad);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
