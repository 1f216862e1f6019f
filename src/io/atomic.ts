/**
 * Atomic file output: write to a temp file beside the target, fsync, rename.
 * A reader never sees a half-written file, and a crash leaves the old file intact.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/** Writes `chunks` to `target` atomically (temp file, fsync, rename). */
export function writeFileAtomicSync(target: string, chunks: Uint8Array | string | readonly (Uint8Array | string)[]): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPath(target);
  const fd = openSync(tmp, 'w');
  try {
    const list = Array.isArray(chunks) ? chunks : [chunks as Uint8Array | string];
    for (const c of list) {
      const buf = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      let off = 0;
      while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Async form of `writeFileAtomicSync`; `write` receives the open file handle and writes the content. */
export async function writeFileAtomic(
  target: string,
  write: (fh: import('node:fs/promises').FileHandle) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPath(target);
  const fh = await open(tmp, 'w');
  try {
    await write(fh);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
