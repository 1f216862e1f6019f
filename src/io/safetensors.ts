/**
 * safetensors reader, written from the format description in
 * huggingface/safetensors:
 *
 *   u64 N (little-endian) | N bytes of UTF-8 JSON header | data buffer
 *   header = { "__metadata__"?: {string: string},
 *              NAME: { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ... }
 *
 * Offsets are relative to the data buffer. Validation follows the reference
 * implementation: the header is at most 100 MB, every tensor's byte range
 * matches its shape and dtype, the ranges tile the buffer with no gap or
 * overlap, and the buffer ends exactly at the end of the file. Any violation
 * is a `FileFormatError` naming the file and the field.
 *
 * Only the header is read at open; `readSafetensorsTensor` reads one tensor
 * with positional reads straight into its destination array.
 */
import { FileFormatError, NotFoundError, UnsupportedError } from '../errors.js';
import { allocArray, byteLength, type DType, type TypedArray } from '../tensor/dtype.js';
import { FileCursor } from './file-cursor.js';
import { checkTarget } from './gguf.js';
import { assertLittleEndianHost, readExactInto, withFile } from './read-into.js';

/** The reference implementation's header size limit. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** Element sizes of every safetensors dtype, in the reference's order (increasing alignment). */
export const SAFETENSORS_DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/**
 * The lmkit dtype each loadable safetensors dtype is read as. I64 (token ids,
 * position buffers) is narrowed to i32 on read, with a range check.
 */
export const DTYPE_OF_SAFETENSORS: Readonly<Record<string, DType>> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  F64: 'f64',
  I32: 'i32',
  I64: 'i32',
  U8: 'u8',
  BOOL: 'u8',
};

export interface SafetensorsTensorInfo {
  readonly name: string;
  /** The lmkit dtype `readSafetensorsTensor` returns. */
  readonly dtype: DType;
  /** The dtype as stored, e.g. 'BF16' or 'I64'. */
  readonly fileDtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  /** Absolute file offset of the first byte. */
  readonly offset: number;
  /** Bytes in the file. */
  readonly byteLength: number;
}

export type SafetensorsUnsupportedTensor = Omit<SafetensorsTensorInfo, 'dtype'>;

export interface SafetensorsFile {
  readonly path: string;
  /** N, the JSON header's length. */
  readonly headerSize: number;
  /** 8 + N: where the data buffer starts. */
  readonly dataOffset: number;
  readonly fileSize: number;
  /** `__metadata__` (free-form strings), or an empty object. */
  readonly metadata: Record<string, string>;
  /** Tensors in data order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  /** Tensors of dtypes lmkit cannot hold; empty unless `allowUnsupported`. */
  readonly unsupported: readonly SafetensorsUnsupportedTensor[];
}

export interface ReadSafetensorsOptions {
  /** List tensors of dtypes lmkit has no type for (F8_E4M3, U16, ...) in `unsupported` instead of failing. */
  allowUnsupported?: boolean;
}

/** Parses a safetensors file's header and validates its tensor table; data stays on disk. */
export function readSafetensors(path: string, opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  return withFile(path, (fd, size) => {
    const cur = new FileCursor(path, fd, size);
    const n = Number(cur.u64('header size'));
    if (n > SAFETENSORS_MAX_HEADER) {
      throw new FileFormatError(path, `${n} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit (not a safetensors file?)`, 'header size');
    }
    if (8 + n > size) throw new FileFormatError(path, `header of ${n} bytes runs past the end of the ${size}-byte file (truncated file?)`, 'header size');
    const text = cur.utf8(n, 'header');
    return parseHeader(path, text, n, size, opts);
  });
}

function parseHeader(path: string, text: string, n: number, size: number, opts: ReadSafetensorsOptions): SafetensorsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(path, `is not valid JSON (${(e as Error).message})`, 'header');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FileFormatError(path, 'must be a JSON object', 'header');

  const metadata: Record<string, string> = Object.create(null);
  const entries: (SafetensorsUnsupportedTensor & { dtype?: DType; begin: number; end: number })[] = [];
  const dataOffset = 8 + n;
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FileFormatError(path, 'must be an object of strings', '__metadata__');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new FileFormatError(path, `must be a string, got ${JSON.stringify(v)}`, `__metadata__['${k}']`);
        metadata[k] = v;
      }
      continue;
    }
    const field = `header['${name}']`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FileFormatError(path, 'must be an object with dtype, shape and data_offsets', field);
    const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPE_SIZES)) {
      throw new FileFormatError(path, `unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')}`, `${field}.dtype`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FileFormatError(path, `must be an array of non-negative integers, got ${JSON.stringify(shape)}`, `${field}.shape`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0]) {
      throw new FileFormatError(path, `must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offs)}`, `${field}.data_offsets`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const byteLength = numel * SAFETENSORS_DTYPE_SIZES[dtype]!;
    if (!Number.isSafeInteger(byteLength)) throw new FileFormatError(path, `shape ${JSON.stringify(shape)} is too large`, `${field}.shape`);
    const [begin, end] = offs as [number, number];
    if (end - begin !== byteLength) {
      throw new FileFormatError(path, `covers ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${byteLength}`, `${field}.data_offsets`);
    }
    if (dataOffset + end > size) {
      throw new FileFormatError(path, `data ends at byte ${dataOffset + end} but the file has ${size} bytes (truncated file?)`, `${field}.data_offsets`);
    }
    const mapped = DTYPE_OF_SAFETENSORS[dtype];
    if (!mapped && !opts.allowUnsupported) {
      throw new UnsupportedError('safetensors', `${path}: tensor '${name}' has dtype ${dtype}, which lmkit cannot load; supported: ${Object.keys(DTYPE_OF_SAFETENSORS).join(', ')}`);
    }
    entries.push({ name, dtype: mapped, fileDtype: dtype, shape: shape as number[], numel, offset: dataOffset + begin, byteLength, begin, end });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  let prev = '';
  for (const e of entries) {
    const field = `header['${e.name}'].data_offsets`;
    if (e.begin < expect) throw new FileFormatError(path, `[${e.begin}, ${e.end}) overlaps tensor '${prev}'`, field);
    if (e.begin > expect) throw new FileFormatError(path, `starts at ${e.begin}, leaving a gap after byte ${expect}${prev ? ` (end of '${prev}')` : ''}`, field);
    expect = e.end;
    prev = e.name;
  }
  if (dataOffset + expect !== size) {
    throw new FileFormatError(path, `the tensors end at byte ${dataOffset + expect} but the file has ${size} bytes (trailing data)`, 'data_offsets');
  }

  const tensors: SafetensorsTensorInfo[] = [];
  const unsupported: SafetensorsUnsupportedTensor[] = [];
  for (const { begin: _b, end: _e, dtype, ...rest } of entries) {
    if (dtype) tensors.push({ ...rest, dtype });
    else unsupported.push(rest);
  }
  return { path, headerSize: n, dataOffset, fileSize: size, metadata, tensors, unsupported };
}

const indexCache = new WeakMap<SafetensorsFile, Map<string, SafetensorsTensorInfo>>();

export function safetensorsTensor(file: SafetensorsFile, name: string): SafetensorsTensorInfo {
  let index = indexCache.get(file);
  if (!index) {
    index = new Map(file.tensors.map((t) => [t.name, t]));
    indexCache.set(file, index);
  }
  const t = index.get(name);
  if (t) return t;
  const bad = file.unsupported.find((u) => u.name === name);
  if (bad) throw new UnsupportedError('safetensors', `${file.path}: tensor '${name}' has dtype ${bad.fileDtype}, which lmkit cannot load`);
  const some = file.tensors.slice(0, 5).map((x) => x.name);
  throw new NotFoundError(file.path, `no tensor '${name}' (${file.tensors.length} tensors, e.g. ${some.join(', ') || 'none'})`);
}

/**
 * Reads one tensor into `target` (or a fresh array: Float32Array for f32,
 * Uint16Array for f16/bf16, Int32Array for I32 and I64, Uint8Array for U8/BOOL).
 */
export function readSafetensorsTensor(file: SafetensorsFile, tensor: string | SafetensorsTensorInfo, target?: TypedArray): TypedArray {
  assertLittleEndianHost();
  const info = typeof tensor === 'string' ? safetensorsTensor(file, tensor) : tensor;
  return readStoredTensor(file.path, info, target);
}

/** Reads a tensor described by `info` from `path` (shared with the sharded-folder reader). */
export function readStoredTensor(path: string, info: SafetensorsTensorInfo, target?: TypedArray): TypedArray {
  const out = target ?? allocArray(info.dtype, info.numel);
  checkTarget(path, info.name, info.dtype, byteLength(info.dtype, info.numel), out);
  const field = `tensor '${info.name}'`;
  if (info.fileDtype !== 'I64') {
    withFile(path, (fd) => readExactInto(fd, path, out, info.offset, field));
    return out;
  }
  // I64 → i32: read in bounded chunks so the 8-byte form never exists whole.
  const chunk = new BigInt64Array(Math.min(info.numel, 1 << 16));
  const dst = out as Int32Array;
  withFile(path, (fd) => {
    for (let i = 0; i < info.numel; i += chunk.length) {
      const n = Math.min(chunk.length, info.numel - i);
      const view = chunk.subarray(0, n);
      readExactInto(fd, path, view, info.offset + i * 8, field);
      for (let j = 0; j < n; j++) {
        const v = view[j]!;
        if (v > 2147483647n || v < -2147483648n) throw new FileFormatError(path, `I64 value ${v} at index ${i + j} does not fit in i32`, field);
        dst[i + j] = Number(v);
      }
    }
  });
  return out;
}
