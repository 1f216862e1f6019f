/**
 * Optimizers: AdamW (decoupled weight decay, fused update) and SGD with
 * momentum, plus gradient clipping by global norm. Each keeps its state in
 * tensors outside any tidy() scope, and can save and restore it exactly so a
 * resumed run continues bit for bit.
 */
import { InvalidArgumentError, NonFiniteError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ParamGroup {
  readonly params: readonly Tensor[];
  /** Overrides the optimizer's weight decay for this group (0 for norms and biases, usually). */
  readonly weightDecay?: number;
}

/** Optimizer state as plain arrays: JSON-free, written into checkpoints as binary tensors. */
export interface OptimizerState {
  readonly kind: 'adamw' | 'sgd';
  readonly step: number;
  /** Per parameter (in group order), the named state buffers. */
  readonly buffers: readonly Record<string, Float32Array | Float64Array>[];
}

export interface Optimizer {
  /** Current learning rate (schedules set it before each step). */
  lr: number;
  readonly stepCount: number;
  step(): void;
  zeroGrad(): void;
  state(): OptimizerState;
  loadState(s: OptimizerState): void;
}

function groupsOf(params: readonly Tensor[] | readonly ParamGroup[]): ParamGroup[] {
  if (params.length === 0) return [];
  return 'params' in (params[0] as object) ? [...(params as readonly ParamGroup[])] : [{ params: params as readonly Tensor[] }];
}

export interface AdamWConfig {
  readonly lr?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

export class AdamW implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly groups: ParamGroup[];
  private readonly m: Tensor[] = [];
  private readonly v: Tensor[] = [];
  private t = 0;

  constructor(params: readonly Tensor[] | readonly ParamGroup[], cfg: AdamWConfig = {}) {
    this.groups = groupsOf(params);
    this.lr = cfg.lr ?? 1e-3;
    this.beta1 = cfg.beta1 ?? 0.9;
    this.beta2 = cfg.beta2 ?? 0.999;
    this.eps = cfg.eps ?? 1e-8;
    this.weightDecay = cfg.weightDecay ?? 0.01;
    for (const p of this.all()) {
      this.m.push(p.rt.keep(p.rt.zeros(p.shape, { dtype: p.dtype })));
      this.v.push(p.rt.keep(p.rt.zeros(p.shape, { dtype: p.dtype })));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  private *all(): Generator<Tensor> {
    for (const g of this.groups) yield* g.params;
  }

  step(): void {
    this.t++;
    let i = 0;
    for (const g of this.groups) {
      const wd = g.weightDecay ?? this.weightDecay;
      for (const p of g.params) {
        const m = this.m[i]!;
        const v = this.v[i]!;
        i++;
        if (!p.grad) continue;
        const grad = p.grad.isContiguous ? p.grad : p.grad.contiguous();
        p.rt.backend.adamw(p, grad, m, v, { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: wd, step: this.t });
        if (grad !== p.grad) grad.dispose();
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.all()) p.zeroGrad();
  }

  /**
   * The moments and step count. With `copy: false` the buffers are the live
   * ones (no extra memory; read them before the next step), as checkpoint writing does.
   */
  state(opts: { copy?: boolean } = {}): OptimizerState {
    const take = (t: Tensor) => (opts.copy === false ? t.data : t.data.slice()) as Float32Array;
    return {
      kind: 'adamw',
      step: this.t,
      buffers: this.m.map((m, i) => ({ m: take(m), v: take(this.v[i]!) })),
    };
  }

  loadState(s: OptimizerState): void {
    if (s.kind !== 'adamw' || s.buffers.length !== this.m.length) {
      throw new InvalidArgumentError('AdamW.loadState', 'state', `expected adamw state for ${this.m.length} parameters, got ${s.kind} with ${s.buffers.length}`);
    }
    this.t = s.step;
    s.buffers.forEach((b, i) => {
      if (!b.m || !b.v || b.m.length !== this.m[i]!.numel) throw new InvalidArgumentError('AdamW.loadState', `buffers[${i}]`, 'size does not match the parameter');
      this.m[i]!.data.set(b.m);
      this.v[i]!.data.set(b.v!);
    });
  }
}

export interface SgdConfig {
  readonly lr?: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

export class SGD implements Optimizer {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly groups: ParamGroup[];
  private readonly bufs: (Tensor | null)[] = [];
  private t = 0;

  constructor(params: readonly Tensor[] | readonly ParamGroup[], cfg: SgdConfig = {}) {
    this.groups = groupsOf(params);
    this.lr = cfg.lr ?? 1e-2;
    this.momentum = cfg.momentum ?? 0;
    this.dampening = cfg.dampening ?? 0;
    this.weightDecay = cfg.weightDecay ?? 0;
    this.nesterov = cfg.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new InvalidArgumentError('SGD', 'nesterov', 'needs momentum > 0 and dampening 0');
    }
    for (const g of this.groups) for (const p of g.params) this.bufs.push(this.momentum ? p.rt.keep(p.rt.zeros(p.shape, { dtype: p.dtype })) : null);
  }

  get stepCount(): number {
    return this.t;
  }

  step(): void {
    this.t++;
    let i = 0;
    for (const g of this.groups) {
      const wd = g.weightDecay ?? this.weightDecay;
      for (const p of g.params) {
        const buf = this.bufs[i++]!;
        if (!p.grad) continue;
        // PyTorch initialises the momentum buffer with the first gradient (no dampening on step 1).
        const dampening = this.t === 1 ? 0 : this.dampening;
        const grad = p.grad.isContiguous ? p.grad : p.grad.contiguous();
        p.rt.backend.sgd(p, grad, buf, { lr: this.lr, momentum: this.momentum, dampening, weightDecay: wd, nesterov: this.nesterov });
        if (grad !== p.grad) grad.dispose();
      }
    }
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.zeroGrad();
  }

  state(): OptimizerState {
    const buffers = this.bufs.map((b): Record<string, Float32Array> => (b ? { momentum: b.data.slice() as Float32Array } : {}));
    return { kind: 'sgd', step: this.t, buffers };
  }

  loadState(s: OptimizerState): void {
    if (s.kind !== 'sgd' || s.buffers.length !== this.bufs.length) {
      throw new InvalidArgumentError('SGD.loadState', 'state', `expected sgd state for ${this.bufs.length} parameters`);
    }
    this.t = s.step;
    s.buffers.forEach((b, i) => {
      const buf = this.bufs[i];
      if (buf && b.momentum) buf.data.set(b.momentum);
    });
  }
}

/**
 * Scales all gradients so their global L2 norm is at most maxNorm. Returns the
 * norm before clipping. With `errorIfNonfinite` a NaN/inf norm throws.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, errorIfNonfinite = false): number {
  let sq = 0;
  for (const p of params) if (p.grad) sq += p.rt.backend.sumSquares(p.grad);
  const norm = Math.sqrt(sq);
  if (!Number.isFinite(norm)) {
    if (errorIfNonfinite) throw new NonFiniteError('clipGradNorm', `gradient norm is ${norm}`);
    return norm;
  }
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (const p of params) if (p.grad) p.grad.mulInPlace(scale);
  return norm;
}
