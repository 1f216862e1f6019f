/**
 * Logits processors: each rewrites one sequence's logits (a Float32Array of
 * length V) in place, in O(V) and without allocating, so they cost little next
 * to the model even at V = 150k. Removed tokens become -Infinity.
 *
 * Semantics follow the references users compare against:
 *   - repetition penalty: Hugging Face's RepetitionPenaltyLogitsProcessor
 *     (positive logits divided by the penalty, negative ones multiplied), over
 *     every token seen (prompt and output);
 *   - presence/frequency penalties: OpenAI's formula over output tokens,
 *     logit -= count * frequency + (count > 0) * presence;
 *   - temperature, top-k, top-p, min-p: Hugging Face's warpers (ties at the
 *     top-k threshold are kept; top-p keeps the token that crosses p).
 */
import { InvalidArgumentError } from '../errors.js';

/** Counts of token ids, with the distinct ids listed so penalties cost O(distinct), not O(V). */
export class TokenCounts {
  readonly counts: Int32Array;
  readonly distinct: number[] = [];

  constructor(vocabSize: number) {
    this.counts = new Int32Array(vocabSize);
  }

  add(id: number): void {
    if (id < 0 || id >= this.counts.length) return;
    if (this.counts[id]++ === 0) this.distinct.push(id);
  }

  addAll(ids: readonly number[]): void {
    for (const id of ids) this.add(id);
  }
}

export function applyRepetitionPenalty(logits: Float32Array, seen: TokenCounts, penalty: number): void {
  if (penalty === 1) return;
  for (const id of seen.distinct) {
    const l = logits[id]!;
    logits[id] = l < 0 ? l * penalty : l / penalty;
  }
}

export function applyPresenceFrequency(logits: Float32Array, output: TokenCounts, presence: number, frequency: number): void {
  if (presence === 0 && frequency === 0) return;
  for (const id of output.distinct) {
    const c = output.counts[id]!;
    logits[id] = logits[id]! - c * frequency - presence;
  }
}

/** Adds bias[id] to logits[id]; `ids` and `values` are parallel arrays. */
export function applyLogitBias(logits: Float32Array, ids: Int32Array, values: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id >= 0 && id < logits.length) logits[id] = logits[id]! + values[i]!;
  }
}

/** Removes every token whose bit is clear in `allowed` (a bitset over ids, 32 per word). */
export function applyMask(logits: Float32Array, allowed: Uint32Array): void {
  const V = logits.length;
  for (let w = 0; w < allowed.length; w++) {
    const bits = allowed[w]!;
    if (bits === 0xffffffff) continue;
    const base = w << 5;
    const end = Math.min(32, V - base);
    for (let b = 0; b < end; b++) if ((bits & (1 << b)) === 0) logits[base + b] = -Infinity;
  }
}

export function applyTemperature(logits: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  const inv = 1 / temperature;
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! * inv;
}

/** Keeps the k largest logits (and any tied with the k-th); `scratch` has at least V elements. */
export function applyTopK(logits: Float32Array, k: number, scratch: Float32Array): void {
  const V = logits.length;
  if (k <= 0 || k >= V) return;
  scratch.set(logits);
  const kth = selectKthLargest(scratch, V, k);
  for (let i = 0; i < V; i++) if (logits[i]! < kth) logits[i] = -Infinity;
}

/**
 * Keeps the most likely tokens until their probability reaches p, including
 * the one that crosses it (at least one token survives).
 *
 * Sorting all V tokens every step would dominate a small model's decode, so
 * only candidates above a probability threshold are sorted: if the tokens
 * above t already hold mass >= p, the kept set lies among them. The threshold
 * falls tenfold until that holds (a flat distribution ends in a full sort).
 */
export function applyTopP(logits: Float32Array, p: number, probs: Float32Array, order: Int32Array, softmax: SoftmaxFn = softmaxInto): void {
  const V = logits.length;
  if (p >= 1) return;
  if (!hasFinite(logits)) return;
  softmax(logits, probs);
  let pmax = 0;
  for (let i = 0; i < V; i++) if (probs[i]! > pmax) pmax = probs[i]!;
  let threshold = pmax * 1e-3;
  let n = 0;
  for (;;) {
    n = 0;
    let mass = 0;
    for (let i = 0; i < V; i++) {
      const q = probs[i]!;
      if (q >= threshold && q > 0) {
        order[n++] = i;
        mass += q;
      }
    }
    if (mass >= p || threshold === 0) break;
    threshold = threshold < 1e-30 ? 0 : threshold * 0.1;
  }
  const cand = order.subarray(0, n);
  // Descending probability, ties by id, so the result does not depend on the sort's stability.
  cand.sort((a, b) => probs[b]! - probs[a]! || a - b);
  let cum = 0;
  let keep = n;
  for (let j = 0; j < n; j++) {
    cum += probs[cand[j]!]!;
    if (cum >= p) {
      keep = j + 1;
      break;
    }
  }
  // Tokens tied with the last kept one stay too, like top-k's ties.
  const cut = probs[cand[keep - 1]!]!;
  for (let i = 0; i < V; i++) if (probs[i]! < cut) logits[i] = -Infinity;
}

/** Drops tokens whose probability is below minP times the top token's: logit < max + ln(minP). */
export function applyMinP(logits: Float32Array, minP: number): void {
  if (minP <= 0) return;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return;
  const cut = max + Math.log(minP);
  for (let i = 0; i < logits.length; i++) if (logits[i]! < cut) logits[i] = -Infinity;
}

/**
 * softmax(x) into out. The samplers take it as a parameter so the runtime's
 * backend can supply its vectorised kernel: in JS the V exponentials of a
 * step cost ~1 ms at V = 32k, in the native kernel ~50 µs.
 */
export type SoftmaxFn = (x: Float32Array, out: Float32Array) => void;

/** Whether any logit is above -Infinity (softmax of all -Infinity is undefined). */
export function hasFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i]! > -Infinity) return true;
  return false;
}

/** Writes softmax(logits) into probs; returns the unnormalised sum (0 when every logit is -Infinity). */
export function softmaxInto(logits: Float32Array, probs: Float32Array): number {
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) {
    probs.fill(0, 0, V);
    return 0;
  }
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp(logits[i]! - max);
    probs[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < V; i++) probs[i] = probs[i]! * inv;
  return sum;
}

/** The k-th largest of a[0..n) (1-based k), reordering a in place (Hoare quickselect, O(n) expected). */
export function selectKthLargest(a: Float32Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}

/** Checks sampling options once, at the boundary, with messages that name the field. */
export function validateSampling(op: string, o: {
  temperature?: number | undefined;
  topK?: number | undefined;
  topP?: number | undefined;
  minP?: number | undefined;
  repetitionPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
}): void {
  const check = (name: string, v: number | undefined, ok: (v: number) => boolean, expect: string) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))) {
      throw new InvalidArgumentError(op, name, `expected ${expect}, got ${String(v)}`);
    }
  };
  check('temperature', o.temperature, (v) => v >= 0, 'a number >= 0');
  check('topK', o.topK, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  check('topP', o.topP, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  check('minP', o.minP, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  check('repetitionPenalty', o.repetitionPenalty, (v) => v > 0, 'a number > 0');
  check('presencePenalty', o.presencePenalty, () => true, 'a finite number');
  check('frequencyPenalty', o.frequencyPenalty, () => true, 'a finite number');
}
