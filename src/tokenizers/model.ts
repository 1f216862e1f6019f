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
 * the text. Slicing a string and hashing it in a Map was the largest cost of
 * encoding, and after that, cache misses: so each slot is four ints in one
 * typed array (hash, offset of the key's characters in a character pool, key
 * length + 1, value), the characters sit in one pool and multi-id values in an
 * id pool. A lookup touches the slot and the key's characters, nothing else.
 * Clears itself when the slots or pools fill.
 */
export class RangeCache {
  private meta: Int32Array;
  private chars: Uint16Array;
  private idPool: Int32Array;
  private charTop = 0;
  private idTop = 0;
  private count = 0;
  private readonly mask: number;

  constructor(capacity = 1 << 18) {
    this.meta = new Int32Array(capacity * 4);
    this.chars = new Uint16Array(capacity * 8);
    this.idPool = new Int32Array(capacity * 2);
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
    const meta = this.meta;
    let s = fmix32(h) & this.mask;
    for (;;) {
      const m = s << 2;
      const stored = meta[m + 2]!;
      if (stored === 0) return -s - 1;
      if (meta[m] === h && stored === len + 1) {
        const off = meta[m + 1]!;
        let k = 0;
        while (k < len && this.chars[off + k] === t.charCodeAt(i + k)) k++;
        if (k === len) return s;
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Appends the ids stored at `slot` to `out`. */
  push(slot: number, out: number[]): void {
    const v = this.meta[(slot << 2) + 3]!;
    if (v >= 0) {
      out.push(v);
      return;
    }
    const at = -v - 1;
    const n = this.idPool[at]!;
    for (let k = 1; k <= n; k++) out.push(this.idPool[at + k]!);
  }

  /** Stores t[i, j) -> ids at the empty slot `find` reported (its negative form). */
  insert(emptySlot: number, t: string, i: number, j: number, h: number, ids: ArrayLike<number>): void {
    const len = j - i;
    const multi = ids.length !== 1;
    if ((this.count + 1) * 4 > (this.mask + 1) * 3 || this.charTop + len > this.chars.length || (multi && this.idTop + ids.length + 1 > this.idPool.length)) {
      // Too big for the pools even when empty: just do not cache it.
      if (len > this.chars.length || ids.length + 1 > this.idPool.length) return;
      this.meta.fill(0);
      this.charTop = this.idTop = this.count = 0;
      emptySlot = -(fmix32(h) & this.mask) - 1;
    }
    const m = (-emptySlot - 1) << 2;
    for (let k = 0; k < len; k++) this.chars[this.charTop + k] = t.charCodeAt(i + k);
    this.meta[m] = h;
    this.meta[m + 1] = this.charTop;
    this.meta[m + 2] = len + 1;
    this.charTop += len;
    if (multi) {
      this.meta[m + 3] = -this.idTop - 1;
      this.idPool[this.idTop] = ids.length;
      for (let k = 0; k < ids.length; k++) this.idPool[this.idTop + 1 + k] = ids[k]!;
      this.idTop += ids.length + 1;
    } else this.meta[m + 3] = ids[0]!;
    this.count++;
  }
}
