/**
 * Finite-difference gradient checking on the js backend in float64.
 *
 * For f(inputs) -> Tensor we check the vector-Jacobian product with a random
 * cotangent r: d/dx sum(r * f(x)) from backward() against central differences
 * (sum(r * f(x + h e_i)) - sum(r * f(x - h e_i))) / 2h for every element i.
 */
import assert from 'node:assert/strict';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';

export interface GradcheckOptions {
  readonly h?: number;
  readonly atol?: number;
  readonly rtol?: number;
  readonly seed?: number;
  /** Inputs (by index) that are not differentiated (e.g. i32 targets). */
  readonly skip?: readonly number[];
}

/** A float64 tensor of normal samples requiring grad. */
export function randF64(rt: Runtime, shape: readonly number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.normal() * scale;
  return rt.tensor(d, shape, { dtype: 'f64', requiresGrad: true });
}

export function gradcheck(rt: Runtime, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const h = opts.h ?? 1e-6;
  const atol = opts.atol ?? 1e-7;
  const rtol = opts.rtol ?? 1e-5;
  const rng = new Rng(opts.seed ?? 7);
  const skip = new Set(opts.skip ?? []);
  const y0 = rt.noGrad(() => f(...inputs));
  const r = new Float64Array(y0.numel);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  const rT = rt.tensor(r, y0.shape, { dtype: y0.dtype });
  const objective = () => rt.noGrad(() => f(...inputs).mul(rT).sum().item());

  for (const x of inputs) x.zeroGrad();
  const y = f(...inputs);
  y.mul(rT).sum().backward();

  inputs.forEach((x, k) => {
    if (skip.has(k)) return;
    assert.ok(x.grad, `input ${k} got no gradient`);
    const analytic = x.grad!.toArray();
    const data = x.data as Float64Array;
    for (let i = 0; i < data.length; i++) {
      const orig = data[i]!;
      data[i] = orig + h;
      const fp = objective();
      data[i] = orig - h;
      const fm = objective();
      data[i] = orig;
      const numeric = (fp - fm) / (2 * h);
      const a = analytic[i]!;
      const tol = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      assert.ok(
        Math.abs(a - numeric) <= tol,
        `input ${k} element ${i}: analytic ${a} vs numeric ${numeric} (diff ${Math.abs(a - numeric)}, tol ${tol})`,
      );
    }
  });
}
