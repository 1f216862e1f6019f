/**
 * One sequence being generated: its prompt, KV cache, sampler, detokenizer,
 * stop strings and constraint. It is driven from outside (generate, batch,
 * the scheduler): `nextInput` says what to feed `model.step` next, `consume`
 * takes the logits that came back and returns the streamed piece, if any.
 *
 * Keeping this synchronous and model-free is what lets the single-sequence
 * loop, batched generation and continuous batching share one implementation,
 * so a request gives the same tokens whichever of them runs it.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM, KVCache, StepInput } from '../models/types.js';
import type { ConstraintFactory, TokenConstraint } from './constrained/constraint.js';
import { backendLogSoftmax, backendSoftmax, Sampler, topEntries } from './sampling.js';
import type { SoftmaxFn } from './logits.js';
import { row, type RowLogits } from './step.js';
import { StopMatcher } from './stop.js';
import type { FinishReason, GenerateOptions, GenerateResult, StreamingDecoder, StreamPiece, TextTokenizer, TokenLogprob } from './types.js';

export const DEFAULT_MAX_TOKENS = 256;

export interface SequenceExtras {
  /** Collect the prompt's per-token logprobs with this many alternatives (echo). */
  readonly promptLogprobs?: number;
  readonly constraint?: ConstraintFactory | undefined;
  /** Seed to use instead of opts.seed (the i-th choice of an n > 1 request). */
  readonly seed?: number;
  /** A cache already holding the first `cached` prompt tokens (prefix sharing for n > 1). */
  readonly cache?: KVCache;
  readonly cached?: number;
}

export class Sequence {
  readonly promptIds: readonly number[];
  readonly generated: number[] = [];
  readonly maxTokens: number;
  readonly sampler: Sampler;
  readonly logprobs: TokenLogprob[] | null;
  /** Prompt logprobs (index 0 is null: the first token has no context). */
  readonly promptLogprobs: (TokenLogprob | null)[] | null;
  finishReason: FinishReason | null = null;
  text = '';
  private cacheRef: KVCache | null;
  /** Prompt tokens already in the cache. */
  private fed: number;
  private readonly decoder: StreamingDecoder;
  private readonly stop: StopMatcher;
  private readonly endIds: Set<number>;
  private readonly extraEndIds: number[];
  private readonly topN: number;
  private readonly promptTopN: number;
  private readonly constraint: TokenConstraint | null;
  private readonly logSoftmax: SoftmaxFn;
  private lsBuf: Float32Array | null = null;

  constructor(
    readonly model: CausalLM,
    readonly tokenizer: TextTokenizer,
    promptIds: readonly number[],
    readonly opts: GenerateOptions,
    extras: SequenceExtras = {},
  ) {
    const ctx = model.config.contextLength;
    if (promptIds.length === 0) throw new InvalidArgumentError('generate', 'prompt', 'is empty and the tokenizer has no BOS token to start from');
    if (promptIds.length > ctx) {
      throw new InvalidArgumentError('generate', 'prompt', `has ${promptIds.length} tokens but the model's context is ${ctx}; shorten it`);
    }
    const max = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError('generate', 'maxTokens', `expected an integer >= 0, got ${max}`);
    this.promptIds = promptIds;
    this.maxTokens = Math.min(max, ctx - promptIds.length + 1);
    const vocab = Math.min(model.config.vocabSize, tokenizer.vocabSize);
    const seed = extras.seed ?? opts.seed;
    this.sampler = new Sampler(vocab, seed === undefined ? opts : { ...opts, seed }, promptIds, backendSoftmax(model.rt.backend));
    this.logSoftmax = backendLogSoftmax(model.rt.backend);
    this.topN = checkTopN('logprobs', opts.logprobs);
    this.promptTopN = checkTopN('promptLogprobs', extras.promptLogprobs);
    this.logprobs = opts.logprobs !== undefined ? [] : null;
    this.promptLogprobs = extras.promptLogprobs !== undefined ? [null] : null;
    this.stop = new StopMatcher(opts.stop);
    this.endIds = new Set(opts.ignoreEos ? [] : [...tokenizer.eosIds, ...(opts.stopTokenIds ?? [])]);
    this.extraEndIds = [...this.endIds].filter((id) => !tokenizer.eosIds.includes(id));
    this.decoder = tokenizer.decoder({ skipSpecial: opts.skipSpecial ?? true });
    // Decode the output in the context of the last prompt token, so a leading
    // space that depends on it (SentencePiece's '▁') comes out as in the full text.
    this.decoder.push(promptIds[promptIds.length - 1]!);
    this.constraint = extras.constraint?.create() ?? null;
    if (this.constraint && this.constraint.minTokens() > this.maxTokens) {
      throw new InvalidArgumentError('generate', 'maxTokens', `the shortest output the schema allows needs ${this.constraint.minTokens()} tokens; raise maxTokens to at least that`);
    }
    this.cacheRef = extras.cache ?? null;
    this.fed = extras.cached ?? 0;
    if (this.fed >= promptIds.length) throw new InvalidArgumentError('generate', 'cached', 'a shared cache must leave the last prompt token unfed');
    // With no token to generate there is nothing to run, unless the prompt itself is to be scored (echo).
    if (this.maxTokens === 0 && !this.promptLogprobs) this.finishReason = 'length';
  }

  get done(): boolean {
    return this.finishReason !== null;
  }

  get prefilling(): boolean {
    return this.fed < this.promptIds.length;
  }

  /** Prompt tokens not yet in the cache. */
  get prefillLeft(): number {
    return this.promptIds.length - this.fed;
  }

  get cache(): KVCache {
    if (!this.cacheRef) this.cacheRef = this.model.newCache(Math.min(this.model.config.contextLength, this.promptIds.length + this.maxTokens));
    return this.cacheRef;
  }

  /**
   * What to feed next: up to `maxPrefill` prompt tokens while prefilling,
   * else the last generated token. Null when finished.
   */
  nextInput(maxPrefill = Infinity): StepInput | null {
    if (this.done) return null;
    if (this.prefilling) {
      const n = Math.max(1, Math.min(this.prefillLeft, maxPrefill));
      const ids = this.promptIds.slice(this.fed, this.fed + n);
      return this.promptLogprobs ? { ids, cache: this.cache, allLogits: true } : { ids, cache: this.cache };
    }
    return { ids: [this.generated[this.generated.length - 1]!], cache: this.cache };
  }

  /** Takes the logits for the input `nextInput` gave; returns the new piece, or null mid-prefill (or when done without a token). */
  consume(input: StepInput, logits: RowLogits): StreamPiece | null {
    if (this.prefilling) {
      const start = this.fed;
      this.fed += input.ids.length;
      if (this.promptLogprobs) {
        // Row r predicts prompt token start + r + 1.
        for (let r = 0; r < logits.rows; r++) {
          const pos = start + r + 1;
          if (pos < this.promptIds.length) this.promptLogprobs.push(this.logprobOf(row(logits, r), this.promptIds[pos]!, this.promptTopN));
        }
      }
      if (this.prefilling) return null;
      if (this.maxTokens === 0) {
        this.finishReason = 'length';
        return null;
      }
    }
    return this.choose(row(logits, logits.rows - 1));
  }

  /** Ends the sequence without another token (abort). */
  abort(): void {
    if (!this.done) this.finishReason = 'abort';
  }

  /** Releases the KV cache. */
  dispose(): void {
    this.cacheRef?.dispose();
    this.cacheRef = null;
  }

  /** Gives the sequence a cache already holding the first `cached` prompt tokens (prefix sharing). */
  attachCache(cache: KVCache): void {
    if (this.cacheRef) throw new InvalidArgumentError('generate', 'cache', 'the sequence already has a cache');
    if (cache.length !== this.fed) throw new InvalidArgumentError('generate', 'cache', `holds ${cache.length} tokens, expected ${this.fed}`);
    this.cacheRef = cache;
  }

  /** Hands the cache over (prefix sharing); the sequence no longer owns it. */
  detachCache(): KVCache | null {
    const c = this.cacheRef;
    this.cacheRef = null;
    return c;
  }

  result(): GenerateResult {
    const promptTokens = this.promptIds.length;
    const completionTokens = this.generated.length;
    const r: GenerateResult = {
      text: this.text,
      tokens: [...this.generated],
      finishReason: this.finishReason ?? 'length',
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    };
    return this.logprobs ? { ...r, logprobs: this.logprobs } : r;
  }

  /** log-softmax of the raw logits (the backend's kernel), read at `token`, with the n best. */
  private logprobOf(raw: Float32Array, token: number, n: number): TokenLogprob {
    const ls = (this.lsBuf ??= new Float32Array(raw.length));
    this.logSoftmax(raw, ls);
    const logprob = ls[token]!;
    return n > 0 ? { token, logprob, top: topEntries(ls, n) } : { token, logprob };
  }

  private choose(raw: Float32Array): StreamPiece {
    const remaining = this.maxTokens - this.generated.length;
    let token: number;
    const c = this.constraint;
    if (c) {
      token = this.sampler.sample(raw, this.withEndIds(c, c.allowed(remaining)));
      if (token < 0 || (!this.endIds.has(token) && !c.fits(token, remaining))) token = this.sampler.sample(raw, c.forced(remaining));
    } else {
      token = this.sampler.sample(raw);
    }
    if (token < 0) {
      throw new InvalidArgumentError('generate', 'logitBias', 'every token was excluded; no token can be sampled');
    }
    const lp = this.logprobs ? this.logprobOf(raw, token, this.topN) : null;
    if (lp) this.logprobs!.push(lp);
    let text: string;
    if (this.endIds.has(token) && (!c || c.complete)) {
      text = this.finish('eos');
    } else {
      this.generated.push(token);
      this.sampler.accept(token);
      c?.accept(token);
      const r = this.stop.push(this.decoder.push(token));
      text = r.text;
      if (r.stopped) this.finishReason = 'stop';
      else if (c?.closed) text += this.finish(c.forcedToEnd ? 'length' : 'stop');
      else if (this.generated.length >= this.maxTokens) text += this.finish('length');
    }
    this.text += text;
    const piece: StreamPiece = lp?.top ? { text, token, logprob: lp.logprob, top: lp.top } : lp ? { text, token, logprob: lp.logprob } : { text, token };
    return this.finishReason ? { ...piece, finishReason: this.finishReason } : piece;
  }

  /** Adds end ids the tokenizer does not list (stopTokenIds, generation_config) once the output is complete. */
  private withEndIds(c: TokenConstraint, mask: Uint32Array): Uint32Array {
    if (!c.complete || this.extraEndIds.length === 0) return mask;
    const m = mask.slice();
    for (const e of this.extraEndIds) if (e >>> 5 < m.length) m[e >>> 5]! |= 1 << (e & 31);
    return m;
  }

  /** Ends the sequence and returns the text still held (incomplete characters, a partial stop string). */
  private finish(reason: FinishReason): string {
    const r = this.stop.push(this.decoder.flush());
    if (r.stopped) {
      this.finishReason = 'stop';
      return r.text;
    }
    this.finishReason = reason;
    return r.text + this.stop.flush();
  }
}

function checkTopN(name: string, n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new InvalidArgumentError('generate', name, `expected an integer in [0, 100], got ${n}`);
  return n;
}
