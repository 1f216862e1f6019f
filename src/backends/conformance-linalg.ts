/**
 * Conformance cases: matmul (also against a naive double-precision product),
 * linear with f32 / f16 / bf16 / q8_0 / q4_0 weights, and the index kernels.
 */
import assert from 'node:assert/strict';
import type { View } from './backend.js';
import type { DType } from '../tensor/dtype.js';
import { quantizeQ4_0, quantizeQ8_0 } from '../io/quant.js';
import type { Case } from './conformance.js';
import { assertClose, clone, count, dense, makeOut, makeView, randShape, read, type Rng } from './conformance-util.js';

/** A (…, M, K) @ (…, K, N) product computed naively in double from the views' values. */
function naiveMatmul(a: View, b: View, out: View, acc: number[] | null): number[] {
  const nd = out.shape.length;
  const [M, N] = [out.shape[nd - 2]!, out.shape[nd - 1]!];
  const K = a.shape[nd - 1]!;
  const batch = count(out.shape.slice(0, nd - 2));
  const av = read(a);
  const bv = read(b);
  const res = new Array<number>(batch * M * N);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += av[(t * M + i) * K + k]! * bv[(t * K + k) * N + j]!;
        const o = (t * M + i) * N + j;
        res[o] = (acc ? acc[o]! : 0) + s;
      }
  return res;
}

function dims(rng: Rng, big: boolean): number {
  return big ? rng.int(60, 200) : rng.pick([1, rng.int(1, 8), rng.int(1, 40)]);
}

function expectSameError(run: () => void, runRef: () => void, what: string): void {
  let want: Error | undefined;
  try {
    runRef();
  } catch (e) {
    want = e as Error;
  }
  assert.ok(want, `${what}: the reference accepted bad input`);
  assert.throws(run, (e: Error) => e.constructor === want!.constructor && e.message === want!.message, what);
}

function quantize(dtype: 'q8_0' | 'q4_0', vals: Float32Array): Uint8Array {
  return dtype === 'q8_0' ? quantizeQ8_0(vals) : quantizeQ4_0(vals);
}

export const linalgCases: Record<string, Case> = {
  matmul(be, ref, rng) {
    const big = rng.chance(0.15);
    const [M, N, K] = [dims(rng, big), dims(rng, big), dims(rng, big)];
    const batch = big ? [] : randShape(rng, 0, 2, 3);
    const a = makeView(rng, 'f32', [...batch, M, K]);
    const b = makeView(rng, 'f32', [...batch, K, N]);
    // Broadcast batch dims arrive as stride 0.
    for (let d = 0; d < batch.length; d++) {
      if (rng.chance(0.3)) a.strides[d] = 0;
      else if (rng.chance(0.3)) b.strides[d] = 0;
    }
    const accumulate = rng.chance(0.3);
    const oshape = [...batch, M, N];
    const o1 = makeOut(rng, 'f32', oshape, 0);
    if (accumulate) for (let i = 0; i < o1.data.length; i++) o1.data[i] = rng.uniform(-1, 1);
    const o2 = clone(o1);
    const before = accumulate ? read(o1) : null;
    be.matmul(a, b, o1, accumulate);
    ref.matmul(a, b, o2, accumulate);
    const tol = { rtol: 1e-4, atol: 2e-5 * Math.sqrt(K) };
    assertClose(o1, o2, tol, `matmul [${oshape}] K=${K}`);
    assertClose(read(o1), naiveMatmul(a, b, o1, before), tol, 'matmul vs naive');
  },

  linearFloat(be, ref, rng) {
    const wt = rng.pick<DType>(['f32', 'f16', 'bf16']);
    const [M, N, K] = [dims(rng, rng.chance(0.1)), rng.int(1, 70), rng.int(1, 90)];
    const x = makeView(rng, 'f32', [M, K], { layout: false });
    const w = makeView(rng, wt, [N, K], { layout: wt === 'f32', unitLast: true });
    const bias = rng.chance(0.5) ? makeView(rng, 'f32', [N]) : null;
    const o1 = makeOut(rng, 'f32', [M, N]);
    const o2 = makeOut(rng, 'f32', [M, N]);
    be.linear(x, w, bias, o1);
    // The reference reads weight rows as packed; hand it the same values densely.
    ref.linear(x, dense(w), bias, o2);
    assertClose(o1, o2, { rtol: 1e-4, atol: 2e-5 * Math.sqrt(K) }, `linear ${wt} M=${M} N=${N} K=${K}`);
  },

  linearQuantized(be, ref, rng) {
    const wt = rng.pick(['q8_0', 'q4_0'] as const);
    const M = rng.pick([1, 2, 3, 4, rng.int(5, 40)]);
    const [N, K] = [rng.int(1, 70), 32 * rng.int(1, 12)];
    const x = makeView(rng, 'f32', [M, K], { layout: false });
    const wf = new Float32Array(N * K).map(() => rng.uniform(-1, 1));
    const w: View = { data: quantize(wt, wf), dtype: wt, shape: [N, K], strides: [K, 1], offset: 0 };
    const bias = rng.chance(0.5) ? makeView(rng, 'f32', [N]) : null;
    const o1 = makeOut(rng, 'f32', [M, N]);
    const o2 = makeOut(rng, 'f32', [M, N]);
    be.linear(x, w, bias, o1);
    ref.linear(x, w, bias, o2);
    assertClose(o1, o2, { rtol: 1e-4, atol: 2e-5 * Math.sqrt(K) }, `linear ${wt} M=${M} N=${N} K=${K}`);
  },

  gather(be, ref, rng) {
    const tt = rng.pick<DType>(['f32', 'f16', 'bf16', 'q8_0', 'q4_0']);
    const quant = tt === 'q8_0' || tt === 'q4_0';
    const [V, D] = [rng.int(1, 40), quant ? 32 * rng.int(1, 4) : rng.int(1, 40)];
    let table: View;
    if (quant) {
      const vals = new Float32Array(V * D).map(() => rng.uniform(-2, 2));
      table = { data: quantize(tt, vals), dtype: tt, shape: [V, D], strides: [D, 1], offset: 0 };
    } else {
      table = makeView(rng, tt, [V, D]);
    }
    const idShape = randShape(rng, 1, 2, 6);
    const ids = makeView(rng, 'i32', idShape, { gen: (r) => r.int(0, V - 1) });
    const N = count(idShape);
    const o1 = makeOut(rng, 'f32', [N, D]);
    const o2 = makeOut(rng, 'f32', [N, D]);
    if (rng.chance(0.1)) {
      ids.data[ids.offset] = rng.pick([-1, V, V + 7]);
      expectSameError(() => be.gather(table, ids, o1), () => ref.gather(table, ids, o2), 'gather with a bad id');
      return;
    }
    be.gather(table, ids, o1);
    ref.gather(table, ids, o2);
    assertClose(o1, o2, { rtol: 0, atol: 0 }, `gather ${tt}`);
  },

  scatterAdd(be, ref, rng) {
    const [V, D, N] = [rng.int(1, 30), rng.pick([rng.int(1, 40), rng.int(300, 700)]), rng.int(1, 50)];
    const src = makeView(rng, 'f32', [N, D]);
    const ids = makeView(rng, 'i32', [N], { gen: (r) => r.int(0, V - 1) });
    const o1 = makeOut(rng, 'f32', [V, D], 0);
    for (let i = 0; i < o1.data.length; i++) o1.data[i] = rng.uniform(-1, 1);
    const o2 = clone(o1);
    if (rng.chance(0.1)) {
      ids.data[ids.offset] = -3;
      expectSameError(() => be.scatterAdd(src, ids, o1), () => ref.scatterAdd(src, ids, o2), 'scatterAdd with a bad id');
      return;
    }
    be.scatterAdd(src, ids, o1);
    ref.scatterAdd(src, ids, o2);
    assertClose(o1, o2, { rtol: 1e-6, atol: 1e-6 }, 'scatterAdd');
  },

  gatherAxis(be, ref, rng) {
    const shape = randShape(rng, 1, 3, 7);
    const axis = rng.int(0, shape.length - 1);
    const ishape = shape.map((d, i) => (i === axis ? rng.int(1, 9) : rng.int(1, d)));
    const x = makeView(rng, 'f32', shape);
    const idx = makeView(rng, 'i32', ishape, { gen: (r) => r.int(0, shape[axis]! - 1) });
    const o1 = makeOut(rng, 'f32', ishape);
    const o2 = makeOut(rng, 'f32', ishape);
    be.gatherAxis(x, axis, idx, o1);
    ref.gatherAxis(x, axis, idx, o2);
    assertClose(o1, o2, { rtol: 0, atol: 0 }, 'gatherAxis');
  },

  scatterAddAxis(be, ref, rng) {
    const shape = randShape(rng, 1, 3, 7);
    const axis = rng.int(0, shape.length - 1);
    const ishape = shape.map((d, i) => (i === axis ? rng.int(1, 9) : rng.int(1, d)));
    const src = makeView(rng, 'f32', ishape);
    const idx = makeView(rng, 'i32', ishape, { gen: (r) => r.int(0, shape[axis]! - 1) });
    const o1: View = { ...makeOut(rng, 'f32', shape, 0) };
    for (let i = 0; i < o1.data.length; i++) o1.data[i] = rng.uniform(-1, 1);
    const o2 = clone(o1);
    be.scatterAddAxis(src, axis, idx, o1);
    ref.scatterAddAxis(src, axis, idx, o2);
    assertClose(o1, o2, { rtol: 1e-6, atol: 1e-6 }, 'scatterAddAxis');
  },
};
