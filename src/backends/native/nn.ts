/**
 * Fused kernels of the native backend: softmax and log-softmax, LayerNorm and
 * RMSNorm (with backwards), rotary embedding, cross-entropy, dropout, flash
 * attention (forward and backward) and the in-place optimizers.
 */
import type { AdamWOptions, AttentionOptions, Backend, CrossEntropyOptions, SgdOptions, View } from '../backend.js';
import { IndexRangeError } from '../../errors.js';
import * as js from '../js/kernels.js';
import { bufferOf } from './args.js';
import { allF32, type NativeCtx } from './ctx.js';
import { isDense } from './elementwise.js';

type NnKernels = Pick<
  Backend,
  | 'softmax'
  | 'softmaxBackward'
  | 'logSoftmax'
  | 'logSoftmaxBackward'
  | 'layerNorm'
  | 'layerNormBackward'
  | 'rmsNorm'
  | 'rmsNormBackward'
  | 'rope'
  | 'attention'
  | 'attentionBackward'
  | 'crossEntropy'
  | 'crossEntropyBackward'
  | 'dropout'
  | 'adamw'
  | 'sgd'
>;

/** q, k, v, out style views: 4-D with a unit last stride (or a last dim of 1). */
function headOk(v: View): boolean {
  return v.dtype === 'f32' && v.shape.length === 4 && (v.strides[3] === 1 || v.shape[3] === 1);
}

/** The same view with its last stride written as 1 (a size-1 last dim may carry any stride). */
function unitLast(v: View): View {
  return v.strides[3] === 1 ? v : { ...v, strides: [v.strides[0]!, v.strides[1]!, v.strides[2]!, 1] };
}

function oneD(v: View | null): boolean {
  return v === null || (v.dtype === 'f32' && v.shape.length === 1);
}

export function nnKernels(c: NativeCtx): NnKernels {
  const a = c.addon;
  const softmaxCall = (kind: number, x: View, g: View | null, out: View) => {
    const b = c.begin().num(kind).view(x);
    if (g) b.view(g);
    b.view(out);
    if (g) a.softmax(bufferOf(x), bufferOf(g), bufferOf(out));
    else a.softmax(bufferOf(x), bufferOf(out));
  };
  return {
    softmax(x, out) {
      if (!allF32(x, out)) return js.softmax(x, out);
      softmaxCall(0, x, null, out);
    },
    logSoftmax(x, out) {
      if (!allF32(x, out)) return js.logSoftmax(x, out);
      softmaxCall(1, x, null, out);
    },
    softmaxBackward(y, gy, out) {
      if (!allF32(y, gy, out)) return js.softmaxBackward(y, gy, out);
      softmaxCall(2, y, gy, out);
    },
    logSoftmaxBackward(y, gy, out) {
      if (!allF32(y, gy, out)) return js.logSoftmaxBackward(y, gy, out);
      softmaxCall(3, y, gy, out);
    },
    layerNorm(x, w, b, eps, out, mean, rstd) {
      if (!allF32(x, w, b, out, mean, rstd) || !oneD(w) || !oneD(b)) return js.layerNorm(x, w, b, eps, out, mean, rstd);
      c.begin().num(0).num(eps).view(x).view(w).view(b).view(out).view(mean).view(rstd);
      a.norm(bufferOf(x), w ? bufferOf(w) : null, b ? bufferOf(b) : null, bufferOf(out), bufferOf(mean), bufferOf(rstd));
    },
    layerNormBackward(gy, x, w, mean, rstd, gx, gw, gb) {
      if (!allF32(gy, x, w, mean, rstd, gx, gw, gb) || !oneD(w) || !oneD(gw) || !oneD(gb)) {
        return js.layerNormBackward(gy, x, w, mean, rstd, gx, gw, gb);
      }
      c.begin().num(0).view(gy).view(x).view(w).view(mean).view(rstd).view(gx).view(gw).view(gb);
      a.normBackward(bufferOf(gy), bufferOf(x), w ? bufferOf(w) : null, bufferOf(mean), bufferOf(rstd), bufferOf(gx), gw ? bufferOf(gw) : null, gb ? bufferOf(gb) : null);
    },
    rmsNorm(x, w, eps, out, rstd) {
      if (!allF32(x, w, out, rstd) || !oneD(w)) return js.rmsNorm(x, w, eps, out, rstd);
      c.begin().num(1).num(eps).view(x).view(w).view(out).view(rstd);
      a.norm(bufferOf(x), w ? bufferOf(w) : null, bufferOf(out), bufferOf(rstd));
    },
    rmsNormBackward(gy, x, w, rstd, gx, gw) {
      if (!allF32(gy, x, w, rstd, gx, gw) || !oneD(w) || !oneD(gw)) return js.rmsNormBackward(gy, x, w, rstd, gx, gw);
      c.begin().num(1).view(gy).view(x).view(w).view(rstd).view(gx).view(gw);
      a.normBackward(bufferOf(gy), bufferOf(x), w ? bufferOf(w) : null, bufferOf(rstd), bufferOf(gx), gw ? bufferOf(gw) : null);
    },
    rope(x, cos, sin, inverse, out) {
      if (!allF32(x, cos, sin, out) || x.shape.length !== 4 || cos.shape.length !== 3 || sin.shape.length !== 3) {
        return js.rope(x, cos, sin, inverse, out);
      }
      c.begin().num(inverse ? 1 : 0).view(x).view(cos).view(sin).view(out);
      a.rope(bufferOf(x), bufferOf(cos), bufferOf(sin), bufferOf(out));
    },
    attention(q, k, v, out, lse, opts: AttentionOptions) {
      const mask = opts.mask ?? null;
      if (!headOk(q) || !headOk(k) || !headOk(v) || !headOk(out) || !allF32(lse, mask) || (mask && mask.shape.length > 4)) {
        return js.attention(q, k, v, out, lse, opts);
      }
      c.begin()
        .num(opts.scale)
        .num(opts.causal ? 1 : 0)
        .num(opts.window ?? 0)
        .view(unitLast(q))
        .view(unitLast(k))
        .view(unitLast(v))
        .view(unitLast(out))
        .view(lse)
        .view(mask);
      a.attention(bufferOf(q), bufferOf(k), bufferOf(v), bufferOf(out), lse ? bufferOf(lse) : null, mask ? bufferOf(mask) : null);
    },
    attentionBackward(q, k, v, out, lse, gout, gq, gk, gv, opts: AttentionOptions) {
      const mask = opts.mask ?? null;
      const heads = [q, k, v, out, gout, gq, gk, gv];
      if (!heads.every(headOk) || !allF32(lse, mask) || (mask && mask.shape.length > 4)) {
        return js.attentionBackward(q, k, v, out, lse, gout, gq, gk, gv, opts);
      }
      const b = c.begin()
        .num(opts.scale)
        .num(opts.causal ? 1 : 0)
        .num(opts.window ?? 0);
      for (const h of heads.slice(0, 4)) b.view(unitLast(h));
      b.view(lse);
      for (const h of heads.slice(4)) b.view(unitLast(h));
      b.view(mask);
      a.attentionBackward(bufferOf(q), bufferOf(k), bufferOf(v), bufferOf(out), bufferOf(lse), bufferOf(gout), bufferOf(gq), bufferOf(gk), bufferOf(gv), mask ? bufferOf(mask) : null);
    },
    crossEntropy(logits, targets, losses, lse, opts: CrossEntropyOptions) {
      if (!allF32(logits, losses, lse) || targets.dtype !== 'i32') return js.crossEntropy(logits, targets, losses, lse, opts);
      c.begin().num(opts.ignoreIndex).num(opts.labelSmoothing).view(logits).view(targets).view(losses).view(lse);
      const bad = a.crossEntropy(bufferOf(logits), bufferOf(targets), bufferOf(losses), bufferOf(lse));
      if (bad >= 0) {
        const V = logits.shape[logits.shape.length - 1]!;
        const t = readI32(targets, bad);
        throw new IndexRangeError('crossEntropy', t, V, 'target');
      }
    },
    crossEntropyBackward(logits, targets, lse, gloss, glogits, opts: CrossEntropyOptions) {
      if (!allF32(logits, lse, gloss, glogits) || targets.dtype !== 'i32') {
        return js.crossEntropyBackward(logits, targets, lse, gloss, glogits, opts);
      }
      c.begin().num(opts.ignoreIndex).num(opts.labelSmoothing).view(logits).view(targets).view(lse).view(gloss).view(glogits);
      a.crossEntropyBackward(bufferOf(logits), bufferOf(targets), bufferOf(lse), bufferOf(gloss), bufferOf(glogits));
    },
    dropout(x, p, seed, out) {
      if (!allF32(x, out)) return js.dropout(x, p, seed, out);
      c.begin().num(p).num(seed >>> 0).view(x).view(out);
      a.dropout(bufferOf(x), bufferOf(out));
    },
    adamw(param, grad, m, v, o: AdamWOptions) {
      if (!allF32(param, grad, m, v) || ![param, grad, m, v].every(isDense)) return js.adamw(param, grad, m, v, o);
      c.begin().num(o.lr).num(o.beta1).num(o.beta2).num(o.eps).num(o.weightDecay).num(o.step).view(param).view(grad).view(m).view(v);
      a.adamw(bufferOf(param), bufferOf(grad), bufferOf(m), bufferOf(v));
    },
    sgd(param, grad, buf, o: SgdOptions) {
      if (!allF32(param, grad, buf) || ![param, grad, ...(buf ? [buf] : [])].every(isDense)) return js.sgd(param, grad, buf, o);
      c.begin().num(o.lr).num(o.momentum).num(o.dampening).num(o.weightDecay).num(o.nesterov ? 1 : 0).view(param).view(grad).view(buf);
      a.sgd(bufferOf(param), bufferOf(grad), buf ? bufferOf(buf) : null);
    },
  };
}

/** Element i (row-major) of an i32 view. */
function readI32(v: View, i: number): number {
  let off = v.offset;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    const n = v.shape[d]!;
    off += (i % n) * v.strides[d]!;
    i = Math.floor(i / n);
  }
  return v.data[off]!;
}
