/** Small typed readers for tokenizer JSON files: each failure names the file and the field. */
import { FileFormatError } from '../errors.js';

export type Json = Record<string, unknown>;

export class JsonReader {
  constructor(readonly source: string) {}

  fail(field: string, detail: string): never {
    throw new FileFormatError(this.source, detail, field);
  }

  obj(v: unknown, field: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `expected an object, got ${describe(v)}`);
    return v as Json;
  }

  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${describe(v)}`);
    return v;
  }

  optStr(v: unknown, field: string): string | undefined {
    return v === undefined || v === null ? undefined : this.str(v, field);
  }

  num(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a number, got ${describe(v)}`);
    return v;
  }

  int(v: unknown, field: string): number {
    const n = this.num(v, field);
    if (!Number.isInteger(n) || n < 0) this.fail(field, `expected a non-negative integer, got ${n}`);
    return n;
  }

  bool(v: unknown, field: string, dflt: boolean): boolean {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${describe(v)}`);
    return v;
  }

  arr(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `expected an array, got ${describe(v)}`);
    return v;
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
