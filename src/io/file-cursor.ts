/**
 * A buffered, bounds-checked little-endian reader over an open file descriptor.
 *
 * File headers (GGUF metadata, safetensors JSON) are parsed through this cursor
 * so that only the header bytes pass through the JS heap: it keeps one window of
 * the file (1 MiB by default) and refills it with positional reads. Every read
 * checks the remaining file size first, so a truncated file or a bogus length
 * field becomes a `FileFormatError` naming the field, never a RangeError or a
 * multi-gigabyte allocation.
 */
import { readSync } from 'node:fs';
import { FileFormatError } from '../errors.js';

const WINDOW = 1 << 20;

export class FileCursor {
  readonly file: string;
  readonly size: number;
  private readonly fd: number;
  private buf: Buffer;
  /** File position of buf[0]. */
  private bufStart = 0;
  /** Valid bytes in buf. */
  private bufLen = 0;
  /** Current file position. */
  pos: number;

  constructor(file: string, fd: number, size: number, start = 0) {
    this.file = file;
    this.fd = fd;
    this.size = size;
    this.pos = start;
    this.buf = Buffer.allocUnsafe(Math.min(WINDOW, Math.max(size, 64)));
  }

  remaining(): number {
    return this.size - this.pos;
  }

  /** Throws unless `n` more bytes exist; `field` names what was being read. */
  need(n: number, field: string): void {
    if (n > this.size - this.pos) {
      throw new FileFormatError(
        this.file,
        `needs ${n} bytes at offset ${this.pos} but the file ends at ${this.size} (truncated file?)`,
        field,
      );
    }
  }

  /** Makes `n` bytes at the cursor available in `buf` and returns their index in it. */
  private ensure(n: number, field: string): number {
    this.need(n, field);
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.bufLen) return rel;
    if (n > this.buf.byteLength) this.buf = Buffer.allocUnsafe(Math.max(n, WINDOW));
    const want = Math.min(this.buf.byteLength, this.size - this.pos);
    let got = 0;
    while (got < want) {
      const r = readSync(this.fd, this.buf, got, want - got, this.pos + got);
      if (r === 0) break;
      got += r;
    }
    this.bufStart = this.pos;
    this.bufLen = got;
    if (got < n) throw new FileFormatError(this.file, `unexpected end of file at offset ${this.pos + got}`, field);
    return 0;
  }

  u8(field: string): number {
    const i = this.ensure(1, field);
    this.pos += 1;
    return this.buf[i]!;
  }
  i8(field: string): number {
    const i = this.ensure(1, field);
    this.pos += 1;
    return this.buf.readInt8(i);
  }
  u16(field: string): number {
    const i = this.ensure(2, field);
    this.pos += 2;
    return this.buf.readUInt16LE(i);
  }
  i16(field: string): number {
    const i = this.ensure(2, field);
    this.pos += 2;
    return this.buf.readInt16LE(i);
  }
  u32(field: string): number {
    const i = this.ensure(4, field);
    this.pos += 4;
    return this.buf.readUInt32LE(i);
  }
  i32(field: string): number {
    const i = this.ensure(4, field);
    this.pos += 4;
    return this.buf.readInt32LE(i);
  }
  f32(field: string): number {
    const i = this.ensure(4, field);
    this.pos += 4;
    return this.buf.readFloatLE(i);
  }
  f64(field: string): number {
    const i = this.ensure(8, field);
    this.pos += 8;
    return this.buf.readDoubleLE(i);
  }
  u64(field: string): bigint {
    const i = this.ensure(8, field);
    this.pos += 8;
    return this.buf.readBigUInt64LE(i);
  }
  i64(field: string): bigint {
    const i = this.ensure(8, field);
    this.pos += 8;
    return this.buf.readBigInt64LE(i);
  }

  /** A u64 that must be a safe JS integer (a count, length or offset). */
  u64Number(field: string): number {
    const v = this.u64(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new FileFormatError(this.file, `value ${v} is too large (corrupt header?)`, field);
    }
    return Number(v);
  }

  /** Copies `n` bytes at the cursor into `dst` (a view the caller owns) and advances. */
  bytesInto(dst: Uint8Array, field: string): void {
    const n = dst.byteLength;
    this.need(n, field);
    let done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, this.buf.byteLength);
      const i = this.ensure(chunk, field);
      dst.set(this.buf.subarray(i, i + chunk), done);
      this.pos += chunk;
      done += chunk;
    }
  }

  /** Reads `n` bytes as strict UTF-8; invalid sequences are a FileFormatError. */
  utf8(n: number, field: string): string {
    this.need(n, field);
    if (n <= this.buf.byteLength) {
      const i = this.ensure(n, field);
      this.pos += n;
      return decodeUtf8(this.buf.subarray(i, i + n), this.file, field);
    }
    const tmp = new Uint8Array(n);
    this.bytesInto(tmp, field);
    return decodeUtf8(tmp, this.file, field);
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array, file: string, field: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new FileFormatError(file, 'is not valid UTF-8', field);
  }
}
