/**
 * The corpus generator's own seeded PRNG: xoshiro128** (Blackman and Vigna,
 * "Scrambled linear pseudorandom number generators", 2018) seeded through
 * splitmix32 from a string key.
 *
 * Streams are derived by name (`fork('translate/train')`) from the seed key,
 * not from the current state, so adding draws to one task never shifts the
 * output of another: the corpus stays byte-identical for a seed even as tasks
 * are tuned one at a time.
 */
import { InvalidArgumentError } from '../../errors.js';

/** FNV-1a over the UTF-16 code units of `s`, 32 bits. */
function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** One step of splitmix32: advances `state[0]` and returns a well-mixed word. */
function splitmix32(state: Uint32Array): number {
  state[0] = (state[0]! + 0x9e3779b9) >>> 0;
  let z = state[0]!;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  /** The key this stream was derived from; `fork` appends to it. */
  readonly key: string;
  private readonly s = new Uint32Array(4);

  constructor(seed: number | string) {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new InvalidArgumentError('corpus.rng', 'seed', `expected a non-negative safe integer, got ${seed}`);
    }
    this.key = String(seed);
    // Two independent 32-bit hashes of the key feed splitmix32, which fills the
    // 128-bit state; an all-zero state (the one fixed point) cannot come out of it.
    const sm = new Uint32Array([fnv1a(this.key, 0x811c9dc5) ^ rotl(fnv1a(this.key, 0x050c5d1f), 16)]);
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(sm);
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Builds a generator from an explicit 128-bit state (for known-answer tests). */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const r = new Rng('state');
    for (let i = 0; i < 4; i++) r.s[i] = state[i]! >>> 0;
    return r;
  }

  /** An independent stream named `label`, derived from this stream's key (not its state). */
  fork(label: string): Rng {
    return new Rng(`${this.key}/${label}`);
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new InvalidArgumentError('corpus.rng', 'n', `expected an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  /** Uniform integer in [lo, hi], both ends included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError('corpus.rng', 'items', 'cannot pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks an item with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    if (!(total > 0)) throw new InvalidArgumentError('corpus.rng', 'weights', 'need at least one positive weight');
    let x = this.float() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** `k` distinct items in random order (all of them when k >= length). */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    this.shuffle(copy);
    return copy.slice(0, Math.max(0, Math.min(k, copy.length)));
  }
}
