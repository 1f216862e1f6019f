/**
 * Scoring text under the model: the log-likelihood of a continuation given a
 * context (multiple-choice evaluation) and prompt logprobs (echo). Sliding-
 * window perplexity is src/train/perplexity.ts.
 *
 * logLikelihood follows lm-evaluation-harness exactly, so scores compare:
 * trailing whitespace of the context moves to the continuation; the
 * continuation's tokens are those of encode(context + continuation) after the
 * first len(encode(context)) tokens; an empty context becomes the BOS token
 * (or EOS when there is none); no special tokens are added unless addBos is
 * set; inputs longer than the context window are cut from the left.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM, StepInput } from '../models/types.js';
import { logSumExp, topEntries } from './sampling.js';
import { row, stepLogits, type RowLogits } from './step.js';
import type { TextTokenizer, TokenLogprob } from './types.js';

export interface LogLikelihood {
  /** Sum of the continuation tokens' logprobs. */
  readonly logprob: number;
  /** Whether greedy decoding would produce exactly these continuation tokens. */
  readonly isGreedy: boolean;
  /** The continuation's token ids. */
  readonly tokens: number[];
  readonly tokenLogprobs: number[];
}

export interface ScoreOptions {
  /** Prepend BOS to context and whole (the harness's add_bos_token; default false). */
  readonly addBos?: boolean;
  /** Requests per model.step call in logLikelihoods (default 16). */
  readonly batchSize?: number;
}

/** The harness's _encode_pair: context and continuation token ids. */
export function encodePair(tok: TextTokenizer, context: string, continuation: string, addBos = false): { context: number[]; continuation: number[] } {
  const spaces = context.length - context.trimEnd().length;
  if (spaces > 0) {
    continuation = context.slice(context.length - spaces) + continuation;
    context = context.slice(0, context.length - spaces);
  }
  const enc = (t: string) => tok.encode(t, { addSpecial: addBos });
  if (context === '') {
    const prefix = tok.bosId ?? tok.eosIds[0];
    if (prefix === undefined) throw new InvalidArgumentError('logLikelihood', 'context', 'is empty and the tokenizer has neither BOS nor EOS to stand in for it');
    const cont = tok.encode(continuation, { addSpecial: false });
    return { context: [prefix], continuation: cont };
  }
  const whole = enc(context + continuation);
  const ctx = enc(context);
  return { context: ctx, continuation: whole.slice(ctx.length) };
}

/** log P(continuation | context), the harness's `loglikelihood` request. */
export function logLikelihood(model: CausalLM, tok: TextTokenizer, context: string, continuation: string, opts: ScoreOptions = {}): LogLikelihood {
  return logLikelihoods(model, tok, [{ context, continuation }], opts)[0]!;
}

/** Many log-likelihood requests, batched into ragged model.step calls. */
export function logLikelihoods(
  model: CausalLM,
  tok: TextTokenizer,
  requests: readonly { context: string; continuation: string }[],
  opts: ScoreOptions = {},
): LogLikelihood[] {
  const pairs = requests.map((r) => encodePair(tok, r.context, r.continuation, opts.addBos ?? false));
  return scorePairs(model, pairs, opts.batchSize ?? 16);
}

/** Scores continuation ids after context ids (both already tokenized). */
export function scorePairs(model: CausalLM, pairs: readonly { context: number[]; continuation: number[] }[], batchSize = 16): LogLikelihood[] {
  const out: LogLikelihood[] = [];
  const maxLen = model.config.contextLength;
  for (let start = 0; start < pairs.length; start += batchSize) {
    const chunk = pairs.slice(start, start + batchSize).map((p, i) => {
      if (p.continuation.length === 0) throw new InvalidArgumentError('logLikelihood', `requests[${start + i}]`, 'the continuation encodes to no tokens');
      if (p.continuation.length > maxLen) {
        throw new InvalidArgumentError('logLikelihood', `requests[${start + i}]`, `the continuation has ${p.continuation.length} tokens, more than the context window ${maxLen}`);
      }
      // Keep the last maxLen + 1 tokens; the input is all but the last of them.
      const ids = [...p.context, ...p.continuation].slice(-(maxLen + 1));
      const n = p.continuation.length;
      const head = ids.slice(0, ids.length - n);
      if (head.length === 0) throw new InvalidArgumentError('logLikelihood', `requests[${start + i}]`, 'the context has no tokens');
      return { head, cont: p.continuation, cache: model.newCache(ids.length - 1) };
    });
    try {
      // Step 1: everything up to the last context token; its last row predicts the first continuation token.
      const first = stepLogits(model, chunk.map((c) => ({ ids: c.head, cache: c.cache })));
      // Step 2: the continuation but its last token, all rows: they predict the rest.
      const rest: StepInput[] = [];
      const restOf: number[] = [];
      chunk.forEach((c, i) => {
        if (c.cont.length > 1) {
          rest.push({ ids: c.cont.slice(0, -1), cache: c.cache, allLogits: true });
          restOf.push(i);
        }
      });
      const second = stepLogits(model, rest);
      const byChunk = new Map<number, RowLogits>(restOf.map((ci, k) => [ci, second[k]!]));
      chunk.forEach((c, i) => {
        const rows = [row(first[i]!, 0)];
        const more = byChunk.get(i);
        if (more) for (let r = 0; r < more.rows; r++) rows.push(row(more, r));
        const tokenLogprobs: number[] = [];
        let isGreedy = true;
        c.cont.forEach((t, k) => {
          const x = rows[k]!;
          tokenLogprobs.push(x[t]! - logSumExp(x));
          if (argmaxOf(x) !== t) isGreedy = false;
        });
        out.push({ logprob: tokenLogprobs.reduce((a, b) => a + b, 0), isGreedy, tokens: c.cont, tokenLogprobs });
      });
    } finally {
      for (const c of chunk) c.cache.dispose();
    }
  }
  return out;
}

function argmaxOf(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** Per-token logprobs of a sequence (the first has no context: null), with `top` alternatives each. */
export function promptLogprobs(model: CausalLM, ids: readonly number[], opts: { top?: number } = {}): (TokenLogprob | null)[] {
  if (ids.length > model.config.contextLength) {
    throw new InvalidArgumentError('promptLogprobs', 'ids', `has ${ids.length} tokens but the model's context is ${model.config.contextLength}`);
  }
  if (ids.length === 0) return [];
  const cache = model.newCache(ids.length);
  try {
    const [l] = stepLogits(model, [{ ids, cache, allLogits: true }]);
    const out: (TokenLogprob | null)[] = [null];
    for (let i = 1; i < ids.length; i++) {
      const x = row(l!, i - 1);
      const lse = logSumExp(x);
      const lp = x[ids[i]!]! - lse;
      out.push(opts.top ? { token: ids[i]!, logprob: lp, top: topEntries(x, opts.top, lse) } : { token: ids[i]!, logprob: lp });
    }
    return out;
  } finally {
    cache.dispose();
  }
}
