/**
 * GGUF's type tables: the ggml tensor types (with their block geometry, so that
 * any tensor's byte size can be computed even when lmkit cannot decode it) and
 * the metadata value types, plus the typed-value wrapper writers use to force a
 * value's type (llama.cpp expects e.g. `general.alignment` as u32, not i32).
 *
 * Numbers follow ggml.h `enum ggml_type` and gguf.h `enum gguf_type`.
 */
import type { DType } from '../tensor/dtype.js';

export interface GgmlTypeInfo {
  readonly id: number;
  /** ggml's name, e.g. 'Q4_K'. */
  readonly name: string;
  /** Elements per block (1 for plain types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
  /** The lmkit dtype that holds this type unchanged, if any. */
  readonly dtype?: DType;
}

const table: GgmlTypeInfo[] = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4, dtype: 'f32' },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2, dtype: 'f16' },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 18, dtype: 'q4_0' },
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 20 },
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 22 },
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 24 },
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 34, dtype: 'q8_0' },
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 36 },
  { id: 10, name: 'Q2_K', blockSize: 256, typeSize: 84 },
  { id: 11, name: 'Q3_K', blockSize: 256, typeSize: 110 },
  { id: 12, name: 'Q4_K', blockSize: 256, typeSize: 144, dtype: 'q4_k' },
  { id: 13, name: 'Q5_K', blockSize: 256, typeSize: 176 },
  { id: 14, name: 'Q6_K', blockSize: 256, typeSize: 210, dtype: 'q6_k' },
  { id: 15, name: 'Q8_K', blockSize: 256, typeSize: 292 },
  { id: 16, name: 'IQ2_XXS', blockSize: 256, typeSize: 66 },
  { id: 17, name: 'IQ2_XS', blockSize: 256, typeSize: 74 },
  { id: 18, name: 'IQ3_XXS', blockSize: 256, typeSize: 98 },
  { id: 19, name: 'IQ1_S', blockSize: 256, typeSize: 50 },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 18 },
  { id: 21, name: 'IQ3_S', blockSize: 256, typeSize: 110 },
  { id: 22, name: 'IQ2_S', blockSize: 256, typeSize: 82 },
  { id: 23, name: 'IQ4_XS', blockSize: 256, typeSize: 136 },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1 },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2 },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4, dtype: 'i32' },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8 },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8, dtype: 'f64' },
  { id: 29, name: 'IQ1_M', blockSize: 256, typeSize: 56 },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2, dtype: 'bf16' },
  { id: 34, name: 'TQ1_0', blockSize: 256, typeSize: 54 },
  { id: 35, name: 'TQ2_0', blockSize: 256, typeSize: 66 },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 17 },
  { id: 40, name: 'NVFP4', blockSize: 64, typeSize: 36 },
  { id: 41, name: 'Q1_0', blockSize: 128, typeSize: 18 },
  { id: 42, name: 'Q2_0', blockSize: 64, typeSize: 18 },
];

export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(table.map((t) => [t.id, t]));

/** The ggml type id for each lmkit dtype that GGUF can store. */
export const GGML_TYPE_OF_DTYPE: Partial<Record<DType, number>> = Object.fromEntries(
  table.filter((t) => t.dtype).map((t) => [t.dtype!, t.id]),
);

// ---- metadata value types ----

export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';
/** A metadata value's type: a scalar type or an array of some type (arrays may nest). */
export type GgufType = GgufScalarType | { readonly array: GgufType };

export const GGUF_VALUE_TYPE_IDS: Record<GgufScalarType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};

export const GGUF_VALUE_TYPE_NAMES: ReadonlyMap<number, GgufScalarType | 'array'> = new Map(
  Object.entries(GGUF_VALUE_TYPE_IDS).map(([k, v]) => [v, k as GgufScalarType | 'array']),
);

/**
 * A metadata value as read: strings, numbers, booleans; bigint only for 64-bit
 * integers outside ±2^53; string arrays as string[]; numeric arrays as typed
 * arrays (u64/i64 arrays as BigUint64Array/BigInt64Array); bool arrays as
 * boolean[]; arrays of arrays as JS arrays.
 */
export type GgufValue =
  | string
  | number
  | bigint
  | boolean
  | string[]
  | boolean[]
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | GgufValue[];

/** A value whose GGUF type is fixed by the writer rather than inferred. */
export class GgufTyped {
  constructor(
    readonly type: GgufType,
    readonly value: GgufValue | readonly (number | bigint | boolean | string | GgufValue)[],
  ) {}
}

/** Helpers to force a metadata value's type: `gguf.u32(4096)`, `gguf.array('f32', scores)`. */
export const gguf = {
  u8: (v: number) => new GgufTyped('u8', v),
  i8: (v: number) => new GgufTyped('i8', v),
  u16: (v: number) => new GgufTyped('u16', v),
  i16: (v: number) => new GgufTyped('i16', v),
  u32: (v: number) => new GgufTyped('u32', v),
  i32: (v: number) => new GgufTyped('i32', v),
  f32: (v: number) => new GgufTyped('f32', v),
  f64: (v: number) => new GgufTyped('f64', v),
  u64: (v: number | bigint) => new GgufTyped('u64', v),
  i64: (v: number | bigint) => new GgufTyped('i64', v),
  bool: (v: boolean) => new GgufTyped('bool', v),
  string: (v: string) => new GgufTyped('string', v),
  array: (elem: GgufType, v: GgufValue | readonly (number | bigint | boolean | string | GgufValue)[]) =>
    new GgufTyped({ array: elem }, v),
  typed: (type: GgufType, v: GgufValue) => new GgufTyped(type, v),
};

/** 'u32', 'array<string>', 'array<array<i32>>'. */
export function formatGgufType(t: GgufType): string {
  return typeof t === 'string' ? t : `array<${formatGgufType(t.array)}>`;
}
