/**
 * chrF (Popović 2015, "chrF: character n-gram F-score for automatic MT
 * evaluation"), with the conventions of sacrebleu's default CHRF, so that our
 * numbers compare with published ones:
 *
 * - character n-grams of orders 1..6 over code points, whitespace removed
 *   first (the characters Python's str.split() splits on);
 * - per order: hypothesis n-gram count, reference n-gram count, and matches
 *   (clipped counts); the hypothesis count is taken as 0 for an order where the
 *   reference has no n-gram;
 * - corpus level: statistics are summed over all sentences, then scored once;
 * - score: precision and recall are averaged over the "effective" orders (those
 *   where both hypothesis and reference have n-grams), then combined as
 *   F_beta = (1 + beta^2) P R / (beta^2 P + R), times 100, with beta = 2.
 */
import { InvalidArgumentError } from '../../errors.js';

export interface ChrfOptions {
  /** Maximum character n-gram order (default 6). */
  readonly charOrder?: number;
  /** Recall weight (default 2: chrF2). */
  readonly beta?: number;
}

/** The characters that Python's `str.split()` treats as whitespace. */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;

function charNgrams(text: string, order: number): Map<string, number>[] {
  const chars = Array.from(text.replace(PY_WHITESPACE, ''));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= order; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= chars.length; i++) {
      const g = chars.slice(i, i + n).join('');
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

function checkOrder(charOrder: number): void {
  if (!Number.isInteger(charOrder) || charOrder < 1) throw new InvalidArgumentError('chrF', 'charOrder', `expected a positive integer, got ${charOrder}`);
}

/**
 * Sentence statistics: for each order n = 1..charOrder, the triple
 * [hypothesis n-grams, reference n-grams, matching n-grams], flattened.
 */
export function chrfStatistics(hypothesis: string, reference: string, charOrder = 6): number[] {
  checkOrder(charOrder);
  const hyp = charNgrams(hypothesis, charOrder);
  const ref = charNgrams(reference, charOrder);
  const stats: number[] = [];
  for (let n = 0; n < charOrder; n++) {
    let hypCount = 0;
    let match = 0;
    let refCount = 0;
    for (const c of ref[n]!.values()) refCount += c;
    for (const [g, c] of hyp[n]!) {
      hypCount += c;
      const r = ref[n]!.get(g);
      if (r !== undefined) match += Math.min(c, r);
    }
    stats.push(ref[n]!.size > 0 ? hypCount : 0, refCount, match);
  }
  return stats;
}

/** The chrF score (0..100) from summed statistics. */
export function chrfFromStatistics(stats: readonly number[], beta = 2): number {
  if (stats.length % 3 !== 0 || stats.length === 0) throw new InvalidArgumentError('chrF', 'stats', `expected a non-empty multiple of 3 values, got ${stats.length}`);
  if (!(beta > 0)) throw new InvalidArgumentError('chrF', 'beta', `expected a positive number, got ${beta}`);
  const factor = beta * beta;
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let i = 0; i < stats.length; i += 3) {
    const [hyp, ref, match] = [stats[i]!, stats[i + 1]!, stats[i + 2]!];
    if (hyp > 0 && ref > 0) {
      precision += match / hyp;
      recall += match / ref;
      effective++;
    }
  }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  if (precision + recall === 0) return 0;
  return (100 * (1 + factor) * precision * recall) / (factor * precision + recall);
}

/** Corpus-level chrF: statistics summed over sentence pairs, then scored. */
export function corpusChrF(hypotheses: readonly string[], references: readonly string[], opts: ChrfOptions = {}): number {
  if (hypotheses.length !== references.length) {
    throw new InvalidArgumentError('chrF', 'references', `${hypotheses.length} hypotheses but ${references.length} references`);
  }
  if (hypotheses.length === 0) throw new InvalidArgumentError('chrF', 'hypotheses', 'need at least one sentence pair');
  const order = opts.charOrder ?? 6;
  const total = new Array<number>(order * 3).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    const s = chrfStatistics(hypotheses[i]!, references[i]!, order);
    for (let k = 0; k < s.length; k++) total[k]! += s[k]!;
  }
  return chrfFromStatistics(total, opts.beta ?? 2);
}

/** chrF of one sentence pair. */
export function sentenceChrF(hypothesis: string, reference: string, opts: ChrfOptions = {}): number {
  return chrfFromStatistics(chrfStatistics(hypothesis, reference, opts.charOrder ?? 6), opts.beta ?? 2);
}
