/**
 * The fused decode path of Llama-family models: on the native backend, a
 * `step` runs every decoder layer in one native call (src/backends/native/
 * decode.ts) instead of ~18 tensor ops per layer, each with its tensor
 * objects, autograd dispatch and tidy() bookkeeping. It computes the same
 * thing as LlamaDecoderLayer.forward over ragged rows, with the same kernels;
 * the per-op path stays the reference (set `model.fusedDecode = false`).
 *
 * The path is taken only when the model is exactly what the native step
 * implements: the stock Llama layer classes (an adapter that swapped a
 * projection, e.g. LoRA, takes the per-op path), weights in a dtype the step
 * reads, f32 norms and biases, at most MAX_DECODE_SEGMENTS sequences and
 * MAX_FUSED_ROWS new tokens.
 * The bound weights are checked on every step (a reassigned or disposed
 * parameter rebuilds the plan), so the plan never reads stale memory.
 */
import type { DecodeDims, DecodeLayer, DecodeLinear, DecodePlan, NativeDecoder } from '../../backends/native/decode.js';
import { MAX_DECODE_SEGMENTS } from '../../backends/native/decode.js';
import type { RaggedSegment } from '../../nn/attention.js';
import { Linear, RMSNorm } from '../../nn/layers.js';
import { SwiGluMlp } from '../../nn/mlp.js';
import type { Tensor } from '../../tensor/tensor.js';
import { layerWindow, type LlamaConfig } from './config.js';

/** The parts of a Llama model the fused step reads (model.ts passes itself; its plan is kept per model object). */
export interface FusableLlama {
  readonly config: LlamaConfig;
  readonly model: { readonly layers: readonly FusableLayer[] };
}

interface FusableLayer {
  readonly constructor: unknown;
  readonly input_layernorm: RMSNorm;
  readonly post_attention_layernorm: RMSNorm;
  readonly self_attn: { readonly constructor: unknown; readonly q_proj: Linear; readonly k_proj: Linear; readonly v_proj: Linear; readonly o_proj: Linear };
  readonly mlp: SwiGluMlp;
}

/**
 * Most new rows (over all sequences) a fused step takes. Its activation
 * buffers are sized by the largest step and kept with the plan; long prompts
 * are GEMM-bound anyway, so they take the per-op path and its pooled buffers.
 */
export const MAX_FUSED_ROWS = 128;

const ACTIVATION = { silu: 'silu', gelu_tanh: 'geluTanh', gelu: 'geluErf', relu: 'relu' } as const;

interface Bound {
  readonly decoder: NativeDecoder;
  readonly plan: DecodePlan;
  /** Every tensor the plan points into, in a fixed order, to detect changes. */
  readonly tensors: readonly Tensor[];
}

const plans = new WeakMap<object, Bound>();

/** The tensors a layer binds, in plan order; null when a module is not the stock class. */
function layerTensors(layer: FusableLayer, attnClass: unknown, layerClass: unknown): Tensor[] | null {
  if (layer.constructor !== layerClass || layer.self_attn.constructor !== attnClass) return null;
  const a = layer.self_attn;
  const m = layer.mlp;
  if (m.constructor !== SwiGluMlp || layer.input_layernorm.constructor !== RMSNorm || layer.post_attention_layernorm.constructor !== RMSNorm) return null;
  const out: Tensor[] = [layer.input_layernorm.weight, layer.post_attention_layernorm.weight];
  for (const lin of [a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj, m.down_proj]) {
    if (lin.constructor !== Linear) return null;
    out.push(lin.weight);
    if (lin.bias) out.push(lin.bias);
  }
  return out;
}

function currentTensors(model: FusableLlama, attnClass: unknown, layerClass: unknown): Tensor[] | null {
  const all: Tensor[] = [];
  for (const layer of model.model.layers) {
    const t = layerTensors(layer, attnClass, layerClass);
    if (!t) return null;
    all.push(...t);
  }
  return all;
}

function sameTensors(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || a[i]!.isDisposed) return false;
  return true;
}

/** Builds a plan, or returns null when something in the model is outside what the fused step does. */
function bind(model: FusableLlama, decoder: NativeDecoder, tensors: Tensor[]): Bound | null {
  const cfg = model.config;
  const activation = ACTIVATION[cfg.activation];
  if (!activation || cfg.headDim % 2 !== 0) return null;
  const eps = model.model.layers[0]?.input_layernorm.eps ?? cfg.rmsNormEps;
  // Quantized rows must hold whole 32-blocks (the per-op linear falls back to js otherwise).
  const weightOk = (t: Tensor) => decoder.weightDTypes.includes(t.dtype) && t.ndim === 2 && (!t.dtype.startsWith('q') || t.shape[1]! % 32 === 0);
  const vecOk = (t: Tensor | null, n: number) => !t || (t.dtype === 'f32' && t.ndim === 1 && t.shape[0] === n && t.strides[0] === 1);
  const lin = (l: Linear): DecodeLinear | null => (weightOk(l.weight) && vecOk(l.bias, l.outFeatures) ? { weight: l.weight, bias: l.bias } : null);
  const layers: DecodeLayer[] = [];
  for (const [i, layer] of model.model.layers.entries()) {
    const n1 = layer.input_layernorm;
    const n2 = layer.post_attention_layernorm;
    if (n1.eps !== eps || n2.eps !== eps || !vecOk(n1.weight, cfg.hiddenSize) || !vecOk(n2.weight, cfg.hiddenSize)) return null;
    const a = layer.self_attn;
    const m = layer.mlp;
    if (m.act !== cfg.activation) return null;
    const parts = [a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj, m.down_proj].map(lin);
    if (parts.some((p) => p === null)) return null;
    const [q, k, v, o, gate, up, down] = parts as DecodeLinear[];
    layers.push({ inputNorm: n1.weight, postNorm: n2.weight, q: q!, k: k!, v: v!, o: o!, gate: gate!, up: up!, down: down!, window: layerWindow(cfg, i) ?? 0 });
  }
  const dims: DecodeDims = {
    layers: cfg.numLayers,
    hidden: cfg.hiddenSize,
    heads: cfg.numHeads,
    kvHeads: cfg.numKvHeads,
    headDim: cfg.headDim,
    intermediate: cfg.intermediateSize,
    eps,
    scale: 1 / Math.sqrt(cfg.headDim),
    activation,
  };
  return { decoder, plan: decoder.createPlan(dims, layers), tensors };
}

/**
 * Runs every layer of `model` over the rows x (R, C) of a ragged step, writing
 * each sequence's keys and values into its cache (reserved by the caller).
 * Returns the output rows, or null when the fused path does not apply (the
 * caller then runs the per-op layers).
 */
export function fusedLlamaLayers(
  model: FusableLlama,
  classes: { attention: unknown; layer: unknown },
  x: Tensor,
  segments: readonly RaggedSegment[],
  rope: { cos: Tensor; sin: Tensor },
): Tensor | null {
  const backend = x.rt.backend as { name: string; decoder?: NativeDecoder };
  const decoder = backend.name === 'native' ? backend.decoder : undefined;
  if (!decoder || x.dtype !== 'f32' || segments.length > MAX_DECODE_SEGMENTS || x.shape[0]! > MAX_FUSED_ROWS) return null;
  const tensors = currentTensors(model, classes.attention, classes.layer);
  if (!tensors) return null;
  let bound = plans.get(model);
  if (!bound || bound.decoder !== decoder || !sameTensors(bound.tensors, tensors)) {
    plans.delete(model);
    const fresh = bind(model, decoder, tensors);
    if (!fresh) return null;
    plans.set(model, (bound = fresh));
  }
  const caches = segments.map((s) => s.cache.buffer);
  if (caches.some((c) => c === null)) return null;
  // The step works in place: give it rows of its own.
  const h = x.rt.empty(x.shape, 'f32').copyFrom(x);
  decoder.step(
    bound.plan,
    h,
    rope.cos,
    rope.sin,
    segments.map((s, i) => ({ start: s.start, length: s.length, past: s.cache.length, cache: caches[i]! })),
  );
  return h;
}
