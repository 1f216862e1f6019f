/**
 * Fused neural-network kernels of the js reference backend (softmax, norms,
 * rotary embedding, cross-entropy, dropout), each next to its backward.
 * All work row-wise over the last axis; inputs may be strided, outputs are
 * contiguous. Statistics accumulate in double.
 */
import type { CrossEntropyOptions, View } from '../backend.js';
import { dropoutHash } from '../backend.js';
import { IndexRangeError } from '../../errors.js';
import { planRows } from './strided.js';

/** Row starts of a view over the last axis, and the output row stride. */
function rowsOf(v: View) {
  const p = planRows(v.shape, [v]);
  return { rows: p.rows, n: p.n, start: p.starts[0]!, s: p.inner[0]! };
}

// ---- softmax ----

export function softmax(x: View, out: View): void {
  const { rows, n, start, s } = rowsOf(x);
  const xd = x.data;
  const od = out.data;
  for (let r = 0; r < rows; r++) {
    const b = start[r]!;
    const o = out.offset + r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, xd[b + j * s]!);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(xd[b + j * s]! - m);
    for (let j = 0; j < n; j++) od[o + j] = Math.exp(xd[b + j * s]! - m) / sum;
  }
}

// gx = y * (gy - sum(gy * y))
export function softmaxBackward(y: View, gy: View, out: View): void {
  const py = planRows(y.shape, [y, gy]);
  const yd = y.data;
  const gd = gy.data;
  const od = out.data;
  const [sy, sg] = py.inner as [number, number];
  for (let r = 0; r < py.rows; r++) {
    const by = py.starts[0]![r]!;
    const bg = py.starts[1]![r]!;
    const o = out.offset + r * py.n;
    let dot = 0;
    for (let j = 0; j < py.n; j++) dot += gd[bg + j * sg]! * yd[by + j * sy]!;
    for (let j = 0; j < py.n; j++) od[o + j] = yd[by + j * sy]! * (gd[bg + j * sg]! - dot);
  }
}

export function logSoftmax(x: View, out: View): void {
  const { rows, n, start, s } = rowsOf(x);
  const xd = x.data;
  const od = out.data;
  for (let r = 0; r < rows; r++) {
    const b = start[r]!;
    const o = out.offset + r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, xd[b + j * s]!);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(xd[b + j * s]! - m);
    const lse = m + Math.log(sum);
    for (let j = 0; j < n; j++) od[o + j] = xd[b + j * s]! - lse;
  }
}

// gx = gy - exp(y) * sum(gy)
export function logSoftmaxBackward(y: View, gy: View, out: View): void {
  const p = planRows(y.shape, [y, gy]);
  const yd = y.data;
  const gd = gy.data;
  const od = out.data;
  const [sy, sg] = p.inner as [number, number];
  for (let r = 0; r < p.rows; r++) {
    const by = p.starts[0]![r]!;
    const bg = p.starts[1]![r]!;
    const o = out.offset + r * p.n;
    let sum = 0;
    for (let j = 0; j < p.n; j++) sum += gd[bg + j * sg]!;
    for (let j = 0; j < p.n; j++) od[o + j] = gd[bg + j * sg]! - Math.exp(yd[by + j * sy]!) * sum;
  }
}

// ---- LayerNorm: y = (x - mean) * rstd * w + b ----

export function layerNorm(x: View, w: View | null, b: View | null, eps: number, out: View, mean: View, rstd: View): void {
  const { rows, n, start, s } = rowsOf(x);
  const xd = x.data;
  const od = out.data;
  for (let r = 0; r < rows; r++) {
    const base = start[r]!;
    let mu = 0;
    for (let j = 0; j < n; j++) mu += xd[base + j * s]!;
    mu /= n;
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = xd[base + j * s]! - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / n + eps);
    mean.data[mean.offset + r] = mu;
    rstd.data[rstd.offset + r] = rs;
    const o = out.offset + r * n;
    for (let j = 0; j < n; j++) {
      let y = (xd[base + j * s]! - mu) * rs;
      if (w) y *= w.data[w.offset + j * w.strides[0]!]!;
      if (b) y += b.data[b.offset + j * b.strides[0]!]!;
      od[o + j] = y;
    }
  }
}

// With xhat = (x - mean) * rstd and dxhat = gy * w:
// gx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); gw += sum(gy * xhat); gb += sum(gy).
export function layerNormBackward(
  gy: View,
  x: View,
  w: View | null,
  mean: View,
  rstd: View,
  gx: View,
  gw: View | null,
  gb: View | null,
): void {
  const p = planRows(x.shape, [x, gy]);
  const xd = x.data;
  const gd = gy.data;
  const [sx, sg] = p.inner as [number, number];
  const n = p.n;
  const dxhat = new Float64Array(n);
  const xhat = new Float64Array(n);
  for (let r = 0; r < p.rows; r++) {
    const bx = p.starts[0]![r]!;
    const bg = p.starts[1]![r]!;
    const mu = mean.data[mean.offset + r]!;
    const rs = rstd.data[rstd.offset + r]!;
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < n; j++) {
      const g = gd[bg + j * sg]!;
      xhat[j] = (xd[bx + j * sx]! - mu) * rs;
      dxhat[j] = w ? g * w.data[w.offset + j * w.strides[0]!]! : g;
      m1 += dxhat[j]!;
      m2 += dxhat[j]! * xhat[j]!;
      if (gw) gw.data[gw.offset + j * gw.strides[0]!] += g * xhat[j]!;
      if (gb) gb.data[gb.offset + j * gb.strides[0]!] += g;
    }
    m1 /= n;
    m2 /= n;
    const o = gx.offset + r * n;
    for (let j = 0; j < n; j++) gx.data[o + j] = rs * (dxhat[j]! - m1 - xhat[j]! * m2);
  }
}

// ---- RMSNorm: y = x * rstd * w, rstd = 1/sqrt(mean(x^2) + eps) ----

export function rmsNorm(x: View, w: View | null, eps: number, out: View, rstd: View): void {
  const { rows, n, start, s } = rowsOf(x);
  const xd = x.data;
  const od = out.data;
  for (let r = 0; r < rows; r++) {
    const base = start[r]!;
    let ss = 0;
    for (let j = 0; j < n; j++) ss += xd[base + j * s]! * xd[base + j * s]!;
    const rs = 1 / Math.sqrt(ss / n + eps);
    rstd.data[rstd.offset + r] = rs;
    const o = out.offset + r * n;
    for (let j = 0; j < n; j++) {
      const y = xd[base + j * s]! * rs;
      od[o + j] = w ? y * w.data[w.offset + j * w.strides[0]!]! : y;
    }
  }
}

// With dxhat = gy * w: gx = rstd * (dxhat - x * rstd^2 * mean(dxhat * x)); gw += sum(gy * x * rstd).
export function rmsNormBackward(gy: View, x: View, w: View | null, rstd: View, gx: View, gw: View | null): void {
  const p = planRows(x.shape, [x, gy]);
  const xd = x.data;
  const gd = gy.data;
  const [sx, sg] = p.inner as [number, number];
  const n = p.n;
  for (let r = 0; r < p.rows; r++) {
    const bx = p.starts[0]![r]!;
    const bg = p.starts[1]![r]!;
    const rs = rstd.data[rstd.offset + r]!;
    let dot = 0;
    for (let j = 0; j < n; j++) {
      const g = gd[bg + j * sg]!;
      const xv = xd[bx + j * sx]!;
      const dxh = w ? g * w.data[w.offset + j * w.strides[0]!]! : g;
      dot += dxh * xv;
      if (gw) gw.data[gw.offset + j * gw.strides[0]!] += g * xv * rs;
    }
    const c = (rs * rs * dot) / n;
    const o = gx.offset + r * n;
    for (let j = 0; j < n; j++) {
      const g = gd[bg + j * sg]!;
      const xv = xd[bx + j * sx]!;
      const dxh = w ? g * w.data[w.offset + j * w.strides[0]!]! : g;
      gx.data[o + j] = rs * (dxh - xv * c);
    }
  }
}

// ---- RoPE (rotate-half layout): x (B, T, H, D), cos/sin (Bc, T, D/2) ----

export function rope(x: View, cos: View, sin: View, inverse: boolean, out: View): void {
  const [B, T, H, D] = x.shape as [number, number, number, number];
  const half = D / 2;
  const [sxb, sxt, sxh, sxd] = x.strides as [number, number, number, number];
  const [sob, sot, soh, sod] = out.strides as [number, number, number, number];
  const cb = cos.shape[0] === 1 ? 0 : cos.strides[0]!;
  const sb = sin.shape[0] === 1 ? 0 : sin.strides[0]!;
  const sign = inverse ? -1 : 1;
  const xd = x.data;
  const od = out.data;
  const row = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const c0 = cos.offset + b * cb + t * cos.strides[1]!;
      const s0 = sin.offset + b * sb + t * sin.strides[1]!;
      for (let h = 0; h < H; h++) {
        const xi = x.offset + b * sxb + t * sxt + h * sxh;
        const oi = out.offset + b * sob + t * sot + h * soh;
        for (let i = 0; i < D; i++) row[i] = xd[xi + i * sxd]!;
        for (let i = 0; i < half; i++) {
          const c = cos.data[c0 + i * cos.strides[2]!]!;
          const s = sign * sin.data[s0 + i * sin.strides[2]!]!;
          const x1 = row[i]!;
          const x2 = row[i + half]!;
          od[oi + i * sod] = x1 * c - x2 * s;
          od[oi + (i + half) * sod] = x2 * c + x1 * s;
        }
      }
    }
  }
}

// ---- cross-entropy with ignore index and label smoothing ----
// loss = lse - (1 - eps) * x[target] - (eps / V) * sum_j x[j]

export function crossEntropy(logits: View, targets: View, losses: View, lse: View, opts: CrossEntropyOptions): void {
  const { rows, n: V, start, s } = rowsOf(logits);
  const xd = logits.data;
  const tp = planRows(targets.shape, [targets]);
  const eps = opts.labelSmoothing;
  for (let r = 0; r < rows; r++) {
    const t = targets.data[tp.starts[0]![Math.floor(r / tp.n)]! + (r % tp.n) * tp.inner[0]!]!;
    const b = start[r]!;
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, xd[b + j * s]!);
    let sum = 0;
    let all = 0;
    for (let j = 0; j < V; j++) {
      sum += Math.exp(xd[b + j * s]! - m);
      all += xd[b + j * s]!;
    }
    const l = m + Math.log(sum);
    lse.data[lse.offset + r] = l;
    if (t === opts.ignoreIndex) {
      losses.data[losses.offset + r] = 0;
      continue;
    }
    if (!(t >= 0 && t < V)) throw new IndexRangeError('crossEntropy', t, V, 'target');
    losses.data[losses.offset + r] = l - (1 - eps) * xd[b + t * s]! - (eps / V) * all;
  }
}

// glogits = (softmax - ((1 - eps) onehot + eps / V)) * gloss
export function crossEntropyBackward(
  logits: View,
  targets: View,
  lse: View,
  gloss: View,
  glogits: View,
  opts: CrossEntropyOptions,
): void {
  const { rows, n: V, start, s } = rowsOf(logits);
  const xd = logits.data;
  const tp = planRows(targets.shape, [targets]);
  const gp = planRows(gloss.shape, [gloss]);
  const eps = opts.labelSmoothing;
  const od = glogits.data;
  for (let r = 0; r < rows; r++) {
    const t = targets.data[tp.starts[0]![Math.floor(r / tp.n)]! + (r % tp.n) * tp.inner[0]!]!;
    const g = gloss.data[gp.starts[0]![Math.floor(r / gp.n)]! + (r % gp.n) * gp.inner[0]!]!;
    const o = glogits.offset + r * V;
    if (t === opts.ignoreIndex) {
      for (let j = 0; j < V; j++) od[o + j] = 0;
      continue;
    }
    const l = lse.data[lse.offset + r]!;
    const b = start[r]!;
    for (let j = 0; j < V; j++) {
      const p = Math.exp(xd[b + j * s]! - l);
      od[o + j] = (p - (j === t ? 1 - eps : 0) - eps / V) * g;
    }
  }
}

// ---- dropout (inverted, counter-based mask) ----

export function dropout(x: View, p: number, seed: number, out: View): void {
  const pl = planRows(x.shape, [x]);
  const xd = x.data;
  const od = out.data;
  const threshold = p * 4294967296;
  const scale = 1 / (1 - p);
  let i = 0;
  for (let r = 0; r < pl.rows; r++) {
    let ix = pl.starts[0]![r]!;
    for (let j = 0; j < pl.n; j++, ix += pl.inner[0]!, i++) {
      od[out.offset + i] = dropoutHash(seed, i) >= threshold ? xd[ix]! * scale : 0;
    }
  }
}
