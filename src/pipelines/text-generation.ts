/**
 * Text generation (plain continuation, no chat template) and embeddings.
 */
import { collectGeneration, type CallOptions, type FinishReason, type OutputConstraint, type Pooling, type SamplingOptions } from '../serve/engine.js';
import { EnginePipeline } from './base.js';
import { samplingOf } from './chat.js';

export interface GenerationOptions extends CallOptions {
  readonly maxTokens?: number;
  readonly sampling?: Partial<SamplingOptions>;
  readonly stop?: readonly string[];
  readonly constraint?: OutputConstraint;
}

export interface GenerationOutput {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Plain continuation of a prompt (no chat template). */
export class TextGenerationPipeline extends EnginePipeline {
  private events(prompt: string, opts: GenerationOptions) {
    return this.engine.generate(
      {
        prompt,
        maxTokens: opts.maxTokens ?? 256,
        clampToContext: opts.maxTokens === undefined,
        sampling: samplingOf(opts.sampling),
        stop: opts.stop ?? [],
        constraint: opts.constraint ?? null,
      },
      opts.signal ? { signal: opts.signal } : {},
    );
  }

  async generate(prompt: string, opts: GenerationOptions = {}): Promise<GenerationOutput> {
    const r = await collectGeneration(this.events(prompt, opts));
    return { text: r.text, finishReason: r.finishReason, promptTokens: r.promptTokens, completionTokens: r.completionTokens };
  }

  /** The continuation's text, piece by piece as it is generated. */
  async *stream(prompt: string, opts: GenerationOptions = {}): AsyncIterable<string> {
    for await (const ev of this.events(prompt, opts)) if (ev.type !== 'start' && ev.text) yield ev.text;
  }
}

export interface EmbeddingOptions extends CallOptions {
  /** 'mean' over the tokens (default) or the 'last' token's hidden state. */
  readonly pooling?: Pooling;
  /** L2-normalise (default true). */
  readonly normalize?: boolean;
}

/** Sentence embeddings: pooled final hidden states, L2-normalised. */
export class EmbeddingsPipeline extends EnginePipeline {
  /** The embedding of one text, or of each of several. */
  embed(text: string, opts?: EmbeddingOptions): Promise<Float32Array>;
  embed(texts: readonly string[], opts?: EmbeddingOptions): Promise<Float32Array[]>;
  async embed(input: string | readonly string[], opts: EmbeddingOptions = {}): Promise<Float32Array | Float32Array[]> {
    const texts = typeof input === 'string' ? [input] : input;
    const r = await this.engine.embed({ inputs: texts, pooling: opts.pooling ?? 'mean', normalize: opts.normalize ?? true }, opts.signal ? { signal: opts.signal } : {});
    return typeof input === 'string' ? r.embeddings[0]! : [...r.embeddings];
  }
}

/** Cosine similarity of two vectors. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
