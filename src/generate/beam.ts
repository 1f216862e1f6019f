/**
 * Beam search, for tasks with one right answer (translation, summarisation):
 * keep the `numBeams` most likely partial outputs, extend them all each step
 * (one batched model.step), and collect finished ones (ended by EOS) until no
 * live beam can beat them.
 *
 * Semantics follow Hugging Face's BeamSearchScorer: each step ranks the
 * 2 x numBeams best extensions; an EOS among the first numBeams finishes a
 * hypothesis, scored sum(logprobs) / length ** lengthPenalty (length counts
 * the generated tokens, EOS included); `earlyStopping` true stops as soon as
 * numBeams hypotheses are finished, false when the best live beam, scored at
 * its current length, cannot beat the worst of them, and 'never' only when no
 * continuation up to maxTokens can (exact). Caches are forked with clone().
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM, KVCache } from '../models/types.js';
import { encodePrompt } from './generate.js';
import { logSumExp, topEntries } from './sampling.js';
import { row, stepLogits } from './step.js';
import type { Prompt, TextTokenizer, Usage } from './types.js';

export interface BeamOptions {
  /** Beams kept per step (default 4). */
  readonly numBeams?: number;
  /** Most tokens per output (default 256, within the context). */
  readonly maxTokens?: number;
  /** Exponent of the length normalisation: > 0 favours longer outputs (default 1). */
  readonly lengthPenalty?: number;
  readonly earlyStopping?: boolean | 'never';
  /** How many of the best hypotheses to return (default 1, at most numBeams). */
  readonly numReturnSequences?: number;
  /** Ids that finish a hypothesis in addition to the tokenizer's EOS ids. */
  readonly stopTokenIds?: readonly number[];
  readonly addSpecial?: boolean;
  readonly skipSpecial?: boolean;
  readonly signal?: AbortSignal;
}

export interface BeamHypothesis {
  readonly text: string;
  /** Generated ids without the final EOS. */
  readonly tokens: number[];
  /** Length-normalised score (higher is better). */
  readonly score: number;
  /** Sum of the token logprobs (EOS included when finished). */
  readonly logprob: number;
  readonly finishReason: 'eos' | 'length' | 'abort';
}

export interface BeamResult extends BeamHypothesis {
  /** The best hypotheses, best first (numReturnSequences of them). */
  readonly sequences: BeamHypothesis[];
  readonly usage: Usage;
}

interface Beam {
  tokens: number[];
  sum: number;
  cache: KVCache;
}

interface Finished {
  tokens: number[];
  sum: number;
  score: number;
  reason: 'eos' | 'length' | 'abort';
}

export async function beamSearch(model: CausalLM, tokenizer: TextTokenizer, prompt: Prompt, opts: BeamOptions = {}): Promise<BeamResult> {
  const B = opts.numBeams ?? 4;
  const alpha = opts.lengthPenalty ?? 1;
  const early = opts.earlyStopping ?? false;
  const nReturn = opts.numReturnSequences ?? 1;
  if (!Number.isInteger(B) || B < 1) throw new InvalidArgumentError('beamSearch', 'numBeams', `expected an integer >= 1, got ${B}`);
  if (!Number.isInteger(nReturn) || nReturn < 1 || nReturn > B) {
    throw new InvalidArgumentError('beamSearch', 'numReturnSequences', `expected an integer in [1, numBeams = ${B}], got ${nReturn}`);
  }
  if (!Number.isFinite(alpha)) throw new InvalidArgumentError('beamSearch', 'lengthPenalty', `expected a finite number, got ${alpha}`);
  const ids = encodePrompt(tokenizer, prompt, opts.addSpecial ?? true);
  const ctx = model.config.contextLength;
  if (ids.length === 0) throw new InvalidArgumentError('beamSearch', 'prompt', 'is empty and the tokenizer has no BOS token to start from');
  if (ids.length > ctx) throw new InvalidArgumentError('beamSearch', 'prompt', `has ${ids.length} tokens but the model's context is ${ctx}`);
  const maxTokens = Math.min(opts.maxTokens ?? 256, ctx - ids.length + 1);
  const V = Math.min(model.config.vocabSize, tokenizer.vocabSize);
  const eos = new Set([...tokenizer.eosIds, ...(opts.stopTokenIds ?? [])]);
  const norm = (sum: number, len: number) => sum / Math.pow(Math.max(len, 1), alpha);

  const finished: Finished[] = [];
  const addFinished = (h: Finished) => {
    finished.push(h);
    finished.sort((a, b) => b.score - a.score);
    if (finished.length > B) finished.pop();
  };

  const capacity = Math.min(ctx, ids.length + maxTokens);
  let beams: Beam[] = [{ tokens: [], sum: 0, cache: model.newCache(capacity) }];
  let live: Beam[] = beams;
  let logits = stepLogits(model, [{ ids, cache: beams[0]!.cache }]);
  let aborted = false;
  try {
    for (let t = 1; t <= maxTokens; t++) {
      if (opts.signal) {
        await new Promise((r) => setImmediate(r));
        if (opts.signal.aborted) {
          aborted = true;
          break;
        }
      }
      // Rank extensions: per beam its 2B best tokens, then the 2B best overall.
      const cands: { beam: number; token: number; sum: number }[] = [];
      beams.forEach((b, i) => {
        const raw = row(logits[i]!, 0).subarray(0, V);
        const lse = logSumExp(raw);
        for (const e of topEntries(raw, 2 * B, lse)) cands.push({ beam: i, token: e.token, sum: b.sum + e.logprob });
      });
      cands.sort((x, y) => y.sum - x.sum || x.beam - y.beam || x.token - y.token);
      const next: { parent: number; token: number; sum: number }[] = [];
      for (let r = 0; r < cands.length && r < 2 * B && next.length < B; r++) {
        const c = cands[r]!;
        if (eos.has(c.token)) {
          if (r < B) addFinished({ tokens: beams[c.beam]!.tokens, sum: c.sum, score: norm(c.sum, t), reason: 'eos' });
        } else {
          next.push({ parent: c.beam, token: c.token, sum: c.sum });
        }
      }
      if (next.length === 0 || isDone(finished, B, next[0]!.sum, t, maxTokens, alpha, early) || t === maxTokens) {
        // Out of budget: the live beams count as hypotheses too.
        if (t === maxTokens && !isDone(finished, B, next[0]?.sum ?? -Infinity, t, maxTokens, alpha, early)) {
          for (const n of next) addFinished({ tokens: [...beams[n.parent]!.tokens, n.token], sum: n.sum, score: norm(n.sum, t), reason: 'length' });
        }
        break;
      }
      // Fork caches: a parent's first child takes its cache, later ones clone it.
      const taken = new Set<number>();
      const forked: Beam[] = next.map((n) => {
        const p = beams[n.parent]!;
        const cache = taken.has(n.parent) ? p.cache.clone() : p.cache;
        taken.add(n.parent);
        return { tokens: [...p.tokens, n.token], sum: n.sum, cache };
      });
      beams.forEach((b, i) => {
        if (!taken.has(i)) b.cache.dispose();
      });
      beams = forked;
      live = beams;
      logits = stepLogits(
        model,
        beams.map((b) => ({ ids: [b.tokens[b.tokens.length - 1]!], cache: b.cache })),
      );
    }
    if (aborted) for (const b of beams) addFinished({ tokens: b.tokens, sum: b.sum, score: norm(b.sum, b.tokens.length), reason: 'abort' });
  } finally {
    for (const b of live) b.cache.dispose();
  }

  const decode = (tokens: number[]) => {
    const d = tokenizer.decoder({ skipSpecial: opts.skipSpecial ?? true });
    d.push(ids[ids.length - 1]!);
    let s = '';
    for (const tk of tokens) s += d.push(tk);
    return s + d.flush();
  };
  const sequences: BeamHypothesis[] = finished
    .slice(0, nReturn)
    .map((h) => ({ text: decode(h.tokens), tokens: h.tokens, score: h.score, logprob: h.sum, finishReason: h.reason }));
  const best = sequences[0] ?? { text: '', tokens: [], score: -Infinity, logprob: -Infinity, finishReason: aborted ? 'abort' : 'length' };
  const completion = best.tokens.length;
  return { ...best, sequences, usage: { promptTokens: ids.length, completionTokens: completion, totalTokens: ids.length + completion } };
}

/** Whether no live beam can still beat the worst of B finished hypotheses. */
function isDone(finished: Finished[], B: number, bestLiveSum: number, len: number, maxLen: number, alpha: number, early: boolean | 'never'): boolean {
  if (finished.length < B) return false;
  if (early === true) return true;
  const worst = finished[finished.length - 1]!.score;
  if (early === false) return worst >= bestLiveSum / Math.pow(len, alpha);
  // 'never': the best score any continuation could reach; sums only fall, so with alpha > 0 it is at the longest length.
  const highest = alpha > 0 ? bestLiveSum / Math.pow(maxLen, alpha) : bestLiveSum / Math.pow(len, alpha);
  return worst >= highest;
}
