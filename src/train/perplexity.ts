/**
 * Sliding-window perplexity of a causal LM over a token stream, as in the
 * Hugging Face perplexity guide: windows of `context` tokens advance by
 * `stride`; each token is scored once, by the window that gives it the most
 * left context, so with stride < context every token (after the first
 * window) is predicted from at least context - stride tokens.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM } from '../models/types.js';
import { crossEntropy } from '../tensor/ops/nn.js';

export interface PerplexityOptions {
  /** Window length in tokens (at most the model's context; default the model's context). */
  readonly context?: number;
  /** How far each window advances; default `context` (no overlap). */
  readonly stride?: number;
  /** Windows of equal length run together, this many at a time. Default 4. */
  readonly batchSize?: number;
  readonly onProgress?: (scored: number, total: number) => void;
}

export interface PerplexityResult {
  /** Mean negative log-likelihood per scored token (nats). */
  readonly nll: number;
  readonly perplexity: number;
  /** Tokens scored (all but the first). */
  readonly tokens: number;
  readonly windows: number;
}

interface Window {
  readonly begin: number;
  readonly end: number;
  /** First position whose token this window scores. */
  readonly from: number;
}

export function slidingWindows(n: number, context: number, stride: number): Window[] {
  const out: Window[] = [];
  let prevEnd = 0;
  for (let begin = 0; prevEnd < n; begin += stride) {
    const end = Math.min(begin + context, n);
    const from = Math.max(prevEnd, begin + 1);
    if (end > from) out.push({ begin, end, from });
    prevEnd = end;
  }
  return out;
}

export function perplexity(model: CausalLM, ids: ArrayLike<number>, opts: PerplexityOptions = {}): PerplexityResult {
  const rt = model.rt;
  const context = opts.context ?? model.config.contextLength;
  const stride = opts.stride ?? context;
  if (!(Number.isInteger(context) && context >= 2)) throw new InvalidArgumentError('perplexity', 'context', `${context} must be an integer >= 2`);
  if (context > model.config.contextLength) throw new InvalidArgumentError('perplexity', 'context', `${context} exceeds the model's context length ${model.config.contextLength}`);
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= context)) throw new InvalidArgumentError('perplexity', 'stride', `${stride} must be an integer in [1, context]`);
  if (ids.length < 2) throw new InvalidArgumentError('perplexity', 'data', `holds ${ids.length} token(s); at least 2 are needed`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < model.config.vocabSize)) throw new InvalidArgumentError('perplexity', 'data', `token id ${id} is outside the model's vocabulary of ${model.config.vocabSize}; is it the model's tokenizer?`);
  }
  const windows = slidingWindows(ids.length, context, stride);
  const B = opts.batchSize ?? 4;
  let nllSum = 0;
  let scored = 0;
  const total = ids.length - 1;
  rt.noGrad(() => {
    for (let i = 0; i < windows.length; ) {
      const len = windows[i]!.end - windows[i]!.begin;
      let j = i;
      while (j < windows.length && j - i < B && windows[j]!.end - windows[j]!.begin === len) j++;
      const group = windows.slice(i, j);
      const T = len - 1;
      const inputs = new Int32Array(group.length * T);
      const targets = new Int32Array(group.length * T).fill(-100);
      group.forEach((w, b) => {
        for (let t = 0; t < T; t++) {
          inputs[b * T + t] = ids[w.begin + t]!;
          const pos = w.begin + t + 1;
          if (pos >= w.from) targets[b * T + t] = ids[pos]!;
        }
      });
      nllSum += rt.tidy(() => {
        const x = rt.fromArray(inputs, [group.length, T], 'i32');
        const y = rt.fromArray(targets, [group.length, T], 'i32');
        return crossEntropy(model.forward(x).logits, y, { reduction: 'sum', ignoreIndex: -100 }).item();
      });
      for (const w of group) scored += w.end - w.from;
      opts.onProgress?.(scored, total);
      i = j;
    }
  });
  const nll = nllSum / scored;
  return { nll, perplexity: Math.exp(nll), tokens: scored, windows: windows.length };
}
