/**
 * Sentiment analysis on any causal LM.
 *
 * Zero-shot, through label likelihoods: each label is scored as the
 * assistant's answer to the task prompt (the sum of its tokens'
 * log-probabilities), and the scores become probabilities with a softmax over
 * labels. Language models favour some answers regardless of the input (a
 * label that is a more common word, or that was more frequent in training),
 * so the probabilities are calibrated by contextual calibration (Zhao et al.
 * 2021, "Calibrate Before Use"): the label distribution for content-free
 * inputs ("N/A", "", "[MASK]") is measured once per model and label set, and
 * each input's probabilities are divided by it and renormalised, which makes
 * a content-free input score uniformly.
 *
 * When the model has a sequence-classification head (a `score` layer on the
 * last hidden state), its softmax is used instead: it was trained for exactly
 * this.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CallOptions, Engine } from '../serve/engine.js';
import { chatTemplateOf } from './chat.js';
import { EnginePipeline } from './base.js';
import { BUILTIN_SENTIMENT_LABELS, promptsFor, type TaskPrompts } from './task-prompts.js';

export interface SentimentOptions extends CallOptions {
  /** Labels for zero-shot scoring (default positive, negative, neutral). */
  readonly labels?: readonly string[];
  /** 'auto' uses the classification head when the model has one and no custom labels are given. */
  readonly method?: 'auto' | 'likelihood' | 'head';
  /** Contextual calibration of likelihood scores (default true). */
  readonly calibrate?: boolean;
}

export interface SentimentResult {
  readonly label: string;
  /** The probability of `label`. */
  readonly score: number;
  /** Every label's probability (they sum to 1). */
  readonly scores: Readonly<Record<string, number>>;
  readonly method: 'likelihood' | 'head';
}

/** Content-free inputs of Zhao et al. 2021. */
export const CONTENT_FREE_INPUTS = ['N/A', '', '[MASK]'] as const;

const calibrations = new WeakMap<Engine, Map<string, Promise<number[]>>>();

export function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function toResult(labels: readonly string[], probs: readonly number[], method: 'likelihood' | 'head'): SentimentResult {
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
  const scores: Record<string, number> = {};
  labels.forEach((l, k) => (scores[l] = probs[k]!));
  return { label: labels[best]!, score: probs[best]!, scores, method };
}

export class SentimentPipeline extends EnginePipeline {
  constructor(
    engine: Engine,
    private readonly prompts: TaskPrompts = promptsFor(engine.info),
    owned = false,
  ) {
    super(engine, owned);
  }

  /** The sentiment of one text, or of each of several. */
  classify(text: string, opts?: SentimentOptions): Promise<SentimentResult>;
  classify(texts: readonly string[], opts?: SentimentOptions): Promise<SentimentResult[]>;
  async classify(input: string | readonly string[], opts: SentimentOptions = {}): Promise<SentimentResult | SentimentResult[]> {
    if (typeof input === 'string') return (await this.classifyAll([input], opts))[0]!;
    return this.classifyAll(input, opts);
  }

  private async classifyAll(texts: readonly string[], opts: SentimentOptions): Promise<SentimentResult[]> {
    const info = this.engine.info;
    const method = opts.method ?? 'auto';
    if (method === 'head' && !info.classifierLabels) {
      throw new InvalidArgumentError('sentiment', 'method', `model '${info.id}' has no classification head; use 'likelihood'`);
    }
    if (method === 'head' && opts.labels) throw new InvalidArgumentError('sentiment', 'labels', 'custom labels need the likelihood method; a head has fixed labels');
    const useHead = method === 'head' || (method === 'auto' && info.classifierLabels !== null && !opts.labels);
    if (texts.length === 0) return [];
    if (useHead) {
      const r = await this.engine.classify(texts, opts.signal ? { signal: opts.signal } : {});
      return r.probs.map((p) => toResult(r.labels, p, 'head'));
    }
    const labels = opts.labels ?? BUILTIN_SENTIMENT_LABELS;
    if (new Set(labels).size !== labels.length) throw new InvalidArgumentError('sentiment', 'labels', 'labels must be distinct');
    const probs = await this.labelProbs(texts, labels, opts);
    if (opts.calibrate === false) return probs.map((p) => toResult(labels, p, 'likelihood'));
    const prior = await this.contentFreePrior(labels);
    return probs.map((p) => {
      const q = p.map((x, k) => x / Math.max(prior[k]!, 1e-12));
      const s = q.reduce((a, b) => a + b, 0);
      return toResult(
        labels,
        q.map((x) => x / s),
        'likelihood',
      );
    });
  }

  /** softmax over labels of each label's log-likelihood as the answer, per text. */
  private async labelProbs(texts: readonly string[], labels: readonly string[], opts: CallOptions): Promise<number[][]> {
    const info = this.engine.info;
    const template = chatTemplateOf(info);
    const contexts = texts.map((t) => template.render(this.prompts.sentiment(t, labels), { bosToken: info.bosToken, eosToken: info.eosToken }));
    const reqs = contexts.flatMap((context) => labels.map((label) => ({ context, continuation: label })));
    const scored = await this.engine.score(reqs, opts.signal ? { signal: opts.signal } : {});
    return contexts.map((_, i) => softmax(labels.map((_, k) => scored[i * labels.length + k]!.logprob)));
  }

  /** The mean label distribution over content-free inputs, measured once per engine and label set. */
  private contentFreePrior(labels: readonly string[]): Promise<number[]> {
    let byKey = calibrations.get(this.engine);
    if (!byKey) calibrations.set(this.engine, (byKey = new Map()));
    const key = `${this.prompts.name}\u0000${labels.join('\u0000')}`;
    let prior = byKey.get(key);
    if (!prior) {
      // Measured without the caller's signal: other requests may share the result.
      prior = this.labelProbs(CONTENT_FREE_INPUTS, labels, {}).then((ps) => labels.map((_, k) => ps.reduce((s, p) => s + p[k]!, 0) / ps.length));
      // A cancelled or failed measurement is retried by the next call rather than cached.
      prior.catch(() => byKey!.delete(key));
      byKey.set(key, prior);
    }
    return prior;
  }
}
