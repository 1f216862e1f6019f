/**
 * Reading typed values out of a GGUF file's metadata, with errors that name
 * the file and the key: a missing required key, a value of the wrong kind,
 * a per-layer array where lmkit needs one value for every layer.
 */
import { FileFormatError, UnsupportedError } from '../../errors.js';
import type { GgufValue } from '../../io/gguf-types.js';

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `an array of ${(v as unknown as ArrayLike<unknown>).length}`;
  return `${typeof v} ${String(v)}`;
}

export class GgufMeta {
  constructor(
    readonly metadata: Readonly<Record<string, GgufValue>>,
    /** The file, for error messages. */
    readonly source: string,
  ) {}

  has(key: string): boolean {
    return this.metadata[key] !== undefined;
  }

  fail(key: string, detail: string): never {
    throw new FileFormatError(this.source, detail, key);
  }

  /** A non-negative integer; a per-layer array is accepted when all its entries are equal. */
  uint(key: string): number;
  uint(key: string, optional: 'optional'): number | undefined;
  uint(key: string, optional?: 'optional'): number | undefined {
    const v = this.metadata[key];
    if (v === undefined) {
      if (optional) return undefined;
      this.fail(key, 'missing; this key is required to build the model');
    }
    const n = this.integer(key, v);
    if (n < 0) this.fail(key, `expected a non-negative integer, got ${n}`);
    return n;
  }

  private integer(key: string, v: GgufValue): number {
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(key, `${v} is out of range`);
      return Number(v);
    }
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (ArrayBuffer.isView(v) || Array.isArray(v)) {
      const arr = Array.from(v as ArrayLike<number | bigint>, (x) => Number(x));
      if (arr.length === 0) this.fail(key, 'is an empty array');
      if (arr.some((x) => x !== arr[0])) {
        throw new UnsupportedError(this.source, `${key}: per-layer values (${[...new Set(arr)].join(', ')}) are not supported; lmkit models use one value for every layer`);
      }
      return this.integer(key, arr[0]!);
    }
    this.fail(key, `expected an integer, got ${describe(v)}`);
  }

  /** A finite number. */
  float(key: string): number;
  float(key: string, optional: 'optional'): number | undefined;
  float(key: string, optional?: 'optional'): number | undefined {
    const v = this.metadata[key];
    if (v === undefined) {
      if (optional) return undefined;
      this.fail(key, 'missing; this key is required to build the model');
    }
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(key, `expected a number, got ${describe(v)}`);
    return n;
  }

  string(key: string): string;
  string(key: string, optional: 'optional'): string | undefined;
  string(key: string, optional?: 'optional'): string | undefined {
    const v = this.metadata[key];
    if (v === undefined) {
      if (optional) return undefined;
      this.fail(key, 'missing; this key is required to build the model');
    }
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  /** A token id, or null when absent or -1 (llama.cpp's "none", written as u32 0xffffffff). */
  tokenId(key: string): number | null {
    const v = this.metadata[key];
    if (v === undefined) return null;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) this.fail(key, `expected a token id, got ${describe(v)}`);
    return n < 0 || n === 0xffffffff ? null : n;
  }
}
