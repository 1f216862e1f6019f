/**
 * What a model costs: parameters, FLOPs per token, and memory for training
 * and inference at a given batch and context.
 *
 * Memory follows lmkit's actual implementation (f32 throughout):
 *   - weights P, gradients P, AdamW moments 2P;
 *   - activations: every tensor the forward pass creates stays alive until
 *     the step's tidy() scope ends, so the estimate sums the outputs of each
 *     op of a block (as written in src/models/<arch>/model.ts and
 *     src/nn/attention.ts), times the layers, plus embeddings, the final norm,
 *     the logits and the loss; the backward pass adds the logits' gradient and
 *     one layer's worth of transient gradients;
 *   - with activation checkpointing, only each block's input is kept and one
 *     block's activations exist at a time (recomputed in backward);
 *   - inference (no grad) keeps the same forward tensors for the prompt pass,
 *     plus the KV cache (2 x layers x kv-heads x head-dim x context per
 *     sequence);
 *   - the process itself (Node.js, V8 heap, lmkit's code): a measured constant.
 *
 * FLOPs per token follow Kaplan et al. 2020 / PaLM (appendix B): training
 * 6N + 12 L C T and inference 2N + 4 L C T, where N counts the parameters
 * used in matmuls (embedding lookups cost no FLOPs, the LM head does).
 */
import type { BaseModelConfig } from '../models/types.js';

/**
 * Resident memory of the process apart from tensors: Node.js with lmkit's
 * training code loaded (about 66 MiB measured for `lmkit train`), plus the
 * JS heap and I/O buffers a run grows (the data pipeline's shard writers and
 * readers, the registry, autograd bookkeeping).
 */
export const PROCESS_OVERHEAD_BYTES = 80 * 2 ** 20;

export interface EstimateModel extends BaseModelConfig {
  /** GPT-2 and Llama details; absent fields take the family's defaults. */
  readonly qkvBias?: boolean;
  readonly oBias?: boolean;
  readonly mlpBias?: boolean;
  readonly dropout?: number;
  readonly embeddingDropout?: number;
  readonly attentionDropout?: number;
}

export interface EstimateOptions {
  readonly batchSize: number;
  readonly contextLength: number;
  readonly activationCheckpointing?: boolean;
  /** Micro-batches per step do not add memory (gradients accumulate in place); listed for completeness. */
  readonly gradAccumSteps?: number;
}

export interface ParamCounts {
  readonly total: number;
  readonly embedding: number;
  /** Parameters that take part in matmuls per token (blocks and the LM head). */
  readonly matmul: number;
}

export interface MemoryBreakdown {
  readonly weights: number;
  readonly gradients: number;
  readonly optimizer: number;
  readonly activations: number;
  readonly kvCache: number;
  readonly overhead: number;
  readonly total: number;
}

export interface Estimate {
  readonly params: ParamCounts;
  readonly flopsPerToken: { readonly training: number; readonly inference: number };
  readonly batchSize: number;
  readonly contextLength: number;
  readonly training: MemoryBreakdown;
  readonly inference: MemoryBreakdown;
}

const F32 = 4;

/** Parameter counts of a GPT-2 or Llama-family config, matching the models' parameter lists. */
export function countParams(c: EstimateModel): ParamCounts {
  const { vocabSize: V, hiddenSize: C, numLayers: L, numHeads: H, numKvHeads: Hkv, headDim: D, intermediateSize: I } = c;
  let block: number;
  let blockMatmul: number;
  let embedding: number;
  let finalNorm: number;
  if (c.architecture === 'gpt2') {
    blockMatmul = C * 3 * C + C * C + C * I + I * C;
    block = blockMatmul + 3 * C + C + I + C + 4 * C; // biases and two LayerNorms
    embedding = V * C + c.contextLength * C;
    finalNorm = 2 * C;
  } else {
    blockMatmul = C * H * D + 2 * C * Hkv * D + H * D * C + 3 * C * I;
    const bias = (c.qkvBias ? H * D + 2 * Hkv * D : 0) + (c.oBias ? C : 0) + (c.mlpBias ? 2 * I + C : 0);
    block = blockMatmul + bias + 2 * C;
    embedding = V * C;
    finalNorm = C;
  }
  const head = c.tieWordEmbeddings ? 0 : V * C;
  return { total: L * block + embedding + finalNorm + head, embedding, matmul: L * blockMatmul + V * C };
}

/** f32 elements the forward pass leaves alive for one block over R = B x T rows. */
function blockForwardElements(c: EstimateModel, B: number, T: number, training: boolean): number {
  const R = B * T;
  const { hiddenSize: C, numHeads: H, numKvHeads: Hkv, headDim: D, intermediateSize: I } = c;
  const resid = training ? (c.dropout ?? 0) : 0;
  const attnDrop = training ? (c.attentionDropout ?? 0) : 0;
  // Dropout on the two residual branches adds one tensor each.
  let n = resid > 0 ? 2 * R * C : 0;
  // Attention core: output and log-sum-exp, the (B,T,H,D) -> (R, H*D) copy; with
  // attention dropout the probabilities are materialised: scores, scaled, masked,
  // softmax, dropped (5 x B H T T) plus the extra weighted sum.
  n += R * H * D + R * H + R * H * D;
  if (attnDrop > 0) n += 5 * B * H * T * T + R * H * D;
  if (c.architecture === 'gpt2') {
    // ln_1 (+mean, rstd), c_attn, c_proj, residual add, ln_2 (+mean, rstd), c_fc, gelu, c_proj, residual add.
    n += R * C + 2 * R + 3 * R * C + R * C + R * C + R * C + 2 * R + 2 * R * I + R * C + R * C;
  } else {
    // rmsnorm (+rstd), q, rope(q), k, rope(k), v, o_proj, add, rmsnorm (+rstd), gate, silu, up, mul, down, add.
    n += R * C + R + 2 * R * H * D + 3 * R * Hkv * D + R * C + R * C + R * C + R + 4 * R * I + R * C + R * C;
  }
  return n;
}

/** f32 elements outside the blocks: embeddings, positions or rope tables, final norm, logits, loss. */
function outerForwardElements(c: EstimateModel, B: number, T: number, training: boolean): number {
  const R = B * T;
  const C = c.hiddenSize;
  const embDrop = training ? (c.embeddingDropout ?? c.dropout ?? 0) : 0;
  let n = R; // i32 positions
  if (c.architecture === 'gpt2') n += 3 * R * C + (embDrop > 0 ? R * C : 0) + R * C + 2 * R; // wte, wpe, add, (dropout), ln_f
  else n += R * C + R * c.headDim + R * C + R; // embedding, cos+sin tables, final norm
  n += R * c.vocabSize; // logits
  if (training) n += 2 * R; // per-row losses and log-sum-exp
  return n;
}

export function estimate(c: EstimateModel, o: EstimateOptions): Estimate {
  const params = countParams(c);
  const { batchSize: B, contextLength: T } = o;
  const L = c.numLayers;
  const C = c.hiddenSize;
  const R = B * T;
  const P = params.total * F32;
  const block = blockForwardElements(c, B, T, true);
  const outer = outerForwardElements(c, B, T, true);
  // Backward: the logits' gradient and about two blocks' worth of gradients in flight (pooled buffers).
  const backwardTransient = R * c.vocabSize + 2 * block;
  const blockActs = o.activationCheckpointing ? L * R * C + block : L * block;
  const trainActs = (blockActs + outer + backwardTransient) * F32;
  const training: MemoryBreakdown = sum({ weights: P, gradients: P, optimizer: 2 * P, activations: trainActs, kvCache: 0, overhead: PROCESS_OVERHEAD_BYTES });
  const kv = 2 * L * c.numKvHeads * c.headDim * T * B * F32;
  // The prompt pass keeps every forward tensor until it returns; the cache holds K and V.
  const inferActs = (L * blockForwardElements(c, B, T, false) + outerForwardElements(c, B, T, false)) * F32;
  const inference: MemoryBreakdown = sum({ weights: P, gradients: 0, optimizer: 0, activations: inferActs, kvCache: kv, overhead: PROCESS_OVERHEAD_BYTES });
  return {
    params,
    flopsPerToken: { training: 6 * params.matmul + 12 * L * C * T, inference: 2 * params.matmul + 4 * L * C * T },
    batchSize: B,
    contextLength: T,
    training,
    inference,
  };
}

function sum(m: Omit<MemoryBreakdown, 'total'>): MemoryBreakdown {
  return { ...m, total: m.weights + m.gradients + m.optimizer + m.activations + m.kvCache + m.overhead };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
