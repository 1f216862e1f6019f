/**
 * Reverse-mode automatic differentiation on a dynamic tape.
 *
 * Each op is declared once with `defineOp`: its forward and its vjp
 * (vector-Jacobian product) side by side, as in micrograd and MLX. When grad
 * mode is on and an input requires grad, the op's output gets a `Node` that
 * remembers the inputs and the vjp. `backward()` walks the nodes in reverse
 * topological order, calling each vjp once with the summed upstream gradient.
 *
 * Memory: a node holds *aliases* of the tensors its vjp reads (new Tensor
 * objects sharing the storage), so a caller may dispose its own handles
 * during the forward pass without breaking the backward. The aliases are
 * released as soon as the node has run, which frees activations
 * progressively during the backward pass.
 */
import { InvalidArgumentError, LmkitError } from '../errors.js';
import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';

export interface VjpContext<A> {
  /** Aliases of the op's inputs (data readable even if the caller disposed the originals). */
  readonly inputs: readonly Tensor[];
  /** Alias of the op's output. */
  readonly out: Tensor;
  /** Extra tensors the forward saved (e.g. LayerNorm's mean and rstd). */
  readonly saved: readonly Tensor[];
  readonly attrs: A;
  /** needs[i]: whether input i wants a gradient (skip computing the others, e.g. frozen weights). */
  readonly needs: readonly boolean[];
}

/** Returns one gradient per input (null where the input gets none); each has its input's shape. */
export type Vjp<A> = (g: Tensor, ctx: VjpContext<A>) => readonly (Tensor | null)[];

export interface OpSpec<A> {
  readonly name: string;
  /** Computes the output from inputs. Runs with grad recording off. */
  forward(inputs: readonly Tensor[], attrs: A): Tensor | { out: Tensor; saved: Tensor[] };
  readonly vjp: Vjp<A>;
}

export class Node<A = unknown> {
  released = false;
  constructor(
    readonly op: string,
    /** The original input tensors: the edges of the graph. */
    readonly inputs: readonly Tensor[],
    readonly ctx: VjpContext<A>,
    readonly vjp: Vjp<A>,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.ctx.inputs) t.dispose();
    this.ctx.out.dispose();
    for (const t of this.ctx.saved) t.dispose();
  }
}

/** Declares an op: forward and vjp in one place. Returns the op as a function of (inputs, attrs). */
export function defineOp<A = undefined>(spec: OpSpec<A>): (inputs: readonly Tensor[], attrs: A) => Tensor {
  return (inputs, attrs) => {
    for (const t of inputs) t.assertAlive(spec.name);
    const rt = inputs[0]!.rt;
    const record = rt.gradEnabled && inputs.some((t) => t.requiresGrad);
    const res = record ? rt.noGrad(() => spec.forward(inputs, attrs)) : spec.forward(inputs, attrs);
    const out = res instanceof Tensor ? res : res.out;
    const saved = res instanceof Tensor ? [] : res.saved;
    if (!record) {
      for (const s of saved) s.dispose();
      return out;
    }
    const ctx: VjpContext<A> = {
      inputs: inputs.map((t) => t.alias()),
      out: out.alias(),
      saved: saved.map((t) => {
        const a = t.alias();
        t.dispose();
        return a;
      }),
      attrs,
      needs: inputs.map((t) => t.requiresGrad),
    };
    out.requiresGrad = true;
    out.node = new Node(spec.name, inputs, ctx, spec.vjp as Vjp<unknown>) as Node;
    return out;
  };
}

/** Tensors reachable from `roots` through nodes, inputs before outputs. */
function topoSort(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long unrolled sequences) would overflow the JS stack.
  const stack: { t: Tensor; i: number }[] = [];
  for (const r of roots) {
    if (seen.has(r) || !r.node) continue;
    seen.add(r);
    stack.push({ t: r, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const inputs = top.t.node!.inputs;
      if (top.i < inputs.length) {
        const c = inputs[top.i++]!;
        if (!seen.has(c) && c.node && c.requiresGrad) {
          seen.add(c);
          stack.push({ t: c, i: 0 });
        }
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order;
}

export interface BackwardOptions {
  /** Keep the graph so backward can run again (memory stays held). */
  readonly retainGraph?: boolean;
}

/**
 * Runs the backward pass from `roots` seeded with `seeds` (ones for a scalar
 * root when omitted). When `want` is given, gradients are collected for those
 * tensors and returned instead of being accumulated into leaves' `.grad`.
 */
function run(
  roots: readonly Tensor[],
  seeds: readonly (Tensor | undefined)[],
  opts: BackwardOptions,
  want: readonly Tensor[] | null,
): Map<Tensor, Tensor> {
  const rt = roots[0]!.rt;
  const collected = new Map<Tensor, Tensor>();
  const wanted = want ? new Set(want) : null;
  return rt.noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    // Takes ownership of g. Sums into an existing gradient in place when that
    // gradient owns its memory, out of place when it is a view of another.
    const sum = (prev: Tensor, g: Tensor): Tensor => {
      if (prev.storageShared() || !prev.isContiguous) {
        const s = prev.add(g);
        prev.dispose();
        g.dispose();
        return s;
      }
      prev.addInPlace(g);
      g.dispose();
      return prev;
    };
    const add = (t: Tensor, g: Tensor) => {
      if (!shapesEqual(g.shape, t.shape)) {
        throw new LmkitError('shape_mismatch', `[backward] gradient of shape [${g.shape}] for a tensor of shape [${t.shape}]`);
      }
      if (wanted?.has(t) && !t.node) {
        const prev = collected.get(t);
        collected.set(t, prev ? sum(prev, g) : g);
        return;
      }
      if (!t.node) {
        if (!wanted) t.accumulateGrad(g);
        else g.dispose();
        return;
      }
      const prev = grads.get(t);
      grads.set(t, prev ? sum(prev, g) : g);
    };
    roots.forEach((r, i) => {
      const seed = seeds[i];
      if (!r.requiresGrad) throw new InvalidArgumentError('backward', 'tensor', 'does not require grad; nothing to differentiate');
      if (seed) {
        if (!shapesEqual(seed.shape, r.shape)) throw new InvalidArgumentError('backward', 'grad', `shape [${seed.shape}] differs from tensor's [${r.shape}]`);
        add(r, seed.clone());
      } else {
        if (r.numel !== 1) throw new InvalidArgumentError('backward', 'grad', `implicit gradient needs a scalar; pass a gradient for shape [${r.shape}]`);
        add(r, rt.onesLike(r));
      }
    });
    const order = topoSort(roots);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      const node = t.node!;
      if (g) {
        grads.delete(t);
        if (wanted?.has(t)) collected.set(t, g.clone());
        if (t.retainsGrad && !wanted) t.accumulateGrad(g.clone());
        const gis = node.vjp(g, node.ctx);
        const handed = new Set<Tensor>();
        node.inputs.forEach((inp, j) => {
          let gi = gis[j];
          if (!gi) return;
          if (!inp.requiresGrad) {
            if (gi !== g && !handed.has(gi)) gi.dispose();
            return;
          }
          if (gi === g || handed.has(gi)) gi = gi.clone();
          handed.add(gi);
          add(inp, gi);
        });
        // Gradients computed but not handed to an input are dropped now.
        for (const gi of gis) if (gi && gi !== g && !handed.has(gi)) gi.dispose();
        g.dispose();
      }
      if (!opts.retainGraph) {
        node.release();
        t.node = null;
      }
    }
    for (const g of grads.values()) g.dispose();
    return collected;
  });
}

/** Accumulates d(root)/d(leaf) into every leaf's `.grad` (as `loss.backward()` in PyTorch). */
export function backward(root: Tensor, grad?: Tensor, opts: BackwardOptions = {}): void {
  run([root], [grad], opts, null);
}

/**
 * Returns d(sum of outputs·seeds)/d(input) for each of `inputs`, which may be
 * leaves or intermediate tensors (input embeddings, hidden states, attention
 * weights). Leaves' `.grad` are left untouched. Inputs the outputs don't
 * depend on get zeros.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  opts: BackwardOptions & { seeds?: readonly (Tensor | undefined)[] } = {},
): Tensor[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const got = run(outs, opts.seeds ?? [], opts, inputs);
  return inputs.map((t) => got.get(t) ?? t.rt.zerosLike(t));
}
