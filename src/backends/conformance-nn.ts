/**
 * Conformance cases: softmax, norms, rope, attention (also against a naive
 * materialised-scores reference), cross-entropy, dropout, optimizers.
 */
import type { AttentionOptions, View } from './backend.js';
import type { Case } from './conformance.js';
import { assertClose, clone, count, makeOut, makeView, randShape, read, type Rng } from './conformance-util.js';

function rowsShape(rng: Rng): number[] {
  const shape = randShape(rng, 1, 3, 6);
  shape[shape.length - 1] = rng.pick([1, rng.int(1, 40), rng.int(100, 700)]);
  return shape;
}

function outOf(rng: Rng, shape: number[]): [View, View] {
  return [makeOut(rng, 'f32', shape), makeOut(rng, 'f32', shape)];
}

/** Random initial contents (for kernels that accumulate into their outputs). */
function randomized(rng: Rng, v: View): View {
  for (let i = 0; i < v.data.length; i++) v.data[i] = rng.uniform(-1, 1);
  return v;
}

/** Naive attention in double: scores materialised, masked, softmaxed. Returns out (B, Hq, T, D) and lse. */
function naiveAttention(q: View, k: View, v: View, opts: AttentionOptions): { out: number[]; lse: number[] } {
  const [B, Hq, T, D] = q.shape as [number, number, number, number];
  const [Hkv, S] = [k.shape[1]!, k.shape[2]!];
  const [qv, kv, vv] = [read(q), read(k), read(v)];
  const mv = opts.mask ? read(opts.mask) : null;
  const ms = opts.mask ? opts.mask.shape : [];
  const maskAt = (b: number, h: number, i: number, j: number) => {
    if (!mv) return 0;
    const full = [b, h, i, j].slice(4 - ms.length);
    let o = 0;
    for (let d = 0; d < ms.length; d++) o = o * ms[d]! + (ms[d] === 1 ? 0 : full[d]!);
    return mv[o]!;
  };
  const out = new Array<number>(B * Hq * T * D).fill(0);
  const lse = new Array<number>(B * Hq * T).fill(-Infinity);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / (Hq / Hkv));
      for (let i = 0; i < T; i++) {
        const pos = S - T + i;
        const s = new Array<number>(S).fill(-Infinity);
        for (let j = 0; j < S; j++) {
          if (opts.causal && j > pos) continue;
          if (opts.window !== undefined && pos - j >= opts.window) continue;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qv[((b * Hq + h) * T + i) * D + d]! * kv[((b * Hkv + hk) * S + j) * D + d]!;
          s[j] = dot * opts.scale + maskAt(b, h, i, j);
        }
        const m = Math.max(...s);
        if (m === -Infinity) continue;
        let sum = 0;
        for (let j = 0; j < S; j++) sum += Math.exp(s[j]! - m);
        lse[(b * Hq + h) * T + i] = m + Math.log(sum);
        for (let j = 0; j < S; j++) {
          const p = Math.exp(s[j]! - m) / sum;
          if (p === 0) continue;
          for (let d = 0; d < D; d++) out[((b * Hq + h) * T + i) * D + d]! += p * vv[((b * Hkv + hk) * S + j) * D + d]!;
        }
      }
    }
  return { out, lse };
}

function attentionInputs(rng: Rng) {
  const big = rng.chance(0.15);
  const [B, Hkv, G] = [rng.int(1, 2), rng.int(1, 3), rng.int(1, 3)];
  const T = big ? rng.int(60, 140) : rng.pick([1, rng.int(1, 20)]);
  const S = rng.chance(0.8) ? T + rng.int(0, big ? 20 : 10) : rng.int(1, 30);
  const D = rng.pick([rng.int(1, 20), 64, rng.int(30, 70)]);
  const Hq = Hkv * G;
  const opts: AttentionOptions = {
    scale: 1 / Math.sqrt(D),
    causal: rng.chance(0.6),
    ...(rng.chance(0.3) ? { window: rng.int(1, 8) } : {}),
    ...(rng.chance(0.3)
      ? {
          mask: makeView(rng, 'f32', [rng.pick([1, B]), rng.pick([1, Hq]), T, S], {
            gen: (r) => (r.chance(0.2) ? -Infinity : r.chance(0.5) ? 0 : r.uniform(-1, 1)),
          }),
        }
      : {}),
  };
  const q = makeView(rng, 'f32', [B, Hq, T, D], { unitLast: true });
  const k = makeView(rng, 'f32', [B, Hkv, S, D], { unitLast: true });
  const v = makeView(rng, 'f32', [B, Hkv, S, D], { unitLast: true });
  return { q, k, v, opts, shapes: { B, Hq, Hkv, T, S, D } };
}

export const nnCases: Record<string, Case> = {
  softmax(be, ref, rng) {
    const shape = rowsShape(rng);
    const kind = rng.pick(['softmax', 'logSoftmax'] as const);
    const x = makeView(rng, 'f32', shape, { gen: (r) => (r.chance(0.05) ? -Infinity : r.uniform(-8, 8)) });
    const [a, b] = outOf(rng, shape);
    be[kind](x, a);
    ref[kind](x, b);
    assertClose(a, b, { rtol: 3e-5, atol: 1e-6 }, kind);
  },

  softmaxBackward(be, ref, rng) {
    const shape = rowsShape(rng);
    const kind = rng.pick(['softmaxBackward', 'logSoftmaxBackward'] as const);
    const y = makeView(rng, 'f32', shape, { gen: (r) => r.uniform(kind === 'softmaxBackward' ? 0 : -5, kind === 'softmaxBackward' ? 1 : 0) });
    const gy = makeView(rng, 'f32', shape, { broadcast: true });
    const [a, b] = outOf(rng, shape);
    be[kind](y, gy, a);
    ref[kind](y, gy, b);
    assertClose(a, b, { rtol: 1e-4, atol: 2e-5 }, kind);
  },

  layerNorm(be, ref, rng) {
    const shape = rowsShape(rng);
    const n = shape[shape.length - 1]!;
    const rows = count(shape) / n;
    const x = makeView(rng, 'f32', shape, { gen: (r) => r.uniform(-3, 5) });
    const w = rng.chance(0.7) ? makeView(rng, 'f32', [n]) : null;
    const bias = rng.chance(0.7) ? makeView(rng, 'f32', [n]) : null;
    const eps = rng.pick([1e-5, 1e-6, 0.1]);
    const [o1, o2] = outOf(rng, shape);
    const [m1, m2] = outOf(rng, [rows]);
    const [r1, r2] = outOf(rng, [rows]);
    be.layerNorm(x, w, bias, eps, o1, m1, r1);
    ref.layerNorm(x, w, bias, eps, o2, m2, r2);
    const tol = { rtol: 1e-4, atol: 2e-5 };
    assertClose(o1, o2, tol, 'layerNorm out');
    assertClose(m1, m2, tol, 'layerNorm mean');
    assertClose(r1, r2, tol, 'layerNorm rstd');
    // Backward from the reference's statistics.
    const gy = makeView(rng, 'f32', shape);
    const [g1, g2] = outOf(rng, shape);
    const gw1 = w ? randomized(rng, makeOut(rng, 'f32', [n])) : null;
    const gb1 = bias ? randomized(rng, makeOut(rng, 'f32', [n])) : null;
    const gw2 = gw1 && clone(gw1);
    const gb2 = gb1 && clone(gb1);
    be.layerNormBackward(gy, x, w, m2, r2, g1, gw1, gb1);
    ref.layerNormBackward(gy, x, w, m2, r2, g2, gw2, gb2);
    const btol = { rtol: 2e-4, atol: 2e-4 * Math.sqrt(rows) };
    assertClose(g1, g2, btol, 'layerNorm gx');
    if (gw1 && gw2) assertClose(gw1, gw2, btol, 'layerNorm gw');
    if (gb1 && gb2) assertClose(gb1, gb2, btol, 'layerNorm gb');
  },

  rmsNorm(be, ref, rng) {
    const shape = rowsShape(rng);
    const n = shape[shape.length - 1]!;
    const rows = count(shape) / n;
    const x = makeView(rng, 'f32', shape);
    const w = rng.chance(0.7) ? makeView(rng, 'f32', [n]) : null;
    const eps = rng.pick([1e-5, 1e-6, 0.1]);
    const [o1, o2] = outOf(rng, shape);
    const [r1, r2] = outOf(rng, [rows]);
    be.rmsNorm(x, w, eps, o1, r1);
    ref.rmsNorm(x, w, eps, o2, r2);
    const tol = { rtol: 1e-4, atol: 2e-5 };
    assertClose(o1, o2, tol, 'rmsNorm out');
    assertClose(r1, r2, tol, 'rmsNorm rstd');
    const gy = makeView(rng, 'f32', shape);
    const [g1, g2] = outOf(rng, shape);
    const gw1 = w ? randomized(rng, makeOut(rng, 'f32', [n])) : null;
    const gw2 = gw1 && clone(gw1);
    be.rmsNormBackward(gy, x, w, r2, g1, gw1);
    ref.rmsNormBackward(gy, x, w, r2, g2, gw2);
    const btol = { rtol: 2e-4, atol: 2e-4 * Math.sqrt(rows) };
    assertClose(g1, g2, btol, 'rmsNorm gx');
    if (gw1 && gw2) assertClose(gw1, gw2, btol, 'rmsNorm gw');
  },

  rope(be, ref, rng) {
    const [B, T, H, D] = [rng.int(1, 3), rng.int(1, 9), rng.int(1, 4), 2 * rng.int(1, 40)];
    const Bc = rng.pick([1, B]);
    const x = makeView(rng, 'f32', [B, T, H, D]);
    const cos = makeView(rng, 'f32', [Bc, T, D / 2]);
    const sin = makeView(rng, 'f32', [Bc, T, D / 2]);
    const inverse = rng.chance(0.5);
    if (rng.chance(0.3)) {
      // In place: x and out are the same memory.
      const [x1, x2] = [clone(x), clone(x)];
      be.rope(x1, cos, sin, inverse, x1);
      ref.rope(x2, cos, sin, inverse, x2);
      assertClose(x1, x2, { rtol: 1e-5, atol: 1e-6 }, 'rope in place');
      return;
    }
    const [a, b] = outOf(rng, [B, T, H, D]);
    be.rope(x, cos, sin, inverse, a);
    ref.rope(x, cos, sin, inverse, b);
    assertClose(a, b, { rtol: 1e-5, atol: 1e-6 }, 'rope');
  },

  attention(be, ref, rng) {
    const { q, k, v, opts, shapes } = attentionInputs(rng);
    const { B, Hq, T, D } = shapes;
    const [o1, o2] = outOf(rng, [B, Hq, T, D]);
    const withLse = rng.chance(0.7);
    const [l1, l2] = outOf(rng, [B, Hq, T]);
    be.attention(q, k, v, o1, withLse ? l1 : null, opts);
    ref.attention(q, k, v, o2, l2, opts);
    const tol = { rtol: 1e-4, atol: 3e-5 };
    assertClose(o1, o2, tol, 'attention out');
    if (withLse) assertClose(l1, l2, tol, 'attention lse');
    const naive = naiveAttention(q, k, v, opts);
    assertClose(read(o1), naive.out, tol, 'attention out vs naive');
  },

  attentionBackward(be, ref, rng) {
    const { q, k, v, opts, shapes } = attentionInputs(rng);
    const { B, Hq, Hkv, T, S, D } = shapes;
    const out = makeOut(rng, 'f32', [B, Hq, T, D]);
    const lse = makeOut(rng, 'f32', [B, Hq, T]);
    ref.attention(q, k, v, out, lse, opts);
    const gout = makeView(rng, 'f32', [B, Hq, T, D], { unitLast: true });
    const grads = () => [makeOut(rng, 'f32', [B, Hq, T, D]), makeOut(rng, 'f32', [B, Hkv, S, D]), makeOut(rng, 'f32', [B, Hkv, S, D])] as const;
    const [gq1, gk1, gv1] = grads();
    const [gq2, gk2, gv2] = grads();
    be.attentionBackward(q, k, v, out, lse, gout, gq1, gk1, gv1, opts);
    ref.attentionBackward(q, k, v, out, lse, gout, gq2, gk2, gv2, opts);
    const tol = { rtol: 2e-4, atol: 5e-5 * Math.sqrt(S) };
    assertClose(gq1, gq2, tol, 'attention gq');
    assertClose(gk1, gk2, tol, 'attention gk');
    assertClose(gv1, gv2, tol, 'attention gv');
  },

  crossEntropy(be, ref, rng) {
    const N = rng.int(1, 12);
    const V = rng.pick([rng.int(1, 50), rng.int(500, 3000)]);
    const logits = makeView(rng, 'f32', [N, V], { gen: (r) => r.uniform(-6, 6) });
    const ignoreIndex = -100;
    const targets = makeView(rng, 'i32', [N], { gen: (r) => (r.chance(0.15) ? ignoreIndex : r.int(0, V - 1)) });
    const opts = { ignoreIndex, labelSmoothing: rng.pick([0, 0.1]) };
    const [ls1, ls2] = outOf(rng, [N]);
    const [lse1, lse2] = outOf(rng, [N]);
    be.crossEntropy(logits, targets, ls1, lse1, opts);
    ref.crossEntropy(logits, targets, ls2, lse2, opts);
    const tol = { rtol: 2e-5, atol: 2e-5 };
    assertClose(ls1, ls2, tol, 'crossEntropy loss');
    assertClose(lse1, lse2, tol, 'crossEntropy lse');
    const gloss = makeView(rng, 'f32', [N], { broadcast: true });
    const [g1, g2] = outOf(rng, [N, V]);
    be.crossEntropyBackward(logits, targets, lse2, gloss, g1, opts);
    ref.crossEntropyBackward(logits, targets, lse2, gloss, g2, opts);
    assertClose(g1, g2, { rtol: 1e-4, atol: 1e-6 }, 'crossEntropy glogits');
  },

  dropout(be, ref, rng) {
    const shape = rng.chance(0.15) ? [rng.int(50000, 90000)] : randShape(rng, 1, 4, 9);
    const x = makeView(rng, 'f32', shape);
    const p = rng.pick([0, 0.1, 0.5, 0.9]);
    const seed = rng.int(0, 0xffffffff);
    const [a, b] = outOf(rng, shape);
    be.dropout(x, p, seed, a);
    ref.dropout(x, p, seed, b);
    assertClose(a, b, { rtol: 1e-6, atol: 0 }, `dropout p=${p}`);
  },

  adamw(be, ref, rng) {
    const n = rng.pick([rng.int(1, 100), rng.int(70000, 150000)]);
    const mk = (lo: number, hi: number) => randomized(rng, makeOut(rng, 'f32', [n])).data.map(() => rng.uniform(lo, hi));
    const base = (data: View['data']): View => ({ data, dtype: 'f32', shape: [n], strides: [1], offset: 0 });
    const [p, g, m, v] = [base(mk(-1, 1)), base(mk(-1, 1)), base(mk(-0.1, 0.1)), base(mk(0, 0.01))];
    const opts = { lr: rng.pick([1e-3, 3e-4]), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: rng.pick([0, 0.1]), step: rng.int(1, 10) };
    const [p1, m1, v1, p2, m2, v2] = [clone(p), clone(m), clone(v), clone(p), clone(m), clone(v)];
    be.adamw(p1, g, m1, v1, opts);
    ref.adamw(p2, g, m2, v2, opts);
    const tol = { rtol: 1e-5, atol: 1e-7 };
    assertClose(p1, p2, tol, 'adamw param');
    assertClose(m1, m2, tol, 'adamw m');
    assertClose(v1, v2, tol, 'adamw v');
  },

  sgd(be, ref, rng) {
    const n = rng.int(1, 300);
    const p = makeView(rng, 'f32', [n], { layout: false });
    const g = makeView(rng, 'f32', [n], { layout: false });
    const momentum = rng.pick([0, 0.9]);
    const buf = momentum ? makeView(rng, 'f32', [n], { layout: false }) : null;
    const opts = { lr: 0.01, momentum, dampening: rng.pick([0, 0.1]), weightDecay: rng.pick([0, 0.01]), nesterov: momentum > 0 && rng.chance(0.5) };
    const [p1, p2] = [clone(p), clone(p)];
    const [b1, b2] = [buf && clone(buf), buf && clone(buf)];
    be.sgd(p1, g, b1, opts);
    ref.sgd(p2, g, b2, opts);
    assertClose(p1, p2, { rtol: 1e-5, atol: 1e-6 }, 'sgd param');
    if (b1 && b2) assertClose(b1, b2, { rtol: 1e-5, atol: 1e-6 }, 'sgd buffer');
  },
};
