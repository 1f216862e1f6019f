/**
 * What every tokenization model (BPE, Unigram, WordPiece, WordLevel) offers the
 * pipeline: turning one pre-tokenized word into ids, and its vocabulary.
 */
import { fmix32 } from './pair-table.js';
export interface TokenModel {
  readonly type: 'BPE' | 'Unigram' | 'WordPiece' | 'WordLevel';
  /** Number of ids (one more than the largest id). */
  readonly size: number;
  /** Appends the ids of `word` to `out`. */
  encodeWord(word: string, out: number[]): void;
  /** Optional fast form: appends the ids of the word t[i, j). */
  encodeRange?(t: string, i: number, j: number, out: number[]): void;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** The model section of a Hugging Face tokenizer.json. */
  toJSON(): Record<string, unknown>;
}

/** A bounded memo of word -> ids: real text repeats its words, so most words hit. */
export class WordCache {
  private map = new Map<string, number | Int32Array>();
  constructor(private readonly limit = 1 << 17) {}

  get(word: string): number | Int32Array | undefined {
    return this.map.get(word);
  }

  set(word: string, ids: number | Int32Array): void {
    // Clearing all at once is cheaper than LRU bookkeeping and bounds memory the same.
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(word, ids);
  }

  clear(): void {
    this.map.clear();
  }
}

/** Pushes a cached entry's ids. */
export function pushIds(out: number[], ids: number | Int32Array): void {
  if (typeof ids === 'number') out.push(ids);
  else for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
}

/**
 * A memo of text range -> ids that looks words up without slicing them out of
 * the text: the hash is computed over the range's characters and a hit is
 * confirmed by comparing characters. Slicing a string and hashing it in a Map
 * was the single largest cost of encoding. Clears itself when 3/4 full.
 */
export class RangeCache {
  private keys: (string | undefined)[];
  private hashes: Int32Array;
  private vals: (number | number[])[];
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 18) {
    this.keys = new Array(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.vals = new Array(capacity).fill(0);
    this.mask = capacity - 1;
  }

  static hash(t: string, i: number, j: number): number {
    let h = 0x811c9dc5 | 0;
    for (let k = i; k < j; k++) h = Math.imul(h ^ t.charCodeAt(k), 0x01000193);
    return h;
  }

  /** The slot holding t[i, j), or the negative (-slot - 1) of the empty slot where it would go. */
  find(t: string, i: number, j: number, h: number): number {
    const len = j - i;
    let s = fmix32(h) & this.mask;
    for (;;) {
      const key = this.keys[s];
      if (key === undefined) return -s - 1;
      if (this.hashes[s] === h && key.length === len) {
        let k = 0;
        while (k < len && key.charCodeAt(k) === t.charCodeAt(i + k)) k++;
        if (k === len) return s;
      }
      s = (s + 1) & this.mask;
    }
  }

  value(slot: number): number | number[] {
    return this.vals[slot]!;
  }

  /** Stores at the empty slot `find` reported (its negative form). */
  insert(emptySlot: number, key: string, h: number, ids: number | number[]): void {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) {
      this.keys.fill(undefined);
      this.count = 0;
      emptySlot = -(fmix32(h) & this.mask) - 1;
    }
    const s = -emptySlot - 1;
    this.keys[s] = key;
    this.hashes[s] = h;
    this.vals[s] = ids;
    this.count++;
  }
}
