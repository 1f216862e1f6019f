/**
 * The q/k row permutation between Hugging Face's rotate-half rope and
 * llama.cpp's interleaved ("normal") rope: it is the converter's reshape,
 * it inverts, it makes the two rope conventions compute the same attention
 * scores, and it moves quantized rows whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeQ4_0, quantizeQ8_0 } from '../../io/quant.js';
import { Rng } from '../../tensor/rng.js';
import { permuteRopeRows } from './rope-permute.js';

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** numpy's w.reshape(H, 2, D/2, C).swapaxes(1, 2).reshape(H*D, C), spelled out with strides. */
function converterPermute(w: Float32Array, H: number, D: number, C: number): Float32Array {
  const out = new Float32Array(w.length);
  // Source array (H, 2, D/2, C) has strides (2*(D/2)*C, (D/2)*C, C, 1); after swapaxes(1, 2)
  // element [h][i][j][c] reads source [h][j][i][c]; reshape flattens (h, i, j, c) in order.
  let o = 0;
  for (let h = 0; h < H; h++)
    for (let i = 0; i < D / 2; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < C; c++) out[o++] = w[h * D * C + j * (D / 2) * C + i * C + c]!;
  return out;
}

test('hf-to-gguf is the converter reshape/swapaxes, and gguf-to-hf undoes it', () => {
  const rng = new Rng(1);
  for (const [H, D, C] of [
    [4, 8, 5],
    [2, 16, 3],
    [1, 2, 7],
    [6, 4, 1],
  ] as const) {
    const w = randn(rng, H * D * C);
    const g = permuteRopeRows(w.slice(), H, C, 'hf-to-gguf');
    assert.deepEqual(g, converterPermute(w, H, D, C), `H=${H} D=${D} C=${C}`);
    assert.deepEqual(permuteRopeRows(g.slice(), H, C, 'gguf-to-hf'), w);
  }
});

/** HF rotate-half rope on one head vector (pairs i and i + D/2). */
function ropeNeox(x: Float32Array, pos: number, theta: number): Float64Array {
  const D = x.length;
  const out = new Float64Array(D);
  for (let i = 0; i < D / 2; i++) {
    const a = pos * Math.pow(theta, (-2 * i) / D);
    out[i] = x[i]! * Math.cos(a) - x[i + D / 2]! * Math.sin(a);
    out[i + D / 2] = x[i + D / 2]! * Math.cos(a) + x[i]! * Math.sin(a);
  }
  return out;
}

/** llama.cpp's LLAMA rope on one head vector (pairs 2i and 2i + 1). */
function ropeInterleaved(x: Float32Array, pos: number, theta: number): Float64Array {
  const D = x.length;
  const out = new Float64Array(D);
  for (let i = 0; i < D / 2; i++) {
    const a = pos * Math.pow(theta, (-2 * i) / D);
    out[2 * i] = x[2 * i]! * Math.cos(a) - x[2 * i + 1]! * Math.sin(a);
    out[2 * i + 1] = x[2 * i + 1]! * Math.cos(a) + x[2 * i]! * Math.sin(a);
  }
  return out;
}

function matvec(w: Float32Array, x: Float32Array, rows: number): Float32Array {
  const C = x.length;
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += w[r * C + c]! * x[c]!;
    y[r] = s;
  }
  return y;
}

test('permuted q/k weights under interleaved rope give the scores of the original weights under rotate-half rope', () => {
  const rng = new Rng(7);
  const H = 4;
  const Hkv = 2;
  const D = 8;
  const C = 12;
  const wq = randn(rng, H * D * C);
  const wk = randn(rng, Hkv * D * C);
  const gq = permuteRopeRows(wq.slice(), H, C, 'hf-to-gguf');
  const gk = permuteRopeRows(wk.slice(), Hkv, C, 'hf-to-gguf');
  const xq = randn(rng, C);
  const xk = randn(rng, C);
  for (const [pq, pk] of [
    [5, 2],
    [17, 17],
    [40, 3],
  ] as const) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / (H / Hkv));
      const head = (v: Float32Array, i: number) => v.subarray(i * D, (i + 1) * D);
      const hfScore = dot(ropeNeox(head(matvec(wq, xq, H * D), h), pq, 10000), ropeNeox(head(matvec(wk, xk, Hkv * D), kv), pk, 10000));
      const ggScore = dot(ropeInterleaved(head(matvec(gq, xq, H * D), h), pq, 10000), ropeInterleaved(head(matvec(gk, xk, Hkv * D), kv), pk, 10000));
      assert.ok(Math.abs(hfScore - ggScore) < 1e-9 * Math.max(1, Math.abs(hfScore)), `head ${h} positions ${pq},${pk}: ${hfScore} vs ${ggScore}`);
    }
  }
});

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

test('quantized rows move whole: permuting Q8_0/Q4_0 bytes equals quantizing the permuted floats', () => {
  const rng = new Rng(3);
  const H = 3;
  const D = 4;
  const C = 64;
  const w = randn(rng, H * D * C);
  const permuted = permuteRopeRows(w.slice(), H, C, 'hf-to-gguf');
  for (const [q, bytesPerRow] of [
    [quantizeQ8_0, (C / 32) * 34],
    [quantizeQ4_0, (C / 32) * 18],
  ] as const) {
    const rowsThenPermute = permuteRopeRows(q(w), H, bytesPerRow, 'hf-to-gguf');
    assert.deepEqual(rowsThenPermute, q(permuted));
  }
});

test('bad shapes are refused with the op named', () => {
  assert.throws(() => permuteRopeRows(new Float32Array(30), 4, 5, 'hf-to-gguf'), /\[permuteRopeRows\] data: 30 elements are not 4 heads/);
  assert.throws(() => permuteRopeRows(new Float32Array(30), 2, 5, 'hf-to-gguf'), /head dim 3 is odd/);
});
