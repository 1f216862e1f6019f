/**
 * Positional reads straight into a destination typed array.
 *
 * Node has no mmap, so tensor data is read with `fs.readSync(fd, view, 0, n,
 * position)` directly into the array that will hold the weights: no
 * intermediate Buffer, no copy of the file in the heap. Peak memory while
 * loading is therefore the weights themselves plus a fixed window for headers.
 * Reads are split into chunks because one `read(2)` call is capped near 2 GiB.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { FileFormatError, UnsupportedError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';

const CHUNK = 1 << 28;

/** Fills `dst` from file position `position`, erroring (naming `field`) if the file ends early. */
export function readExactInto(fd: number, file: string, dst: ArrayBufferView, position: number, field: string): void {
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  let done = 0;
  while (done < bytes.byteLength) {
    const n = Math.min(CHUNK, bytes.byteLength - done);
    const r = readSync(fd, bytes, done, n, position + done);
    if (r === 0) {
      throw new FileFormatError(
        file,
        `file ends at offset ${position + done}, ${bytes.byteLength - done} bytes short (truncated file?)`,
        field,
      );
    }
    done += r;
  }
}

/** Opens `file` read-only, runs `fn(fd, size)`, and closes it again. */
export function withFile<T>(file: string, fn: (fd: number, size: number) => T): T {
  const fd = openSync(file, 'r');
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** The typed arrays hold file bytes as-is, so the host must be little-endian like the formats. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new UnsupportedError('io', 'reading tensor files needs a little-endian host');
}

/** A byte view of any typed array. */
export function bytesOf(a: TypedArray | ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
