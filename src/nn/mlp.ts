/**
 * The two feed-forward blocks of decoder transformers. Field names follow the
 * checkpoints that made them common, so parameter names map one to one:
 *
 *   - `GeluMlp` (GPT-2, Radford et al. 2019): c_proj(act(c_fc(x))), hidden 4C.
 *   - `SwiGluMlp` (Shazeer 2020, "GLU Variants Improve Transformer"; Llama):
 *     down_proj(silu(gate_proj(x)) * up_proj(x)).
 *
 * Every projection is a `Linear`, so adapters can wrap it with `setModule`.
 */
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear, type InitOptions } from './layers.js';
import { Module } from './module.js';

/** Activations found in Hugging Face configs (`activation_function`, `hidden_act`). */
export type Activation = 'gelu_tanh' | 'gelu' | 'relu' | 'silu';

export function activate(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'gelu_tanh':
      return x.gelu('tanh');
    case 'gelu':
      return x.gelu('none');
    case 'relu':
      return x.relu();
    case 'silu':
      return x.silu();
  }
}

export interface MlpOptions extends InitOptions {
  readonly bias?: boolean;
  /** Init std of the output projection (GPT-2 scales residual projections by 1/sqrt(2 x layers)). */
  readonly outStd?: number;
}

export class GeluMlp extends Module {
  c_fc: Linear;
  c_proj: Linear;
  constructor(rt: Runtime, dim: number, hidden: number, readonly act: Activation = 'gelu_tanh', opts: MlpOptions = {}) {
    super();
    const bias = opts.bias ?? true;
    this.c_fc = new Linear(rt, dim, hidden, { ...opts, bias });
    this.c_proj = new Linear(rt, hidden, dim, { ...opts, bias, ...(opts.outStd !== undefined ? { std: opts.outStd } : {}) });
  }
  forward(x: Tensor): Tensor {
    return this.c_proj.forward(activate(this.c_fc.forward(x), this.act)); // (R, C) -> (R, 4C) -> (R, C)
  }
}

export class SwiGluMlp extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  constructor(rt: Runtime, dim: number, hidden: number, readonly act: Activation = 'silu', opts: MlpOptions = {}) {
    super();
    const bias = opts.bias ?? false;
    this.gate_proj = new Linear(rt, dim, hidden, { ...opts, bias });
    this.up_proj = new Linear(rt, dim, hidden, { ...opts, bias });
    this.down_proj = new Linear(rt, hidden, dim, { ...opts, bias, ...(opts.outStd !== undefined ? { std: opts.outStd } : {}) });
  }
  forward(x: Tensor): Tensor {
    const gate = activate(this.gate_proj.forward(x), this.act); // (R, F)
    return this.down_proj.forward(gate.mul(this.up_proj.forward(x))); // (R, F) -> (R, C)
  }
}
