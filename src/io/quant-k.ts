/**
 * Reference quantize/dequantize for GGUF's Q4_K and Q6_K super-blocks (256
 * values), following ggml's quantize_row_q4_K_ref / quantize_row_q6_K_ref and
 * dequantize_row_q4_K / dequantize_row_q6_K step by step in float32.
 *
 * Q4_K, 144 bytes: f16 d | f16 dmin | 12 bytes of 6-bit scales and mins for 8
 *   sub-blocks of 32 | 128 bytes of nibbles. Value = d*sc*q - dmin*m. Each 32
 *   bytes of nibbles hold 64 values: low nibbles the first 32, high the next 32.
 *   Scales/mins j<4 are the low 6 bits of bytes j and j+4; j>=4 take their low
 *   4 bits from byte j+4 (scale low nibble, min high nibble) and their top 2
 *   bits from the top bits of bytes j-4 (scale) and j (min).
 * Q6_K, 210 bytes: 128 bytes ql (low 4 bits) | 64 bytes qh (high 2 bits) |
 *   16 int8 scales for sub-blocks of 16 | f16 d. Value = d*scale*(q - 32).
 *   Per 128 values, ql[l] holds values l (low) and l+64 (high), ql[l+32]
 *   values l+32 and l+96; qh[l] holds the high bits of l, l+32, l+64, l+96.
 *
 * Quantization reproduces ggml's search (make_qkx2_quants for Q4_K,
 * make_qx_quants with rmse_type 1 for Q6_K). ggml built with FMA contraction
 * can differ from this in the last bit of an intermediate sum, which can flip
 * a rare tie; the layouts and dequantization are exact.
 */
import { f16ToF32, f32ToF16 } from '../tensor/dtype.js';
import { blockCount, checkLength, f, outBlocks, outFloats } from './quant.js';

export const QK_K = 256;
export const Q4_K_BYTES = 144;
export const Q6_K_BYTES = 210;
const GROUP_MAX_EPS = f(1e-15);

/** ggml's nearest_int: round half to even via the 1.5*2^23 trick, on a float32. */
function nearestInt(v: number): number {
  return f(v + 12582912) - 12582912;
}

function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j]! & 63, q[o + j + 4]! & 63];
  return [(q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4), (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4)];
}

export function dequantizeQ4K(blocks: Uint8Array, out?: Float32Array): Float32Array {
  const nb = blockCount('dequantizeQ4K', blocks, Q4_K_BYTES);
  const y = outFloats('dequantizeQ4K', out, nb * QK_K);
  let p = 0;
  for (let i = 0; i < nb; i++) {
    const o = i * Q4_K_BYTES;
    const d = f16ToF32(blocks[o]! | (blocks[o + 1]! << 8));
    const min = f16ToF32(blocks[o + 2]! | (blocks[o + 3]! << 8));
    let q = o + 16;
    for (let is = 0; is < 8; is += 2) {
      const [sc1, m1] = scaleMinK4(is, blocks, o + 4);
      const [sc2, m2] = scaleMinK4(is + 1, blocks, o + 4);
      const d1 = f(d * sc1);
      const mm1 = f(min * m1);
      const d2 = f(d * sc2);
      const mm2 = f(min * m2);
      for (let l = 0; l < 32; l++) y[p++] = f(f(d1 * (blocks[q + l]! & 0xf)) - mm1);
      for (let l = 0; l < 32; l++) y[p++] = f(f(d2 * (blocks[q + l]! >> 4)) - mm2);
      q += 32;
    }
  }
  return y;
}

export function dequantizeQ6K(blocks: Uint8Array, out?: Float32Array): Float32Array {
  const nb = blockCount('dequantizeQ6K', blocks, Q6_K_BYTES);
  const y = outFloats('dequantizeQ6K', out, nb * QK_K);
  for (let i = 0; i < nb; i++) {
    const o = i * Q6_K_BYTES;
    const d = f16ToF32(blocks[o + 208]! | (blocks[o + 209]! << 8));
    for (let n = 0; n < 2; n++) {
      const ql = o + n * 64;
      const qh = o + 128 + n * 32;
      const sc = o + 192 + n * 8;
      const yo = i * QK_K + n * 128;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = blocks[qh + l]!;
        const q1 = ((blocks[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((blocks[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((blocks[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((blocks[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        const s = (k: number) => (blocks[sc + is + k]! << 24) >> 24;
        y[yo + l] = f(f(d * s(0)) * q1);
        y[yo + l + 32] = f(f(d * s(2)) * q2);
        y[yo + l + 64] = f(f(d * s(4)) * q3);
        y[yo + l + 96] = f(f(d * s(6)) * q4);
      }
    }
  }
  return y;
}

/** make_qkx2_quants: scale and min for one sub-block, searched to minimize the weighted error. */
function makeQkx2(n: number, nmax: number, x: Float32Array, xo: number, w: Float32Array, L: Uint8Array, lo: number, laux: Uint8Array, rmin: number, rdelta: number, nstep: number): { scale: number; min: number } {
  let min = x[xo]!;
  let max = x[xo]!;
  let sumW = w[0]!;
  let sumX = f(sumW * x[xo]!);
  for (let i = 1; i < n; i++) {
    const v = x[xo + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sumW = f(sumW + w[i]!);
    sumX = f(sumX + f(w[i]! * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    for (let i = 0; i < n; i++) L[lo + i] = 0;
    return { scale: 0, min: -min };
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(x[xo + i]! - min)))));
    L[lo + i] = l;
    const diff = f(f(f(scale * l) + min) - x[xo + i]!);
    bestError = f(bestError + f(w[i]! * f(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    // `min` moves when a better fit is found, and later steps search around it (as in ggml).
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(x[xo + i]! - min)))));
      laux[i] = l;
      const wl = f(w[i]! * l);
      sumL = f(sumL + wl);
      sumL2 = f(sumL2 + f(wl * l));
      sumXL = f(sumXL + f(wl * x[xo + i]!));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        const diff = f(f(f(thisScale * laux[i]!) + thisMin) - x[xo + i]!);
        curError = f(curError + f(w[i]! * f(diff * diff)));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = laux[i]!;
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

/** Quantizes `x` (length a multiple of 256) to Q4_K super-blocks, as quantize_row_q4_K_ref. */
export function quantizeQ4K(x: Float32Array, out?: Uint8Array): Uint8Array {
  checkLength('quantizeQ4K', x.length, QK_K);
  const nb = x.length / QK_K;
  const y = outBlocks('quantizeQ4K', out, nb * Q4_K_BYTES);
  const L = new Uint8Array(QK_K);
  const laux = new Uint8Array(32);
  const weights = new Float32Array(32);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  for (let i = 0; i < nb; i++) {
    const xb = i * QK_K;
    const o = i * Q4_K_BYTES;
    y.fill(0, o, o + Q4_K_BYTES);
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(x[xb + 32 * j + l]! * x[xb + 32 * j + l]!));
      const avX = f(Math.sqrt(f(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = f(avX + Math.abs(x[xb + 32 * j + l]!));
      const r = makeQkx2(32, 15, x, xb + 32 * j, weights, L, 32 * j, laux, -1, f(0.1), 20);
      scales[j] = r.scale;
      mins[j] = r.min;
      if (r.scale > maxScale) maxScale = r.scale;
      if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
    const s = o + 4;
    for (let j = 0; j < 8; j++) {
      // uint8_t ls = nearest_int(...): the conversion wraps, then MIN(63, ...).
      const ls = Math.min(63, nearestInt(f(invScale * scales[j]!)) & 0xff);
      const lm = Math.min(63, nearestInt(f(invMin * mins[j]!)) & 0xff);
      if (j < 4) {
        y[s + j] = ls;
        y[s + j + 4] = lm;
      } else {
        y[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        y[s + j - 4]! |= (ls >> 4) << 6;
        y[s + j]! |= (lm >> 4) << 6;
      }
    }
    const dh = f32ToF16(f(maxScale / 63));
    const mh = f32ToF16(f(maxMin / 63));
    y[o] = dh & 0xff;
    y[o + 1] = dh >> 8;
    y[o + 2] = mh & 0xff;
    y[o + 3] = mh >> 8;
    const d0 = f16ToF32(dh);
    const m0 = f16ToF32(mh);
    for (let j = 0; j < 8; j++) {
      const [sc, m] = scaleMinK4(j, y, s);
      const d = f(d0 * sc);
      if (!d) continue;
      const dm = f(m0 * m);
      for (let ii = 0; ii < 32; ii++) {
        L[32 * j + ii] = Math.max(0, Math.min(15, nearestInt(f(f(x[xb + 32 * j + ii]! + dm) / d))));
      }
    }
    for (let j = 0, q = o + 16; j < QK_K; j += 64, q += 32) {
      for (let l = 0; l < 32; l++) y[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
    }
  }
  return y;
}

/** make_qx_quants with rmse_type 1 (weights x²): a signed scale for one sub-block; L gets q + nmax. */
function makeQx(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; i++) L[lo + i] = 0;
    return 0;
  }
  const sums = (iscale: number, store: boolean): [number, number] => {
    let sumlx = 0;
    let suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i]!;
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * v))));
      if (store) L[lo + i] = l + nmax;
      const w = f(v * v);
      sumlx = f(sumlx + f(f(w * v) * l));
      suml2 = f(suml2 + f(f(w * l) * l));
    }
    return [sumlx, suml2];
  };
  let [sumlx, suml2] = sums(f(-nmax / max), true);
  let scale = suml2 ? f(sumlx / suml2) : 0;
  let best = f(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = f(-f(nmax + f(f(0.1) * is)) / max);
    [sumlx, suml2] = sums(iscale, false);
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      sums(iscale, true);
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

/** Quantizes `x` (length a multiple of 256) to Q6_K super-blocks, as quantize_row_q6_K_ref. */
export function quantizeQ6K(x: Float32Array, out?: Uint8Array): Uint8Array {
  checkLength('quantizeQ6K', x.length, QK_K);
  const nb = x.length / QK_K;
  const y = outBlocks('quantizeQ6K', out, nb * Q6_K_BYTES);
  const L = new Int8Array(QK_K);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xb = i * QK_K;
    const o = i * Q6_K_BYTES;
    y.fill(0, o, o + Q6_K_BYTES);
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQx(16, 32, x, xb + 16 * ib, L, 16 * ib);
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) continue;
    const iscale = f(-128 / maxScale);
    const dh = f32ToF16(f(1 / iscale));
    y[o + 208] = dh & 0xff;
    y[o + 209] = dh >> 8;
    const d0 = f16ToF32(dh);
    for (let ib = 0; ib < 16; ib++) y[o + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]!))) & 0xff;
    for (let j = 0; j < 16; j++) {
      const d = f(d0 * ((y[o + 192 + j]! << 24) >> 24));
      if (!d) continue;
      for (let ii = 0; ii < 16; ii++) {
        L[16 * j + ii] = Math.max(-32, Math.min(31, nearestInt(f(x[xb + 16 * j + ii]! / d)))) + 32;
      }
    }
    for (let j = 0, ql = o, qh = o + 128; j < QK_K; j += 128, ql += 64, qh += 32) {
      for (let l = 0; l < 32; l++) {
        const q1 = L[j + l]! & 0xf;
        const q2 = L[j + l + 32]! & 0xf;
        const q3 = L[j + l + 64]! & 0xf;
        const q4 = L[j + l + 96]! & 0xf;
        y[ql + l] = q1 | (q3 << 4);
        y[ql + l + 32] = q2 | (q4 << 4);
        y[qh + l] = (L[j + l]! >> 4) | ((L[j + l + 32]! >> 4) << 2) | ((L[j + l + 64]! >> 4) << 4) | ((L[j + l + 96]! >> 4) << 6);
      }
    }
  }
  return y;
}

