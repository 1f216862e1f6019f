/**
 * The types generation is built on: the structural tokenizer it needs, the
 * options every entry point shares (generate, stream, batch, scheduler), and
 * what they return.
 *
 * Generation depends on a minimal structural tokenizer interface rather than
 * the Tokenizer class, so any object with these members works (the real
 * tokenizer, a byte-level test tokenizer, a remote one).
 */

/** Streaming detokenizer: `push` returns only complete characters, `flush` the rest. */
export interface StreamingDecoder {
  push(id: number): string;
  flush(): string;
}

/** What generation needs from a tokenizer (the lmkit Tokenizer satisfies it). */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Ids that end generation (EOS, end-of-turn). */
  readonly eosIds: readonly number[];
  readonly bosId: number | undefined;
  encode(text: string, opts?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  decode(ids: readonly number[], opts?: { skipSpecial?: boolean }): string;
  decoder(opts?: { skipSpecial?: boolean }): StreamingDecoder;
  idToToken(id: number): string | undefined;
}

/** A prompt: text (encoded with the tokenizer) or token ids used as they are. */
export type Prompt = string | readonly number[];

/** How the next token is chosen. All fields are optional; the defaults change nothing. */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy); default 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = off). */
  readonly topP?: number;
  /** Drop tokens whose probability is below minP times the top token's (0 = off). */
  readonly minP?: number;
  /** Hugging Face's repetition penalty over prompt and output tokens (1 = off). */
  readonly repetitionPenalty?: number;
  /** OpenAI's presence penalty over output tokens (0 = off). */
  readonly presencePenalty?: number;
  /** OpenAI's frequency penalty over output tokens (0 = off). */
  readonly frequencyPenalty?: number;
  /** Added to the logits of the given token ids (OpenAI's logit_bias). */
  readonly logitBias?: Readonly<Record<number, number>> | ReadonlyMap<number, number>;
  /** Same seed, prompt and settings give the same tokens. Default: a random seed. */
  readonly seed?: number;
}

/** Output constrained to JSON: any JSON value, or one that validates against a JSON schema. */
export type ResponseFormat = { readonly type: 'text' } | { readonly type: 'json' } | { readonly type: 'json_schema'; readonly schema: unknown };

export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 256, and never past the model's context). */
  readonly maxTokens?: number;
  /** Text that ends generation; it is not part of the output. */
  readonly stop?: string | readonly string[];
  /** Token ids that end generation in addition to the tokenizer's EOS ids. */
  readonly stopTokenIds?: readonly number[];
  /** Keep going past EOS tokens (benchmarks). */
  readonly ignoreEos?: boolean;
  /** Return each token's log-probability and this many top alternatives (0: the chosen token's only). */
  readonly logprobs?: number;
  readonly signal?: AbortSignal;
  /** Add the tokenizer's special tokens (BOS) when encoding a text prompt (default true). */
  readonly addSpecial?: boolean;
  /** Leave special tokens out of the output text (default true). */
  readonly skipSpecial?: boolean;
  readonly responseFormat?: ResponseFormat;
}

export type FinishReason = 'stop' | 'length' | 'eos' | 'abort';

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** One alternative token and its log-probability. */
export interface TopLogprob {
  readonly token: number;
  readonly logprob: number;
}

/** The log-probability of a token under the model (log-softmax of the raw logits). */
export interface TokenLogprob {
  readonly token: number;
  readonly logprob: number;
  /** The most likely tokens at that position, best first (when asked for). */
  readonly top?: readonly TopLogprob[];
}

/** One streamed step: the text that became final with this token (may be '') and the token. */
export interface StreamPiece {
  readonly text: string;
  readonly token: number;
  readonly logprob?: number;
  readonly top?: readonly TopLogprob[];
  /** Set on the last piece of a sequence. */
  readonly finishReason?: FinishReason;
}

export interface GenerateResult {
  /** The generated text (stop string and EOS excluded); always the concatenation of the streamed pieces. */
  readonly text: string;
  /** The generated token ids, without a final EOS / stop token id. */
  readonly tokens: number[];
  readonly finishReason: FinishReason;
  readonly usage: Usage;
  /** Per generated token (including a final EOS), when `logprobs` was set. */
  readonly logprobs?: TokenLogprob[];
}
