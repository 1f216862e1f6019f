/**
 * Elementwise kernels of the js reference backend: unary math, activation
 * derivatives, broadcasting binary ops, where, copy (with dtype conversion)
 * and fill. Plain loops over rows planned by ./strided.ts.
 */
import type { ActivationOp, BinaryOp, UnaryOp, View } from '../backend.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, isQuantized } from '../../tensor/dtype.js';
import { UnsupportedError } from '../../errors.js';
import { planRows } from './strided.js';
import { dequantizeInto } from './quant.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * erf to ~1e-14: the Maclaurin series below 2.5, where it converges with
 * little cancellation, and the continued fraction for erfc above. The
 * reference backend computes in double, so gradient checks of the exact
 * (erf) GELU stay meaningful.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2.5) {
    // erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    let term = z;
    let sum = z;
    const z2 = z * z;
    for (let n = 1; n < 80; n++) {
      term *= -z2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))), by Lentz's method.
    const tiny = 1e-300;
    let f = z;
    let c = z;
    let d = 0;
    for (let k = 1; k < 200; k++) {
      const a = k / 2;
      d = z + a * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = z + a / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

export const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  recip: (x) => 1 / x,
  square: (x) => x * x,
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x / (1 + Math.exp(-x)),
  // GPT-2's GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  geluErf: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
};

/** d op(x) / dx. */
export const UNARY_DERIV: Record<ActivationOp, (x: number) => number> = {
  tanh: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
  sigmoid: (x) => {
    const s = 1 / (1 + Math.exp(-x));
    return s * (1 - s);
  },
  relu: (x) => (x > 0 ? 1 : 0),
  silu: (x) => {
    const s = 1 / (1 + Math.exp(-x));
    return s * (1 + x * (1 - s));
  },
  geluTanh: (x) => {
    const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    const t = Math.tanh(u);
    const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
  },
  geluErf: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
};

export const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  max: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  min: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

export function unary(op: UnaryOp, x: View, out: View): void {
  const f = UNARY[op];
  const p = planRows(x.shape, [x, out], true);
  const xd = x.data;
  const od = out.data;
  const [sx, so] = p.inner as [number, number];
  for (let r = 0; r < p.rows; r++) {
    let ix = p.starts[0]![r]!;
    let io = p.starts[1]![r]!;
    for (let j = 0; j < p.n; j++, ix += sx, io += so) od[io] = f(xd[ix]!);
  }
}

export function unaryGrad(op: ActivationOp, x: View, g: View, out: View): void {
  const f = UNARY_DERIV[op];
  const p = planRows(x.shape, [x, g, out], true);
  const xd = x.data;
  const gd = g.data;
  const od = out.data;
  const [sx, sg, so] = p.inner as [number, number, number];
  for (let r = 0; r < p.rows; r++) {
    let ix = p.starts[0]![r]!;
    let ig = p.starts[1]![r]!;
    let io = p.starts[2]![r]!;
    for (let j = 0; j < p.n; j++, ix += sx, ig += sg, io += so) od[io] = gd[ig]! * f(xd[ix]!);
  }
}

export function binary(op: BinaryOp, a: View, b: View, out: View): void {
  const f = BINARY[op];
  const p = planRows(out.shape, [a, b, out], true);
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  const [sa, sb, so] = p.inner as [number, number, number];
  for (let r = 0; r < p.rows; r++) {
    let ia = p.starts[0]![r]!;
    let ib = p.starts[1]![r]!;
    let io = p.starts[2]![r]!;
    for (let j = 0; j < p.n; j++, ia += sa, ib += sb, io += so) od[io] = f(ad[ia]!, bd[ib]!);
  }
}

export function where(cond: View, a: View, b: View, out: View): void {
  const p = planRows(out.shape, [cond, a, b, out], true);
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  const [sc, sa, sb, so] = p.inner as [number, number, number, number];
  for (let r = 0; r < p.rows; r++) {
    let ic = p.starts[0]![r]!;
    let ia = p.starts[1]![r]!;
    let ib = p.starts[2]![r]!;
    let io = p.starts[3]![r]!;
    for (let j = 0; j < p.n; j++, ic += sc, ia += sa, ib += sb, io += so) od[io] = cd[ic] !== 0 ? ad[ia]! : bd[ib]!;
  }
}

/** Raw element -> number for a dtype. */
function decoder(dtype: View['dtype']): ((v: number) => number) | null {
  if (dtype === 'f16') return f16ToF32;
  if (dtype === 'bf16') return bf16ToF32;
  return null;
}

function encoder(dtype: View['dtype']): ((v: number) => number) | null {
  if (dtype === 'f16') return f32ToF16;
  if (dtype === 'bf16') return f32ToBf16;
  if (dtype === 'i32') return (v) => Math.trunc(v);
  if (dtype === 'u8') return (v) => Math.trunc(v) & 0xff;
  return null;
}

export function copy(src: View, dst: View): void {
  if (isQuantized(dst.dtype)) throw new UnsupportedError('copy', `cannot write ${dst.dtype} elementwise; quantize with the quant module`);
  if (isQuantized(src.dtype)) {
    dequantizeInto(src, dst);
    return;
  }
  const dec = decoder(src.dtype);
  const enc = encoder(dst.dtype);
  const p = planRows(dst.shape, [src, dst], true);
  const sd = src.data;
  const dd = dst.data;
  const [ss, sdst] = p.inner as [number, number];
  for (let r = 0; r < p.rows; r++) {
    let is = p.starts[0]![r]!;
    let id = p.starts[1]![r]!;
    for (let j = 0; j < p.n; j++, is += ss, id += sdst) {
      let v = sd[is]!;
      if (dec) v = dec(v);
      dd[id] = enc ? enc(v) : v;
    }
  }
}

export function fill(dst: View, value: number): void {
  const enc = encoder(dst.dtype);
  const v = enc ? enc(value) : value;
  const p = planRows(dst.shape, [dst], true);
  const dd = dst.data;
  const s = p.inner[0]!;
  for (let r = 0; r < p.rows; r++) {
    let i = p.starts[0]![r]!;
    for (let j = 0; j < p.n; j++, i += s) dd[i] = v;
  }
}
