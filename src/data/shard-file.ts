/**
 * Token shards: the binary files the data pipeline writes once and every run
 * reads. One file holds a run of token ids and the index of the documents
 * that start in it.
 *
 *   offset 0   magic "LMKSHARD" (8 bytes)
 *          8   u32 format version (1)
 *         12   u32 bytes per token: 2 (uint16, vocab <= 65535) or 4 (uint32)
 *         16   u64 number of tokens N
 *         24   u64 number of document starts D
 *         32   u32 vocabulary size
 *         36   u32 crc32 of the token bytes
 *         40   u32 crc32 of the index bytes
 *         44   20 bytes reserved (zero)
 *         64   N token ids, little-endian
 *              zero padding to a multiple of 8
 *              D u64 token offsets (within this shard) where a document starts
 *
 * A document may begin in one shard and continue in the next; every document
 * ends with the EOS id. Files are written to a temp name, fsynced and renamed.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FileFormatError } from '../errors.js';

export const SHARD_MAGIC = 'LMKSHARD';
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 64;

/** 2 bytes per id when every id fits in uint16, else 4. */
export function bytesPerToken(vocabSize: number): 2 | 4 {
  return vocabSize <= 65535 ? 2 : 4;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

export interface ShardHeader {
  readonly version: number;
  readonly bytesPerToken: 2 | 4;
  readonly numTokens: number;
  readonly numDocs: number;
  readonly vocabSize: number;
  readonly tokensCrc: number;
  readonly indexCrc: number;
}

function encodeHeader(h: ShardHeader): Buffer {
  const b = Buffer.alloc(SHARD_HEADER_BYTES);
  b.write(SHARD_MAGIC, 0, 'ascii');
  b.writeUInt32LE(h.version, 8);
  b.writeUInt32LE(h.bytesPerToken, 12);
  b.writeBigUInt64LE(BigInt(h.numTokens), 16);
  b.writeBigUInt64LE(BigInt(h.numDocs), 24);
  b.writeUInt32LE(h.vocabSize, 32);
  b.writeUInt32LE(h.tokensCrc, 36);
  b.writeUInt32LE(h.indexCrc, 40);
  return b;
}

/** Streams token ids into a new shard file; nothing appears at `path` until `finish()`. */
export class ShardWriter {
  readonly tmp: string;
  private fd: number;
  private readonly buf: Uint16Array | Uint32Array;
  private fill = 0;
  private tokens = 0;
  private tokensCrc = 0;
  private readonly docStarts: number[] = [];
  private done = false;

  constructor(
    readonly path: string,
    readonly vocabSize: number,
    bufferTokens = 1 << 20,
  ) {
    this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    this.fd = openSync(this.tmp, 'w');
    this.buf = bytesPerToken(vocabSize) === 2 ? new Uint16Array(bufferTokens) : new Uint32Array(bufferTokens);
    writeAll(this.fd, Buffer.alloc(SHARD_HEADER_BYTES));
  }

  get numTokens(): number {
    return this.tokens + this.fill;
  }

  get numDocs(): number {
    return this.docStarts.length;
  }

  /** Marks that a document starts at the next token written. */
  startDocument(): void {
    this.docStarts.push(this.numTokens);
  }

  write(ids: Int32Array | readonly number[]): void {
    let off = 0;
    while (off < ids.length) {
      if (this.fill === this.buf.length) this.flush();
      const n = Math.min(ids.length - off, this.buf.length - this.fill);
      if (ids instanceof Int32Array) this.buf.set(ids.subarray(off, off + n), this.fill);
      else for (let i = 0; i < n; i++) this.buf[this.fill + i] = ids[off + i]!;
      this.fill += n;
      off += n;
    }
  }

  private flush(): void {
    if (this.fill === 0) return;
    const bytes = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.fill * this.buf.BYTES_PER_ELEMENT);
    this.tokensCrc = crc32(bytes, this.tokensCrc);
    writeAll(this.fd, bytes);
    this.tokens += this.fill;
    this.fill = 0;
  }

  /** Writes the index and header, fsyncs and renames into place. Returns the header. */
  finish(): ShardHeader {
    this.flush();
    const bpt = this.buf.BYTES_PER_ELEMENT as 2 | 4;
    const tokenBytes = this.tokens * bpt;
    writeAll(this.fd, Buffer.alloc(align8(tokenBytes) - tokenBytes));
    const index = Buffer.alloc(8 * this.docStarts.length);
    this.docStarts.forEach((s, i) => index.writeBigUInt64LE(BigInt(s), 8 * i));
    writeAll(this.fd, index);
    const header: ShardHeader = {
      version: SHARD_VERSION,
      bytesPerToken: bpt,
      numTokens: this.tokens,
      numDocs: this.docStarts.length,
      vocabSize: this.vocabSize,
      tokensCrc: this.tokensCrc,
      indexCrc: crc32(index),
    };
    writeSync(this.fd, encodeHeader(header), 0, SHARD_HEADER_BYTES, 0);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.done = true;
    renameSync(this.tmp, this.path);
    return header;
  }

  /** Removes the temp file (after an error). Idempotent. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.byteLength) off += writeSync(fd, b, off, b.byteLength - off);
}

/** A shard opened for reading: positional reads of token ranges, the document index on demand. */
export class TokenShard {
  readonly header: ShardHeader;
  private fd: number | null;
  private scratch = Buffer.alloc(0);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.header = this.readHeader();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private readHeader(): ShardHeader {
    const fd = this.fd!;
    const size = fstatSync(fd).size;
    if (size < SHARD_HEADER_BYTES) throw new FileFormatError(this.path, `is ${size} bytes, shorter than a shard header; the file is truncated`);
    const b = Buffer.alloc(SHARD_HEADER_BYTES);
    readSync(fd, b, 0, SHARD_HEADER_BYTES, 0);
    if (b.toString('ascii', 0, 8) !== SHARD_MAGIC) throw new FileFormatError(this.path, 'is not an lmkit token shard (bad magic)');
    const version = b.readUInt32LE(8);
    if (version !== SHARD_VERSION) throw new FileFormatError(this.path, `shard format version ${version} is not supported (expected ${SHARD_VERSION})`);
    const bpt = b.readUInt32LE(12);
    if (bpt !== 2 && bpt !== 4) throw new FileFormatError(this.path, `${bpt} bytes per token; expected 2 or 4`, 'header');
    const h: ShardHeader = {
      version,
      bytesPerToken: bpt,
      numTokens: Number(b.readBigUInt64LE(16)),
      numDocs: Number(b.readBigUInt64LE(24)),
      vocabSize: b.readUInt32LE(32),
      tokensCrc: b.readUInt32LE(36),
      indexCrc: b.readUInt32LE(40),
    };
    const expected = SHARD_HEADER_BYTES + align8(h.numTokens * bpt) + 8 * h.numDocs;
    if (size !== expected) {
      throw new FileFormatError(this.path, `is ${size} bytes but its header describes ${expected} (${h.numTokens} tokens, ${h.numDocs} documents); the file is truncated or corrupt`);
    }
    return h;
  }

  get numTokens(): number {
    return this.header.numTokens;
  }

  /** Reads `count` ids starting at token `start` into out[outOffset...]. */
  read(start: number, count: number, out: Int32Array, outOffset = 0): void {
    const bpt = this.header.bytesPerToken;
    const nbytes = count * bpt;
    if (this.scratch.byteLength < nbytes) this.scratch = Buffer.alloc(Math.max(nbytes, 4096));
    let got = 0;
    while (got < nbytes) {
      const r = readSync(this.fdOrThrow(), this.scratch, got, nbytes - got, SHARD_HEADER_BYTES + start * bpt + got);
      if (r === 0) throw new FileFormatError(this.path, `unexpected end of file reading tokens ${start}..${start + count}`);
      got += r;
    }
    const s = this.scratch;
    if (bpt === 2) for (let i = 0; i < count; i++) out[outOffset + i] = s[2 * i]! | (s[2 * i + 1]! << 8);
    else for (let i = 0; i < count; i++) out[outOffset + i] = s.readUInt32LE(4 * i);
  }

  /** Token offsets where documents start. */
  docStarts(): number[] {
    const { numTokens, numDocs, bytesPerToken: bpt } = this.header;
    const b = Buffer.alloc(8 * numDocs);
    if (numDocs) readSync(this.fdOrThrow(), b, 0, b.byteLength, SHARD_HEADER_BYTES + align8(numTokens * bpt));
    return Array.from({ length: numDocs }, (_, i) => Number(b.readBigUInt64LE(8 * i)));
  }

  /** Recomputes both checksums (reads the whole file); throws FileFormatError on a mismatch. */
  verify(): void {
    const { numTokens, numDocs, bytesPerToken: bpt } = this.header;
    const chunk = Buffer.alloc(1 << 22);
    let crc = 0;
    let pos = SHARD_HEADER_BYTES;
    const end = SHARD_HEADER_BYTES + numTokens * bpt;
    while (pos < end) {
      const r = readSync(this.fdOrThrow(), chunk, 0, Math.min(chunk.byteLength, end - pos), pos);
      crc = crc32(chunk.subarray(0, r), crc);
      pos += r;
    }
    if (crc !== this.header.tokensCrc) throw new FileFormatError(this.path, 'token checksum mismatch; the shard is corrupt, prepare the data again');
    const idx = Buffer.alloc(8 * numDocs);
    if (numDocs) readSync(this.fdOrThrow(), idx, 0, idx.byteLength, SHARD_HEADER_BYTES + align8(numTokens * bpt));
    if (crc32(idx) !== this.header.indexCrc) throw new FileFormatError(this.path, 'index checksum mismatch; the shard is corrupt, prepare the data again');
  }

  private fdOrThrow(): number {
    if (this.fd === null) throw new FileFormatError(this.path, 'shard is closed');
    return this.fd;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
