/**
 * Scaled dot-product attention, reference version: one query at a time with
 * an online softmax (running max and sum), so memory stays linear in the
 * sequence length, as in FlashAttention. The backward recomputes each
 * probability from the saved log-sum-exp instead of storing the T x S matrix.
 *
 * Shapes: q (B, Hq, T, D); k, v (B, Hkv, S, D); out (B, Hq, T, D); lse (B, Hq, T).
 * Query head h reads key/value head floor(h / (Hq / Hkv)) (grouped-query).
 */
import type { AttentionOptions, View } from '../backend.js';
import { fill } from './elementwise.js';

interface Idx4 {
  (b: number, h: number, t: number): number;
}

function at(v: View): Idx4 {
  const [sb, sh, st] = v.strides as [number, number, number, number];
  return (b, h, t) => v.offset + b * sb + h * sh + t * st;
}

/** Reads the additive mask at (b, h, i, j), broadcasting size-1 dims. */
function maskReader(mask: View | undefined): ((b: number, h: number, i: number, j: number) => number) | null {
  if (!mask) return null;
  const nd = mask.shape.length;
  const st = [0, 0, 0, 0];
  for (let d = 0; d < nd; d++) st[4 - nd + d] = mask.shape[d] === 1 ? 0 : mask.strides[d]!;
  const md = mask.data;
  return (b, h, i, j) => md[mask.offset + b * st[0]! + h * st[1]! + i * st[2]! + j * st[3]!]!;
}

/** The key range [lo, hi] query i may see. */
function keyRange(i: number, T: number, S: number, opts: AttentionOptions): [number, number] {
  const pos = S - T + i;
  const hi = opts.causal ? Math.min(pos, S - 1) : S - 1;
  const lo = opts.window !== undefined ? Math.max(0, pos - opts.window + 1) : 0;
  return [lo, hi];
}

export function attention(q: View, k: View, v: View, out: View, lse: View | null, opts: AttentionOptions): void {
  const [B, Hq, T, D] = q.shape as [number, number, number, number];
  const Hkv = k.shape[1]!;
  const S = k.shape[2]!;
  const group = Hq / Hkv;
  const qa = at(q);
  const ka = at(k);
  const va = at(v);
  const oa = at(out);
  const qsd = q.strides[3]!;
  const ksd = k.strides[3]!;
  const vsd = v.strides[3]!;
  const osd = out.strides[3]!;
  const mask = maskReader(opts.mask);
  const acc = new Float64Array(D);
  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const [lo, hi] = keyRange(i, T, S, opts);
        const qi = qa(b, h, i);
        let m = -Infinity;
        let l = 0;
        acc.fill(0);
        for (let j = lo; j <= hi; j++) {
          const kj = ka(b, hk, j);
          let s = 0;
          for (let d = 0; d < D; d++) s += qd[qi + d * qsd]! * kd[kj + d * ksd]!;
          s *= opts.scale;
          if (mask) s += mask(b, h, i, j);
          if (s === -Infinity) continue;
          const mNew = Math.max(m, s);
          const corr = Math.exp(m - mNew);
          const p = Math.exp(s - mNew);
          l = l * corr + p;
          const vj = va(b, hk, j);
          for (let d = 0; d < D; d++) acc[d] = acc[d]! * corr + p * vd[vj + d * vsd]!;
          m = mNew;
        }
        const oi = oa(b, h, i);
        for (let d = 0; d < D; d++) out.data[oi + d * osd] = l > 0 ? acc[d]! / l : 0;
        if (lse) lse.data[lse.offset + (b * Hq + h) * T + i] = l > 0 ? m + Math.log(l) : -Infinity;
      }
    }
  }
}

export function attentionBackward(
  q: View,
  k: View,
  v: View,
  out: View,
  lse: View,
  gout: View,
  gq: View,
  gk: View,
  gv: View,
  opts: AttentionOptions,
): void {
  const [B, Hq, T, D] = q.shape as [number, number, number, number];
  const Hkv = k.shape[1]!;
  const S = k.shape[2]!;
  const group = Hq / Hkv;
  fill(gq, 0);
  fill(gk, 0);
  fill(gv, 0);
  const [qa, ka, va, oa, ga, gqa, gka, gva] = [q, k, v, out, gout, gq, gk, gv].map(at) as Idx4[];
  const sd = [q, k, v, out, gout, gq, gk, gv].map((x) => x.strides[3]!);
  const [qsd, ksd, vsd, osd, gsd, gqsd, gksd, gvsd] = sd as number[];
  const mask = maskReader(opts.mask);
  const qd = q.data;
  const kd = k.data;
  const vd = v.data;
  const od = out.data;
  const gd = gout.data;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const L = lse.data[lse.offset + (b * Hq + h) * T + i]!;
        if (L === -Infinity) continue;
        const [lo, hi] = keyRange(i, T, S, opts);
        const qi = qa!(b, h, i);
        const oi = oa!(b, h, i);
        const gi = ga!(b, h, i);
        // Di = sum_d gout[i,d] * out[i,d]
        let Di = 0;
        for (let d = 0; d < D; d++) Di += gd[gi + d * gsd!]! * od[oi + d * osd!]!;
        const gqi = gqa!(b, h, i);
        for (let j = lo; j <= hi; j++) {
          const kj = ka!(b, hk, j);
          const vj = va!(b, hk, j);
          let s = 0;
          for (let d = 0; d < D; d++) s += qd[qi + d * qsd!]! * kd[kj + d * ksd!]!;
          s *= opts.scale;
          if (mask) s += mask(b, h, i, j);
          if (s === -Infinity) continue;
          const p = Math.exp(s - L);
          let dp = 0;
          for (let d = 0; d < D; d++) dp += gd[gi + d * gsd!]! * vd[vj + d * vsd!]!;
          const ds = p * (dp - Di) * opts.scale;
          const gvj = gva!(b, hk, j);
          const gkj = gka!(b, hk, j);
          for (let d = 0; d < D; d++) {
            gv.data[gvj + d * gvsd!] += p * gd[gi + d * gsd!]!;
            gq.data[gqi + d * gqsd!] += ds * kd[kj + d * ksd!]!;
            gk.data[gkj + d * gksd!] += ds * qd[qi + d * qsd!]!;
          }
        }
      }
    }
  }
}
