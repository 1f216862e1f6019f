/**
 * Data types.
 *
 * Compute happens in f32 (and f64 on the js backend, for gradient checks).
 * f16 and bf16 are storage types: weights stay 2 bytes in memory and are
 * converted when read. i32 holds token ids and indices. The block-quantized
 * types use GGUF's block layouts (ggml-common.h): a tensor of shape (N, K) is
 * N rows of K/32 (or K/256) blocks, and only matmul-as-weight, embedding lookup
 * and casts accept them.
 */

export type FloatDType = 'f32' | 'f64';
export type StorageOnlyDType = 'f16' | 'bf16';
export type IntDType = 'i32' | 'u8';
export type QuantDType = 'q8_0' | 'q4_0' | 'q4_k' | 'q6_k';
export type DType = FloatDType | StorageOnlyDType | IntDType | QuantDType;

export type TypedArray = Float32Array | Float64Array | Uint16Array | Int32Array | Uint8Array;

/** The typed array each dtype is stored in. */
export interface DTypeInfo {
  readonly name: DType;
  /** Bytes per element; for block-quantized types, bytes per block. */
  readonly bytes: number;
  /** Elements per block (1 for unquantized types). */
  readonly blockSize: number;
  readonly array: 'Float32Array' | 'Float64Array' | 'Uint16Array' | 'Int32Array' | 'Uint8Array';
  readonly isFloat: boolean;
}

export const DTYPES: Record<DType, DTypeInfo> = {
  f32: { name: 'f32', bytes: 4, blockSize: 1, array: 'Float32Array', isFloat: true },
  f64: { name: 'f64', bytes: 8, blockSize: 1, array: 'Float64Array', isFloat: true },
  f16: { name: 'f16', bytes: 2, blockSize: 1, array: 'Uint16Array', isFloat: true },
  bf16: { name: 'bf16', bytes: 2, blockSize: 1, array: 'Uint16Array', isFloat: true },
  i32: { name: 'i32', bytes: 4, blockSize: 1, array: 'Int32Array', isFloat: false },
  u8: { name: 'u8', bytes: 1, blockSize: 1, array: 'Uint8Array', isFloat: false },
  // GGUF block layouts: q8_0 = f16 scale + 32 x int8; q4_0 = f16 scale + 16 bytes of nibbles;
  // q4_k and q6_k are 256-element super-blocks (144 and 210 bytes).
  q8_0: { name: 'q8_0', bytes: 34, blockSize: 32, array: 'Uint8Array', isFloat: false },
  q4_0: { name: 'q4_0', bytes: 18, blockSize: 32, array: 'Uint8Array', isFloat: false },
  q4_k: { name: 'q4_k', bytes: 144, blockSize: 256, array: 'Uint8Array', isFloat: false },
  q6_k: { name: 'q6_k', bytes: 210, blockSize: 256, array: 'Uint8Array', isFloat: false },
};

export function isQuantized(d: DType): d is QuantDType {
  return DTYPES[d].blockSize > 1;
}

/** Number of storage elements (typed-array length) for `numel` logical elements of dtype `d`. */
export function storageLength(d: DType, numel: number): number {
  const info = DTYPES[d];
  if (info.blockSize === 1) return numel;
  return (numel / info.blockSize) * info.bytes;
}

/** Bytes taken by `numel` logical elements of dtype `d`. */
export function byteLength(d: DType, numel: number): number {
  const info = DTYPES[d];
  return info.blockSize === 1 ? numel * info.bytes : (numel / info.blockSize) * info.bytes;
}

export function allocArray(d: DType, length: number): TypedArray {
  switch (DTYPES[d].array) {
    case 'Float32Array':
      return new Float32Array(length);
    case 'Float64Array':
      return new Float64Array(length);
    case 'Uint16Array':
      return new Uint16Array(length);
    case 'Int32Array':
      return new Int32Array(length);
    case 'Uint8Array':
      return new Uint8Array(length);
  }
}

// ---- f16 / bf16 conversion (scalar reference; the native backend has vector versions) ----

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE half (binary16) bits to a number. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A number to IEEE half bits, rounding to nearest even. */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function bf16ToF32(b: number): number {
  u32buf[0] = b << 16;
  return f32buf[0]!;
}

/** A number to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function f32ToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
