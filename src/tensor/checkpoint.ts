/**
 * Activation checkpointing: trade compute for memory.
 *
 * `checkpoint(fn, inputs)` runs fn without recording its graph, so none of
 * its intermediate activations stay alive after the forward pass; only the
 * inputs are kept. In the backward pass fn runs again with recording on (the
 * runtime's RNG rewound to where it was, so dropout draws the same masks) and
 * its gradients flow to the inputs and, through the leaves' `.grad`, to any
 * parameters fn used. Gradients equal those of calling fn directly.
 *
 * Parameters reached inside fn always receive gradients in `.grad`, also
 * under `grad()`; use it with `backward()` (training).
 */
import { backward, defineOp } from './autograd.js';
import type { Tensor } from './tensor.js';

interface CheckpointAttrs {
  readonly fn: (...xs: Tensor[]) => Tensor;
  readonly rngState: readonly number[];
}

const checkpointOp = defineOp<CheckpointAttrs>({
  name: 'checkpoint',
  // Runs with recording off; the tidy frees fn's intermediates as soon as it returns.
  forward: (inputs, { fn }) => inputs[0]!.rt.tidy(() => fn(...inputs)),
  vjp: (g, { inputs, attrs, needs }) => {
    const rt = g.rt;
    return rt.tidy(() => {
      const xs = inputs.map((x, i) => {
        const d = x.detach();
        if (needs[i]) d.requireGrad(true);
        return d;
      });
      const now = rt.rng.getState();
      rt.rng.setState(attrs.rngState);
      const prev = rt.gradEnabled;
      rt.gradEnabled = true;
      let out: Tensor;
      try {
        out = attrs.fn(...xs);
      } finally {
        rt.gradEnabled = prev;
        rt.rng.setState(now);
      }
      if (out.requiresGrad) backward(out, g);
      return xs.map((x, i) => {
        if (!needs[i]) return null;
        const gi = x.grad ?? rt.zerosLike(x);
        x.grad = null;
        return gi;
      });
    });
  },
});

/** fn(...inputs), recomputed during backward instead of keeping its activations. */
export function checkpoint(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[]): Tensor {
  const rt = inputs[0]!.rt;
  if (!rt.gradEnabled || !inputs.some((t) => t.requiresGrad)) {
    // Nothing to differentiate through the inputs, but fn may still use parameters: keep the plain graph.
    return fn(...inputs);
  }
  return checkpointOp(inputs, { fn, rngState: rt.rng.getState() });
}
