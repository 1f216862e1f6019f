/**
 * Module: a tree of layers whose parameters are found by walking the
 * object's own fields, so names follow the fields (`layers.3.self_attn.q_proj.weight`)
 * and a model file declares its structure just by assigning fields.
 *
 * Parameters are ordinary tensors flagged `requiresGrad` and kept out of tidy()
 * scopes. Any child can be swapped by assignment (`setModule`), which is how
 * adapters (LoRA) wrap a Linear without the model knowing.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export abstract class Module {
  /** Train mode enables dropout; eval mode disables it. */
  training = true;

  /** Immediate children: fields holding a Module, a parameter Tensor, or an array of Modules. */
  children(): [string, Module | Tensor][] {
    const out: [string, Module | Tensor][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module || (v instanceof Tensor && isParam(v))) out.push([k, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => m instanceof Module && out.push([`${k}.${i}`, m]));
    }
    return out;
  }

  /** Every parameter with its dotted name, depth first in field order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, v] of this.children()) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v instanceof Tensor) out.push([name, v]);
      else out.push(...v.namedParameters(name));
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Only the parameters that currently require grad (what an optimizer updates). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, v] of this.children()) if (v instanceof Module) out.push(...v.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops (or restarts) gradients for every parameter, e.g. to freeze a base model. */
  requireGrad(on: boolean): this {
    for (const p of this.parameters()) if (p.dtype === 'f32' || p.dtype === 'f64') p.requiresGrad = on;
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /** Releases every parameter's memory. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }

  /** The module at a dotted path (`layers.0.self_attn.q_proj`). */
  getModule(path: string): Module {
    let cur: unknown = this;
    for (const part of path.split('.')) {
      cur = (cur as Record<string, unknown>)[part];
      if (cur === undefined) throw new NotFoundError('module', `no submodule at '${path}'`);
    }
    if (!(cur instanceof Module)) throw new NotFoundError('module', `'${path}' is not a module`);
    return cur;
  }

  /** Replaces the module at a dotted path (adapters wrap layers this way). */
  setModule(path: string, m: Module): void {
    const parts = path.split('.');
    const last = parts.pop()!;
    const parent = parts.length ? (this.getModuleOrArray(parts) as Record<string, unknown>) : (this as unknown as Record<string, unknown>);
    if (!(parent[last] instanceof Module)) throw new NotFoundError('module', `no submodule at '${path}' to replace`);
    parent[last] = m;
  }

  private getModuleOrArray(parts: string[]): unknown {
    let cur: unknown = this;
    for (const part of parts) {
      cur = (cur as Record<string, unknown>)[part];
      if (cur === undefined) throw new NotFoundError('module', `no submodule at '${parts.join('.')}'`);
    }
    return cur;
  }

  /**
   * Replaces the parameter at a dotted path (`layers.0.mlp.up_proj.weight`)
   * with `t`, which becomes a parameter; the old tensor is disposed. Loaders use
   * this to install weights in their stored dtype (f16, bf16, quantized).
   */
  setParameter(path: string, t: Tensor, trainable = true): void {
    const parts = path.split('.');
    const last = parts.pop()!;
    const owner = parts.length ? this.getModule(parts.join('.')) : this;
    const slot = owner as unknown as Record<string, unknown>;
    const old = slot[last];
    if (!(old instanceof Tensor) || !isParam(old)) throw new NotFoundError('setParameter', `no parameter at '${path}'`);
    if (old.shape.join() !== t.shape.join()) {
      throw new InvalidArgumentError('setParameter', path, `shape [${t.shape}] differs from the parameter's [${old.shape}]`);
    }
    slot[last] = param(t, trainable);
    if (old !== t) old.dispose();
  }

  /** Parameters by name as plain tensors (shared memory), for saving. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies tensors into the parameters of the same names. Every parameter must
   * be present with its shape unless `strict` is false; unknown names are refused.
   */
  loadStateDict(state: Map<string, Tensor>, strict = true): void {
    const params = new Map(this.namedParameters());
    for (const [name, t] of state) {
      const p = params.get(name);
      if (!p) throw new NotFoundError('loadStateDict', `the model has no parameter '${name}'`);
      if (p.shape.join() !== t.shape.join()) {
        throw new InvalidArgumentError('loadStateDict', name, `shape [${t.shape}] differs from the parameter's [${p.shape}]`);
      }
      p.copyFrom(t);
      params.delete(name);
    }
    if (strict && params.size) throw new NotFoundError('loadStateDict', `missing parameters: ${[...params.keys()].slice(0, 5).join(', ')}${params.size > 5 ? ', ...' : ''}`);
  }
}

const PARAM = Symbol.for('lmkit.param');

/** Marks a tensor as a parameter: found by Module walks, kept out of tidy() scopes. */
export function param(t: Tensor, trainable = true): Tensor {
  (t as unknown as Record<symbol, boolean>)[PARAM] = true;
  t.rt.untrack(t);
  if (trainable && (t.dtype === 'f32' || t.dtype === 'f64')) t.requiresGrad = true;
  return t;
}

export function isParam(t: Tensor): boolean {
  return (t as unknown as Record<symbol, boolean>)[PARAM] === true;
}
