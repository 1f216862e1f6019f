/**
 * The Engine: what the server, the pipelines and the CLI need from a loaded
 * model, and nothing more.
 *
 * An engine owns one model and its tokenizer. It generates (a stream of
 * events), scores a continuation's log-likelihood, embeds texts and, when the
 * model has a classification head, classifies them. Three implementations:
 *   - `ModelEngine` (model-engine.ts): in-process, over a CausalLM and the
 *     continuous-batching scheduler; what the library and tests use;
 *   - `WorkerEngine` (worker/worker-engine.ts): a proxy that runs an engine in
 *     a worker thread and talks to it by messages, so the HTTP event loop
 *     never runs a forward pass;
 *   - `MockEngine` (testing/mock-engine.ts): scripted, records its calls.
 *
 * Everything crossing this interface is plain data (structured-cloneable), so
 * the worker proxy is a thin message layer.
 */
import { LmkitError } from '../errors.js';

/** A request is text (tokenized by the engine, special tokens recognised) or token ids. */
export type PromptInput = string | readonly number[];

/** A JSON Schema object (draft 2020-12 subset; see the constrained decoder for what is enforced). */
export type JsonSchema = { readonly [key: string]: unknown };

/** Constrains what generation may produce. */
export type OutputConstraint =
  /** Any single JSON object (OpenAI's JSON mode). */
  | { readonly type: 'json_object' }
  /** A JSON value valid against `schema`. */
  | { readonly type: 'json_schema'; readonly schema: JsonSchema };

export interface SamplingOptions {
  /** 0 means greedy. */
  readonly temperature: number;
  /** Nucleus sampling mass in (0, 1]. */
  readonly topP: number;
  /** Keep only the k most likely tokens (0: no limit). */
  readonly topK?: number;
  /** Seeds this request's own random stream, so its output does not depend on what else is batched with it. */
  readonly seed?: number;
  /** OpenAI-style penalties on tokens already generated (0: off). */
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  /** Added to the logits of these token ids (OpenAI's logit_bias). */
  readonly logitBias?: Readonly<Record<number, number>>;
}

export interface GenerateRequest {
  readonly prompt: PromptInput;
  /** Add the tokenizer's BOS when encoding a text prompt (default true; chat templates write their own). */
  readonly addSpecial?: boolean;
  /** Upper bound on new tokens; generation also ends at an end-of-sequence token or a stop string. */
  readonly maxTokens: number;
  /**
   * When the prompt plus maxTokens exceeds the context: true lowers maxTokens
   * to what fits (the caller did not ask for a number), false rejects the
   * request with ContextLengthError (it did).
   */
  readonly clampToContext?: boolean;
  readonly sampling: SamplingOptions;
  /** Generation ends before any of these strings; the string itself is not part of the output. */
  readonly stop?: readonly string[];
  /** Report each new token's log-probability and this many top alternatives (null: no log-probabilities). */
  readonly logprobs?: number | null;
  /** Also report the prompt's tokens with their log-probabilities (the first has none). */
  readonly echo?: boolean;
  readonly constraint?: OutputConstraint | null;
  /** Keep generating past end-of-sequence tokens (benchmarks that need a fixed length). */
  readonly ignoreEos?: boolean;
}

/** One token with its log-probability under the model (null for the first prompt token). */
export interface TokenLogprob {
  readonly id: number;
  /** The token's own text (may hold U+FFFD when it is part of a multi-byte character). */
  readonly text: string;
  readonly logprob: number | null;
  /** Its UTF-8 bytes (OpenAI reports them so that partial characters can be joined). */
  readonly bytes: readonly number[];
  /** The most likely alternatives at this position, best first. */
  readonly top?: readonly { readonly id: number; readonly text: string; readonly logprob: number; readonly bytes: readonly number[] }[];
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

export type GenerateEvent =
  /** First event: the prompt was accepted (after tokenizing and the context check). */
  | { readonly type: 'start'; readonly promptTokens: number; readonly prompt?: readonly TokenLogprob[] }
  /**
   * One generated token. `text` is the output text this token released: it is
   * '' while a multi-byte character is incomplete or while the text could still
   * be the start of a stop string, and may cover several tokens' worth at once.
   */
  | { readonly type: 'token'; readonly text: string; readonly token: TokenLogprob }
  /** Last event. `text` is whatever was still held back (a stop-string prefix that did not complete). */
  | { readonly type: 'end'; readonly finishReason: FinishReason; readonly text: string; readonly promptTokens: number; readonly completionTokens: number };

export interface ScoreRequest {
  /** What the continuation is conditioned on (may be empty: then the BOS token, if any, conditions it). */
  readonly context: PromptInput;
  readonly continuation: PromptInput;
}

export interface ScoreResult {
  /** Sum of the continuation tokens' log-probabilities. */
  readonly logprob: number;
  /** Whether greedy decoding from the context would have produced exactly the continuation. */
  readonly greedy: boolean;
  readonly tokens: readonly TokenLogprob[];
}

export type Pooling = 'mean' | 'last';

export interface EmbedRequest {
  readonly inputs: readonly PromptInput[];
  readonly pooling: Pooling;
  /** L2-normalise each vector (default true). */
  readonly normalize?: boolean;
}

export interface EmbedResult {
  readonly embeddings: readonly Float32Array[];
  readonly promptTokens: number;
}

export interface ClassifyResult {
  /** The head's labels, in output order. */
  readonly labels: readonly string[];
  /** Per input, a probability per label (softmax of the head's logits). */
  readonly probs: readonly (readonly number[])[];
  readonly promptTokens: number;
}

export interface ModelInfo {
  /** The name requests use for this model. */
  readonly id: string;
  readonly architecture: string;
  readonly contextLength: number;
  readonly vocabSize: number;
  /** The model's own chat template (tokenizer_config.json), or null: then ChatML is used. */
  readonly chatTemplate: string | null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  /** Whether this is lmkit's built-in model (its pipelines use the prompts it was trained on). */
  readonly builtIn: boolean;
  /** The labels of a sequence-classification head, or null when the model has none. */
  readonly classifierLabels: readonly string[] | null;
  /** Bytes the model's weights occupy (what the server's memory budget counts). */
  readonly memoryBytes: number;
  /** Unix seconds when it was loaded. */
  readonly created: number;
}

export interface EngineStats {
  /** Requests waiting for a batch slot. */
  readonly queued: number;
  /** Sequences in the running batch. */
  readonly running: number;
}

export interface CallOptions {
  /** Aborting cancels the work: a generation ends with finishReason 'cancelled', other calls reject. */
  readonly signal?: AbortSignal;
}

export interface Engine {
  readonly info: ModelInfo;
  /**
   * Events: one 'start', then 'token's, then one 'end'. The engine frees the
   * sequence's resources before yielding 'end', so a consumer may stop there.
   * Refusals (context too long, queue full) reject the first `next()`.
   */
  generate(req: GenerateRequest, opts?: CallOptions): AsyncIterable<GenerateEvent>;
  score(reqs: readonly ScoreRequest[], opts?: CallOptions): Promise<ScoreResult[]>;
  embed(req: EmbedRequest, opts?: CallOptions): Promise<EmbedResult>;
  /** Rejects with UnsupportedError when `info.classifierLabels` is null. */
  classify(inputs: readonly PromptInput[], opts?: CallOptions): Promise<ClassifyResult>;
  /** Token ids of a text (special-token text recognised). */
  tokenize(text: string): Promise<number[]>;
  stats(): Promise<EngineStats>;
  /** False once the engine can no longer serve (its worker died); the server then reloads the model. */
  isAlive?(): boolean;
  /** Stops accepting work, cancels what runs and frees the model. */
  close(): Promise<void>;
}

/** The prompt (plus the room asked for new tokens) does not fit the model's context. */
export class ContextLengthError extends LmkitError {
  constructor(
    readonly model: string,
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly contextLength: number,
  ) {
    super(
      'invalid_argument',
      maxTokens > 0
        ? `[${model}] the prompt has ${promptTokens} tokens and max_tokens asks for ${maxTokens} more, but the context holds ${contextLength}; shorten the prompt or lower max_tokens`
        : `[${model}] the input has ${promptTokens} tokens, but the context holds ${contextLength}; shorten it`,
    );
  }
}

/** The engine's queue is full (HTTP 429 with Retry-After): generation's own error, shared by every engine. */
export { QueueFullError } from '../generate/errors.js';

/** Collects a generation into its final text and events (the non-streaming path). */
export interface GenerationResult {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly tokens: readonly TokenLogprob[];
  readonly prompt?: readonly TokenLogprob[];
}

export async function collectGeneration(events: AsyncIterable<GenerateEvent>): Promise<GenerationResult> {
  let text = '';
  const tokens: TokenLogprob[] = [];
  let prompt: readonly TokenLogprob[] | undefined;
  for await (const ev of events) {
    if (ev.type === 'start') prompt = ev.prompt;
    else if (ev.type === 'token') {
      text += ev.text;
      tokens.push(ev.token);
    } else {
      text += ev.text;
      return {
        text,
        finishReason: ev.finishReason,
        promptTokens: ev.promptTokens,
        completionTokens: ev.completionTokens,
        tokens,
        ...(prompt ? { prompt } : {}),
      };
    }
  }
  throw new Error('generation ended without an end event');
}
