import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dequantizeQ4_0,
  dequantizeQ8_0,
  dotQ4_0,
  dotQ4_0F32,
  dotQ8_0,
  dotQ8_0F32,
  matvecQuant,
  quantizeQ4_0,
  quantizeQ8_0,
} from './quant.js';
import { dequantizeQ4K, dequantizeQ6K, quantizeQ4K, quantizeQ6K } from './quant-k.js';
import { InvalidArgumentError } from '../errors.js';

const dir = new URL('../../test/fixtures/io/quant/', import.meta.url).pathname;
const bytes = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const floats = (name: string) => {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const x = floats('x.f32');
const v = floats('v.f32');
const ROWS = 8;
const COLS = 256;
const dots = JSON.parse(readFileSync(join(dir, 'dots.json'), 'utf8')) as Record<string, number[]>;

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

test('Q8_0 and Q4_0 quantization match the numpy reference byte for byte', () => {
  const q8 = quantizeQ8_0(x);
  assert.equal(firstDiff(q8, bytes('q8_0.bin')), -1);
  const q4 = quantizeQ4_0(x);
  assert.equal(firstDiff(q4, bytes('q4_0.bin')), -1);
});

test('dequantization follows the block formulas', () => {
  const q8 = bytes('q8_0.bin');
  const dq8 = dequantizeQ8_0(q8);
  // Block 0: x = d * q with d the f16 at bytes 0-1.
  const d = new DataView(q8.buffer).getUint16(0, true);
  const scale = ((d & 0x3ff) / 1024 + ((d >> 10) & 0x1f ? 1 : 0)) * 2 ** Math.max(((d >> 10) & 0x1f) - 15, -14) * (d & 0x8000 ? -1 : 1);
  for (let j = 0; j < 32; j++) assert.equal(dq8[j], Math.fround(((q8[2 + j]! << 24) >> 24) * scale));
  const q4 = bytes('q4_0.bin');
  const dq4 = dequantizeQ4_0(q4);
  // Error bounds: rounding gives half a step, the f16 scale adds up to 127 (or 8) times its rounding error.
  const f16 = (v: number) => {
    const b = quantizeQ8_0(Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? v * 127 : 0)));
    return dequantizeQ8_0(b)[0]! / 127;
  };
  for (let b = 0; b < x.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
    const d8 = amax / 127;
    const d4 = amax / 8;
    const bound8 = 0.5 * d8 + 127 * Math.abs(d8 - f16(d8)) + 1e-12 * amax;
    const bound4 = d4 + 8 * Math.abs(d4 - f16(d4)) + 1e-12 * amax;
    for (let j = 0; j < 32; j++) {
      const i = b * 32 + j;
      assert.ok(Math.abs(dq8[i]! - x[i]!) <= bound8, `q8_0 value ${i}`);
      assert.ok(Math.abs(dq4[i]! - x[i]!) <= bound4, `q4_0 value ${i}`);
    }
  }
});

test('values on the quantization grid survive a round trip exactly', () => {
  const grid = new Float32Array(64);
  for (let i = 0; i < 64; i++) grid[i] = ((i % 32) - 16) * 0.125 * (i < 32 ? 1 : -1) + 0; // + 0 turns -0 into 0
  grid[0] = -127 * 0.125; // sets amax so that d = 0.125 exactly
  grid[32] = 127 * 0.125;
  assert.deepEqual(dequantizeQ8_0(quantizeQ8_0(grid)), grid);
  const g4 = Float32Array.from({ length: 32 }, (_, i) => (i % 16) - 8);
  g4[0] = -8; // the largest magnitude is -8, so d = 1 and every integer in [-8, 7] is exact
  assert.deepEqual(dequantizeQ4_0(quantizeQ4_0(g4)), g4);
  // An all-zero block has scale (-)0 and decodes to zeros.
  assert.ok(dequantizeQ4_0(quantizeQ4_0(new Float32Array(32))).every((y) => y === 0));
  assert.ok(dequantizeQ8_0(quantizeQ8_0(new Float32Array(32))).every((y) => y === 0));
});

test('Q4_K and Q6_K dequantization match the numpy reference', () => {
  assert.deepEqual(dequantizeQ4K(bytes('q4_k.bin')), floats('q4_k.f32'));
  assert.deepEqual(dequantizeQ6K(bytes('q6_k.bin')), floats('q6_k.f32'));
});

test('Q4_K and Q6_K quantization: error bounds and stable re-quantization', () => {
  const q4k = quantizeQ4K(x);
  const q6k = quantizeQ6K(x);
  assert.equal(q4k.byteLength, (x.length / 256) * 144);
  assert.equal(q6k.byteLength, (x.length / 256) * 210);
  const r4 = dequantizeQ4K(q4k);
  const r6 = dequantizeQ6K(q6k);
  for (let row = 0; row < ROWS; row++) {
    let e4 = 0;
    let e6 = 0;
    let n = 0;
    for (let j = 0; j < COLS; j++) {
      const i = row * COLS + j;
      e4 += (r4[i]! - x[i]!) ** 2;
      e6 += (r6[i]! - x[i]!) ** 2;
      n += x[i]! ** 2;
    }
    // Row 5 holds values near 1e-6, whose Q4_K scales underflow f16: only bounded, not relatively accurate.
    if (row === 5) {
      for (let j = 0; j < COLS; j++) assert.ok(Math.abs(r4[row * COLS + j]! - x[row * COLS + j]!) < 1e-5);
      continue;
    }
    // Relative RMS error: a few percent for 4.5 bits, about one percent for 6.5 bits (more with outliers).
    if (n > 0) {
      assert.ok(Math.sqrt(e4 / n) < 0.1, `q4_k row ${row}: ${Math.sqrt(e4 / n)}`);
      assert.ok(Math.sqrt(e6 / n) < 0.04, `q6_k row ${row}: ${Math.sqrt(e6 / n)}`);
    }
  }
  // The all-constant row 7 (0.5 with one -0.5): both formats get it nearly exact.
  for (let j = 0; j < COLS; j++) assert.ok(Math.abs(r6[7 * COLS + j]! - x[7 * COLS + j]!) < 0.01);
  // Quantizing already-quantized Q6_K values reproduces them (the grid is a fixed point).
  const again = dequantizeQ6K(quantizeQ6K(r6));
  assert.ok(again.every((y, i) => y === r6[i]));
  assert.deepEqual(quantizeQ6K(new Float32Array(256)), new Uint8Array(210));
});

test('dot products match ggml_vec_dot_*_generic and the f32 reference (numpy)', () => {
  const q8 = bytes('q8_0.bin');
  const q4 = bytes('q4_0.bin');
  const vq = quantizeQ8_0(v);
  const r8 = (COLS / 32) * 34;
  const r4 = (COLS / 32) * 18;
  for (let r = 0; r < ROWS; r++) {
    const row8 = q8.subarray(r * r8, (r + 1) * r8);
    const row4 = q4.subarray(r * r4, (r + 1) * r4);
    assert.equal(dotQ8_0(row8, vq), dots['q8_0_q8_0']![r], `q8_0·q8_0 row ${r}`);
    assert.equal(dotQ4_0(row4, vq), dots['q4_0_q8_0']![r], `q4_0·q8_0 row ${r}`);
    assert.equal(dotQ8_0F32(row8, v), dots['q8_0_f32']![r], `q8_0·f32 row ${r}`);
    assert.equal(dotQ4_0F32(row4, v), dots['q4_0_f32']![r], `q4_0·f32 row ${r}`);
  }
  assert.deepEqual(Array.from(matvecQuant('q8_0', q8, ROWS, COLS, v)), dots['q8_0_q8_0']);
  assert.deepEqual(Array.from(matvecQuant('q4_0', q4, ROWS, COLS, v, 'f32')), dots['q4_0_f32']);
  // The quantized product approximates the exact one.
  const exact = x.subarray(0, COLS).reduce((s, a, i) => s + a * v[i]!, 0);
  assert.ok(Math.abs(dots['q8_0_q8_0']![0]! - exact) < 0.05 * Math.abs(exact) + 0.05);
});

test('bad lengths are InvalidArgumentError', () => {
  assert.throws(() => quantizeQ8_0(new Float32Array(33)), InvalidArgumentError);
  assert.throws(() => quantizeQ4K(new Float32Array(32)), InvalidArgumentError);
  assert.throws(() => dequantizeQ4_0(new Uint8Array(19)), InvalidArgumentError);
  assert.throws(() => quantizeQ8_0(new Float32Array(32), new Uint8Array(33)), InvalidArgumentError);
  assert.throws(() => dotQ8_0(new Uint8Array(34), new Uint8Array(68)), InvalidArgumentError);
  assert.throws(() => matvecQuant('q4_0', new Uint8Array(18), 2, 32, new Float32Array(32)), InvalidArgumentError);
});

test('toFloat32 / fromFloat32 convert every storage dtype', async () => {
  const { toFloat32, fromFloat32 } = await import('./quantize.js');
  const vals = Float32Array.from([0.5, -2, 3.25, 0]);
  for (const dt of ['f32', 'f64', 'f16', 'bf16'] as const) assert.deepEqual(toFloat32(dt, fromFloat32(dt, vals)), vals, dt);
  const row = x.subarray(0, 256);
  for (const dt of ['q8_0', 'q4_0', 'q4_k', 'q6_k'] as const) {
    const back = toFloat32(dt, fromFloat32(dt, row));
    const err = Math.sqrt(back.reduce((s, y, i) => s + (y - row[i]!) ** 2, 0) / row.reduce((s, y) => s + y * y, 0));
    assert.ok(err < 0.1, `${dt}: ${err}`);
  }
  assert.deepEqual(toFloat32('i32', Int32Array.of(3, -4)), Float32Array.of(3, -4));
});
