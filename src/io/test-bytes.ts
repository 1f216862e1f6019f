/**
 * Test helper: builds little-endian byte strings by hand, so format tests can
 * check the readers against layouts written independently of lmkit's writers.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Bytes {
  private parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(...v: number[]): this {
    for (const x of v) this.parts.push(x & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.u8(...b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.u8(...b);
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.u8(...b);
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.u8(...b);
  }
  f64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.u8(...b);
  }
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.u8(...b);
  }
  i64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v));
    return this.u8(...b);
  }
  /** A GGUF string: u64 length + UTF-8 bytes. */
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u64(b.length).u8(...b);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]! & 0xff);
    return this;
  }
  padTo(align: number): this {
    while (this.parts.length % align) this.parts.push(0);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A fresh temp folder and a function that removes it. */
export function tempDir(prefix = 'lmkit-io-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The shared third-party test data folder: `<repo>/../shared/data`, or one level
 * further up for a git worktree kept in a sibling folder. Undefined when absent.
 */
export function sharedDataDir(): string | undefined {
  for (const rel of ['../../../shared/data/', '../../../../shared/data/']) {
    const p = new URL(rel, import.meta.url).pathname;
    if (existsSync(p)) return p;
  }
  return undefined;
}
