/**
 * The training checkpoint file: one file per checkpoint, self-checking.
 *
 *   offset 0   magic "LMKCKPT\0" (8 bytes)
 *          8   u32 format version (1)
 *         12   u32 header length H (bytes of JSON, padded with spaces to a multiple of 8)
 *         16   header JSON: { format, version, step, tensors: [{ name, dtype, shape, offset, bytes }], meta }
 *     16 + H   tensor data, each tensor at its `offset` from here (8-byte aligned), little-endian
 *    end - 32  sha256 of every byte before it
 *
 * The file is written to a temp name, fsynced and renamed, so a crash leaves
 * the previous checkpoint intact; on reading, a wrong size (truncation) or a
 * checksum mismatch (corruption) is refused with a message naming the file.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';

export const CHECKPOINT_MAGIC = 'LMKCKPT\0';
export const CHECKPOINT_VERSION = 1;
const PREFIX = 16;
const TRAILER = 32;

export type CheckpointDType = 'f32' | 'f64' | 'i32';

export interface CheckpointTensor {
  readonly name: string;
  readonly dtype: CheckpointDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

export interface CheckpointContents<M = unknown> {
  readonly step: number;
  readonly tensors: readonly CheckpointTensor[];
  /** Everything else a resume needs, as JSON (config, RNG and sampler state, trainer counters). */
  readonly meta: M;
}

interface TensorEntry {
  name: string;
  dtype: CheckpointDType;
  shape: number[];
  offset: number;
  bytes: number;
}

interface Header {
  format: 'lmkit-checkpoint';
  version: number;
  step: number;
  tensors: TensorEntry[];
  meta: unknown;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;
const BYTES: Record<CheckpointDType, number> = { f32: 4, f64: 8, i32: 4 };

/** Writes a checkpoint atomically. */
export function writeCheckpoint(path: string, c: CheckpointContents): void {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of c.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new FileFormatError(path, `tensor '${t.name}' has ${t.data.length} elements for shape [${t.shape}]`);
    const bytes = t.data.byteLength;
    entries.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], offset, bytes });
    offset = align8(offset + bytes);
  }
  const header: Header = { format: 'lmkit-checkpoint', version: CHECKPOINT_VERSION, step: c.step, tensors: entries, meta: c.meta };
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json);
  json += ' '.repeat(align8(jsonBytes) - jsonBytes);
  const headerBuf = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(CHECKPOINT_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(CHECKPOINT_VERSION, 8);
  prefix.writeUInt32LE(headerBuf.byteLength, 12);
  const chunks: Uint8Array[] = [prefix, headerBuf];
  c.tensors.forEach((t, i) => {
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    const pad = (i + 1 < entries.length ? entries[i + 1]!.offset : offset) - (entries[i]!.offset + entries[i]!.bytes);
    if (pad > 0) chunks.push(new Uint8Array(pad));
  });
  const hash = createHash('sha256');
  for (const ch of chunks) hash.update(ch);
  chunks.push(hash.digest());
  writeFileAtomicSync(path, chunks);
}

function readExact(fd: number, buf: Uint8Array, position: number, path: string): void {
  let got = 0;
  while (got < buf.byteLength) {
    const r = readSync(fd, buf, got, buf.byteLength - got, position + got);
    if (r === 0) throw new FileFormatError(path, 'unexpected end of file; the checkpoint is truncated');
    got += r;
  }
}

/**
 * Reads and verifies a checkpoint: magic, version, size and sha256 before any
 * tensor is returned. Throws FileFormatError saying what is wrong.
 */
export function readCheckpoint<M = unknown>(path: string): CheckpointContents<M> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < PREFIX + TRAILER) throw new FileFormatError(path, `is ${size} bytes, too short to be a checkpoint; it is truncated`);
    const prefix = Buffer.alloc(PREFIX);
    readExact(fd, prefix, 0, path);
    if (prefix.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) throw new FileFormatError(path, 'is not an lmkit checkpoint (bad magic)');
    const version = prefix.readUInt32LE(8);
    if (version !== CHECKPOINT_VERSION) throw new FileFormatError(path, `checkpoint version ${version} is not supported (expected ${CHECKPOINT_VERSION})`);
    const H = prefix.readUInt32LE(12);
    if (PREFIX + H + TRAILER > size) throw new FileFormatError(path, `header of ${H} bytes does not fit in ${size} bytes; the checkpoint is truncated`);
    const headerBuf = Buffer.alloc(H);
    readExact(fd, headerBuf, PREFIX, path);
    let header: Header;
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as Header;
    } catch {
      throw new FileFormatError(path, 'header is not valid JSON; the checkpoint is corrupt');
    }
    if (header.format !== 'lmkit-checkpoint' || !Array.isArray(header.tensors)) throw new FileFormatError(path, 'header is not an lmkit checkpoint header');
    const last = header.tensors[header.tensors.length - 1];
    const dataBytes = last ? align8(last.offset + last.bytes) : 0;
    const expected = PREFIX + H + dataBytes + TRAILER;
    if (size !== expected) {
      throw new FileFormatError(path, `is ${size} bytes but its header describes ${expected}; the checkpoint is ${size < expected ? 'truncated' : 'corrupt (trailing bytes)'}`);
    }
    // Verify the checksum over everything before the trailer, streaming.
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 22);
    let pos = 0;
    const end = size - TRAILER;
    while (pos < end) {
      const n = Math.min(chunk.byteLength, end - pos);
      readExact(fd, chunk.subarray(0, n), pos, path);
      hash.update(chunk.subarray(0, n));
      pos += n;
    }
    const stored = Buffer.alloc(TRAILER);
    readExact(fd, stored, end, path);
    if (!hash.digest().equals(stored)) throw new FileFormatError(path, 'checksum mismatch: the checkpoint is corrupt');
    const tensors = header.tensors.map((e): CheckpointTensor => {
      const bpe = BYTES[e.dtype];
      if (!bpe) throw new FileFormatError(path, `unknown dtype '${e.dtype}'`, `tensors.${e.name}`);
      const n = e.shape.reduce((a, b) => a * b, 1);
      if (n * bpe !== e.bytes) throw new FileFormatError(path, `${e.bytes} bytes do not hold ${e.dtype} [${e.shape}]`, `tensors.${e.name}`);
      const data = e.dtype === 'f32' ? new Float32Array(n) : e.dtype === 'f64' ? new Float64Array(n) : new Int32Array(n);
      readExact(fd, new Uint8Array(data.buffer), PREFIX + H + e.offset, path);
      return { name: e.name, dtype: e.dtype, shape: e.shape, data };
    });
    return { step: header.step, tensors, meta: header.meta as M };
  } finally {
    closeSync(fd);
  }
}
