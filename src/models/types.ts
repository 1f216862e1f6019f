/**
 * The contract between models and everything that runs them (generation,
 * training, the server, evaluation, explanations).
 *
 * A causal LM offers two forward paths:
 *   - `forward(ids)`: whole sequences (B, T) in one go, for training, scoring
 *     and analysis. It can start from input embeddings and return hidden
 *     states and attention weights, so gradients with respect to any of them
 *     can be taken (explanations, attributions).
 *   - `step(batch)`: inference over a ragged batch, each sequence with its own
 *     KV cache and its own number of new tokens (prefill and decode mix freely).
 *     This is what continuous batching needs: the weight matmuls run once for
 *     all rows of all sequences; attention runs per sequence against its cache.
 */
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';

export type Architecture = 'gpt2' | 'llama';

/** What every architecture's config exposes (each adds its own fields). */
export interface BaseModelConfig {
  readonly architecture: Architecture;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  /** Longest sequence the model supports (positions / RoPE range it was trained for). */
  readonly contextLength: number;
  readonly tieWordEmbeddings: boolean;
}

export interface ForwardOptions {
  /** (B, T) with 1 for real tokens and 0 for padding (Hugging Face's convention); padded keys are masked out. */
  readonly attentionMask?: Tensor;
  /** (B, T, C) input embeddings used instead of looking up `ids` (pass ids = null). */
  readonly inputsEmbeds?: Tensor;
  /** Return the residual stream after the embeddings and after every block (numLayers + 1 tensors, (B, T, C)). */
  readonly outputHiddenStates?: boolean;
  /** Return each layer's attention probabilities (B, H, T, T); slower, materialises them. */
  readonly outputAttentions?: boolean;
  /** Compute logits for the last position only ((B, 1, V)), for speed when that is all that is needed. */
  readonly lastOnly?: boolean;
}

export interface ForwardOutput {
  /** (B, T, V), or (B, 1, V) with lastOnly. */
  readonly logits: Tensor;
  readonly hiddenStates?: readonly Tensor[];
  readonly attentions?: readonly Tensor[];
}

/** One sequence's key/value cache: per layer (Hkv, capacity, D) keys and values, filled up to `length`. */
export interface KVCache {
  /** Tokens already in the cache (the position of the next token). */
  readonly length: number;
  readonly capacity: number;
  /** Forget everything after the first `length` tokens (for beam search and prompt-cache reuse). */
  truncate(length: number): void;
  /** A copy (beam search forks sequences). */
  clone(): KVCache;
  /** Releases the cache's memory. */
  dispose(): void;
}

export interface StepInput {
  /** New token ids for this sequence (the whole prompt on prefill, one token when decoding). */
  readonly ids: readonly number[];
  readonly cache: KVCache;
  /** Return logits for every new position (prompt scoring, echo) instead of only the last. */
  readonly allLogits?: boolean;
}

export interface CausalLM {
  readonly config: BaseModelConfig;
  readonly rt: Runtime;
  forward(ids: Tensor | null, opts?: ForwardOptions): ForwardOutput;
  /** The input embeddings of ids, (B, T, C): what `inputsEmbeds` expects. */
  embed(ids: Tensor): Tensor;
  /** A fresh cache for one sequence of up to `capacity` tokens (default: the context length). */
  newCache(capacity?: number): KVCache;
  /**
   * Appends each sequence's ids to its cache and returns, per sequence, its
   * logits: (V) for the last new position, or (n, V) with allLogits.
   */
  step(batch: readonly StepInput[]): Tensor[];
}
