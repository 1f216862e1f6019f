/**
 * Reference (scalar) quantization for GGUF's Q8_0 and Q4_0 block formats, and
 * the row·vector dot products the native backend's SIMD kernels are checked
 * against. Q4_K and Q6_K live in quant-k.ts.
 *
 * Block layouts (ggml-common.h), little-endian:
 *   Q8_0: 34 bytes per 32 values: f16 d, then 32 x int8 q;          x = d * q
 *   Q4_0: 18 bytes per 32 values: f16 d, then 16 bytes of nibbles;   x = d * (q - 8)
 *         byte j holds value j in its low nibble and value j+16 in its high nibble.
 *
 * The arithmetic follows ggml's reference functions (quantize_row_q8_0_ref,
 * quantize_row_q4_0_ref, ggml_vec_dot_*_generic) operation by operation in
 * float32 (`Math.fround` after each step), so the bytes match what ggml's
 * reference code writes.
 */
import { InvalidArgumentError } from '../errors.js';
import { f16ToF32, f32ToF16 } from '../tensor/dtype.js';

export const f = Math.fround;
export const QK = 32;
export const Q8_0_BYTES = 34;
export const Q4_0_BYTES = 18;

/** C's roundf: halves away from zero. */
function roundAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

export function checkLength(op: string, n: number, block: number): void {
  if (n % block !== 0) throw new InvalidArgumentError(op, 'x', `length ${n} is not a multiple of the block size ${block}`);
}

export function outBlocks(op: string, out: Uint8Array | undefined, bytes: number): Uint8Array {
  if (!out) return new Uint8Array(bytes);
  if (out.byteLength !== bytes) throw new InvalidArgumentError(op, 'out', `needs ${bytes} bytes, got ${out.byteLength}`);
  return out;
}

export function outFloats(op: string, out: Float32Array | undefined, n: number): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new InvalidArgumentError(op, 'out', `needs ${n} values, got ${out.length}`);
  return out;
}

export function blockCount(op: string, blocks: Uint8Array, bytes: number): number {
  if (blocks.byteLength % bytes !== 0) throw new InvalidArgumentError(op, 'blocks', `${blocks.byteLength} bytes is not a whole number of ${bytes}-byte blocks`);
  return blocks.byteLength / bytes;
}

function readF16(b: Uint8Array, at: number): number {
  return f16ToF32(b[at]! | (b[at + 1]! << 8));
}

function writeF16(b: Uint8Array, at: number, v: number): void {
  const h = f32ToF16(v);
  b[at] = h & 0xff;
  b[at + 1] = h >> 8;
}

/** Quantizes `x` (length a multiple of 32) to Q8_0 blocks, as quantize_row_q8_0_ref. */
export function quantizeQ8_0(x: Float32Array, out?: Uint8Array): Uint8Array {
  checkLength('quantizeQ8_0', x.length, QK);
  const nb = x.length / QK;
  const y = outBlocks('quantizeQ8_0', out, nb * Q8_0_BYTES);
  for (let i = 0; i < nb; i++) {
    const base = i * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[base + j]!));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    const o = i * Q8_0_BYTES;
    writeF16(y, o, d);
    for (let j = 0; j < QK; j++) y[o + 2 + j] = roundAway(f(x[base + j]! * id)) & 0xff;
  }
  return y;
}

export function dequantizeQ8_0(blocks: Uint8Array, out?: Float32Array): Float32Array {
  const nb = blockCount('dequantizeQ8_0', blocks, Q8_0_BYTES);
  const y = outFloats('dequantizeQ8_0', out, nb * QK);
  for (let i = 0; i < nb; i++) {
    const o = i * Q8_0_BYTES;
    const d = readF16(blocks, o);
    for (let j = 0; j < QK; j++) y[i * QK + j] = f(((blocks[o + 2 + j]! << 24) >> 24) * d);
  }
  return y;
}

/** Quantizes `x` to Q4_0 blocks, as quantize_row_q4_0_ref (scale from the value of largest magnitude, / -8). */
export function quantizeQ4_0(x: Float32Array, out?: Uint8Array): Uint8Array {
  checkLength('quantizeQ4_0', x.length, QK);
  const nb = x.length / QK;
  const y = outBlocks('quantizeQ4_0', out, nb * Q4_0_BYTES);
  for (let i = 0; i < nb; i++) {
    const base = i * QK;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = x[base + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f(max / -8);
    const id = d ? f(1 / d) : 0;
    const o = i * Q4_0_BYTES;
    writeF16(y, o, d);
    for (let j = 0; j < QK / 2; j++) {
      const x0 = f(x[base + j]! * id);
      const x1 = f(x[base + QK / 2 + j]! * id);
      // (int8_t)(x + 8.5f) truncates toward zero; MIN(15, ...) clips the top.
      const q0 = Math.min(15, Math.trunc(f(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(f(x1 + 8.5)));
      y[o + 2 + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
    }
  }
  return y;
}

export function dequantizeQ4_0(blocks: Uint8Array, out?: Float32Array): Float32Array {
  const nb = blockCount('dequantizeQ4_0', blocks, Q4_0_BYTES);
  const y = outFloats('dequantizeQ4_0', out, nb * QK);
  for (let i = 0; i < nb; i++) {
    const o = i * Q4_0_BYTES;
    const d = readF16(blocks, o);
    for (let j = 0; j < QK / 2; j++) {
      const b = blocks[o + 2 + j]!;
      y[i * QK + j] = f(((b & 0xf) - 8) * d);
      y[i * QK + j + QK / 2] = f(((b >> 4) - 8) * d);
    }
  }
  return y;
}

// ---- dot products: one quantized row against one vector ----

/**
 * Q8_0 row · Q8_0-quantized activations, as ggml_vec_dot_q8_0_q8_0_generic:
 * integer sums per block, then sumf += sumi * (dx * dy) in float32.
 */
export function dotQ8_0(row: Uint8Array, xq: Uint8Array): number {
  const nb = blockCount('dotQ8_0', row, Q8_0_BYTES);
  if (xq.byteLength !== row.byteLength) throw new InvalidArgumentError('dotQ8_0', 'xq', `has ${xq.byteLength} bytes, the row ${row.byteLength}`);
  let sumf = 0;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * Q8_0_BYTES;
    let sumi = 0;
    for (let j = 0; j < QK; j++) sumi += ((row[o + 2 + j]! << 24) >> 24) * ((xq[o + 2 + j]! << 24) >> 24);
    sumf = f(sumf + f(sumi * f(readF16(row, o) * readF16(xq, o))));
  }
  return sumf;
}

/**
 * Q4_0 row · Q8_0-quantized activations, as ggml_vec_dot_q4_0_q8_0_generic:
 * low nibbles meet the block's first 16 activations, high nibbles the last 16;
 * sumf += sumi * dx * dy (left to right) in float32.
 */
export function dotQ4_0(row: Uint8Array, xq: Uint8Array): number {
  const nb = blockCount('dotQ4_0', row, Q4_0_BYTES);
  if (xq.byteLength !== nb * Q8_0_BYTES) throw new InvalidArgumentError('dotQ4_0', 'xq', `needs ${nb} Q8_0 blocks (${nb * Q8_0_BYTES} bytes), got ${xq.byteLength}`);
  let sumf = 0;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * Q4_0_BYTES;
    const oy = ib * Q8_0_BYTES;
    let sumi0 = 0;
    let sumi1 = 0;
    for (let j = 0; j < QK / 2; j++) {
      const b = row[o + 2 + j]!;
      sumi0 += ((b & 0xf) - 8) * ((xq[oy + 2 + j]! << 24) >> 24);
      sumi1 += ((b >> 4) - 8) * ((xq[oy + 2 + j + 16]! << 24) >> 24);
    }
    sumf = f(sumf + f(f((sumi0 + sumi1) * readF16(row, o)) * readF16(xq, oy)));
  }
  return sumf;
}

/**
 * Q8_0 row · f32 vector without quantizing the activations: per block,
 * s = Σ q·x accumulated in float32, then sumf += d * s.
 */
export function dotQ8_0F32(row: Uint8Array, x: Float32Array): number {
  const nb = blockCount('dotQ8_0F32', row, Q8_0_BYTES);
  if (x.length !== nb * QK) throw new InvalidArgumentError('dotQ8_0F32', 'x', `needs ${nb * QK} values, got ${x.length}`);
  let sumf = 0;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * Q8_0_BYTES;
    let s = 0;
    for (let j = 0; j < QK; j++) s = f(s + f(((row[o + 2 + j]! << 24) >> 24) * x[ib * QK + j]!));
    sumf = f(sumf + f(readF16(row, o) * s));
  }
  return sumf;
}

/** Q4_0 row · f32 vector: per block, s = Σ (q-8)·x in float32 (values 0..15 in order), then sumf += d * s. */
export function dotQ4_0F32(row: Uint8Array, x: Float32Array): number {
  const nb = blockCount('dotQ4_0F32', row, Q4_0_BYTES);
  if (x.length !== nb * QK) throw new InvalidArgumentError('dotQ4_0F32', 'x', `needs ${nb * QK} values, got ${x.length}`);
  let sumf = 0;
  for (let ib = 0; ib < nb; ib++) {
    const o = ib * Q4_0_BYTES;
    let s = 0;
    for (let j = 0; j < QK / 2; j++) s = f(s + f(((row[o + 2 + j]! & 0xf) - 8) * x[ib * QK + j]!));
    for (let j = 0; j < QK / 2; j++) s = f(s + f(((row[o + 2 + j]! >> 4) - 8) * x[ib * QK + 16 + j]!));
    sumf = f(sumf + f(readF16(row, o) * s));
  }
  return sumf;
}

export type DotActivations = 'q8_0' | 'f32';

/**
 * y = W x for a quantized (rows, cols) weight in row-major blocks. With
 * activations 'q8_0' (ggml's CPU path) x is quantized to Q8_0 once and each
 * row uses dotQ8_0/dotQ4_0; with 'f32' the rows meet x unquantized.
 */
export function matvecQuant(dtype: 'q8_0' | 'q4_0', w: Uint8Array, rows: number, cols: number, x: Float32Array, activations: DotActivations = 'q8_0', out?: Float32Array): Float32Array {
  checkLength('matvecQuant', cols, QK);
  const rowBytes = (cols / QK) * (dtype === 'q8_0' ? Q8_0_BYTES : Q4_0_BYTES);
  if (w.byteLength !== rows * rowBytes) throw new InvalidArgumentError('matvecQuant', 'w', `(${rows}, ${cols}) ${dtype} needs ${rows * rowBytes} bytes, got ${w.byteLength}`);
  if (x.length !== cols) throw new InvalidArgumentError('matvecQuant', 'x', `needs ${cols} values, got ${x.length}`);
  const y = outFloats('matvecQuant', out, rows);
  const xq = activations === 'q8_0' ? quantizeQ8_0(x) : undefined;
  for (let r = 0; r < rows; r++) {
    const row = w.subarray(r * rowBytes, (r + 1) * rowBytes);
    if (xq) y[r] = dtype === 'q8_0' ? dotQ8_0(row, xq) : dotQ4_0(row, xq);
    else y[r] = dtype === 'q8_0' ? dotQ8_0F32(row, x) : dotQ4_0F32(row, x);
  }
  return y;
}
