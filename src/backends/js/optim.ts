/**
 * Optimizer updates of the js reference backend, in place on contiguous buffers.
 */
import type { AdamWOptions, SgdOptions, View } from '../backend.js';

// AdamW (Loshchilov & Hutter): decoupled decay, then the bias-corrected Adam step.
export function adamw(param: View, grad: View, m: View, v: View, o: AdamWOptions): void {
  const n = param.shape.reduce((a, b) => a * b, 1);
  const p = param.data;
  const g = grad.data;
  const md = m.data;
  const vd = v.data;
  const bc1 = 1 - Math.pow(o.beta1, o.step);
  const bc2 = 1 - Math.pow(o.beta2, o.step);
  const decay = 1 - o.lr * o.weightDecay;
  for (let i = 0; i < n; i++) {
    const gi = g[grad.offset + i]!;
    const mi = (md[m.offset + i] = o.beta1 * md[m.offset + i]! + (1 - o.beta1) * gi);
    const vi = (vd[v.offset + i] = o.beta2 * vd[v.offset + i]! + (1 - o.beta2) * gi * gi);
    const pi = param.offset + i;
    p[pi] = p[pi]! * decay - (o.lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + o.eps);
  }
}

// SGD with momentum as PyTorch defines it: buf = momentum * buf + (1 - dampening) * g; step along buf (or g + momentum * buf with Nesterov).
export function sgd(param: View, grad: View, buf: View | null, o: SgdOptions): void {
  const n = param.shape.reduce((a, b) => a * b, 1);
  const p = param.data;
  const g = grad.data;
  for (let i = 0; i < n; i++) {
    const pi = param.offset + i;
    let d = g[grad.offset + i]! + o.weightDecay * p[pi]!;
    if (buf && o.momentum !== 0) {
      const bi = buf.offset + i;
      const b = (buf.data[bi] = o.momentum * buf.data[bi]! + (1 - o.dampening) * d);
      d = o.nesterov ? d + o.momentum * b : b;
    }
    p[pi] = p[pi]! - o.lr * d;
  }
}
