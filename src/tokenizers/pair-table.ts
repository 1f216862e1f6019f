/**
 * The merge table of a BPE model: (left id, right id) -> (rank, merged id), as
 * an open-addressing hash table over typed arrays. Integer keys make the merge
 * loop a few array reads instead of building and hashing strings.
 */
/**
 * MurmurHash3's finalizer: spreads every input bit over the low bits, which
 * the tables index by. (A bare multiply leaves the low bits depending only on
 * the low bits of the input, and the probe chains grow long.)
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private ranks: Int32Array;
  private merged: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.merged = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(a: number, b: number): number {
    return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
  }

  /** Adds a pair; an existing pair keeps its lower rank (the first merge listed wins). */
  set(a: number, b: number, rank: number, merged: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    let i = this.slot(a, b) & this.mask;
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) {
        this.keysA[i] = a;
        this.keysB[i] = b;
        this.ranks[i] = rank;
        this.merged[i] = merged;
        this.count++;
        return;
      }
      if (ka === a && this.keysB[i] === b) {
        if (rank < this.ranks[i]!) {
          this.ranks[i] = rank;
          this.merged[i] = merged;
        }
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The slot of the pair, or -1. Read `rankAt`/`mergedAt` with it. */
  find(a: number, b: number): number {
    let i = this.slot(a, b) & this.mask;
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  rankAt(slot: number): number {
    return this.ranks[slot]!;
  }

  mergedAt(slot: number): number {
    return this.merged[slot]!;
  }

  /** Every pair, in slot order: [a, b, rank, merged]. */
  *entries(): IterableIterator<[number, number, number, number]> {
    for (let i = 0; i <= this.mask; i++) if (this.keysA[i] !== -1) yield [this.keysA[i]!, this.keysB[i]!, this.ranks[i]!, this.merged[i]!];
  }

  private grow(): void {
    const old = [...this.entries()];
    const cap = (this.mask + 1) * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.merged = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (const [a, b, r, m] of old) this.set(a, b, r, m);
  }
}
