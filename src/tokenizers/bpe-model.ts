/**
 * The BPE model: byte-level (GPT-2, tiktoken, Llama 3, Qwen2: words are UTF-8
 * bytes, written in the vocabulary with GPT-2's byte characters) or character
 * level with optional byte fallback (Llama 2 / Mistral style, SentencePiece
 * BPE), following the rules of Hugging Face `tokenizers` for unknown
 * characters, prefixes and suffixes.
 */
import { FileFormatError } from '../errors.js';
import { BYTE_TO_CHAR, bytesToByteLevel, CHAR_TO_BYTE, utf8Into } from './byte-level.js';
import { bpeMerge } from './bpe-merge.js';
import { fmix32, PairTable } from './pair-table.js';
import { pushIds, RangeCache, type TokenModel } from './model.js';

export interface BpeModelOptions {
  /** Words are raw text whose UTF-8 bytes map to the 256 byte tokens. */
  byteLevel?: boolean;
  unkToken?: string;
  byteFallback?: boolean;
  fuseUnk?: boolean;
  continuingSubwordPrefix?: string;
  endOfWordSuffix?: string;
  /** Look the whole word up in the vocabulary before merging (tiktoken, Llama 3). */
  ignoreMerges?: boolean;
}

export class BpeModel implements TokenModel {
  readonly type = 'BPE';
  readonly size: number;
  readonly options: Readonly<BpeModelOptions>;
  private readonly tokens: (string | undefined)[];
  private readonly ids: Map<string, number>;
  readonly table: PairTable;
  /** The merges in rank order, as (left, right) ids: what tokenizer.json lists. */
  private readonly merges: Int32Array;
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly fallbackIds = new Int32Array(256).fill(-1);
  private readonly unkId: number;
  private readonly cache = new RangeCache();
  private sym = new Int32Array(256);
  private scratch = new Int32Array(512);
  private bytes: Uint8Array = new Uint8Array(256);

  /**
   * `vocab` maps token to id; `merges` lists (left, right) token pairs in rank
   * order (a pair whose tokens or merge result are not in the vocabulary is an
   * error naming `source`), or is a ready `PairTable` with its merge list.
   */
  constructor(
    vocab: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[] | { table: PairTable; list: Int32Array },
    options: BpeModelOptions = {},
    source = 'BPE model',
  ) {
    this.options = { ...options };
    this.ids = new Map(vocab);
    let size = 0;
    for (const id of vocab.values()) size = Math.max(size, id + 1);
    this.size = size;
    this.tokens = new Array<string | undefined>(size);
    for (const [t, id] of vocab) this.tokens[id] = t;
    if (Array.isArray(merges)) {
      this.table = new PairTable(merges.length);
      this.merges = new Int32Array(merges.length * 2);
      const prefixLen = options.continuingSubwordPrefix?.length ?? 0;
      merges.forEach(([a, b], rank) => {
        const ia = vocab.get(a);
        const ib = vocab.get(b);
        if (ia === undefined || ib === undefined) {
          throw new FileFormatError(source, `merge ${rank} ("${a} ${b}") uses a token missing from the vocabulary`, 'model.merges');
        }
        const m = a + (prefixLen ? b.slice(prefixLen) : b);
        const im = vocab.get(m);
        if (im === undefined) throw new FileFormatError(source, `merge ${rank} ("${a} ${b}") makes "${m}", which is not in the vocabulary`, 'model.merges');
        this.table.set(ia, ib, rank, im);
        this.merges[2 * rank] = ia;
        this.merges[2 * rank + 1] = ib;
      });
    } else {
      const m = merges as { table: PairTable; list: Int32Array };
      this.table = m.table;
      this.merges = m.list;
    }
    if (options.byteLevel) for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.get(BYTE_TO_CHAR[b]!) ?? -1;
    if (options.byteFallback) {
      for (let b = 0; b < 256; b++) this.fallbackIds[b] = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
    }
    this.unkId = options.unkToken !== undefined ? (vocab.get(options.unkToken) ?? -1) : -1;
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** The merge list as token pairs, in rank order. */
  mergePairs(): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < this.merges.length; i += 2) out.push([this.tokens[this.merges[i]!]!, this.tokens[this.merges[i + 1]!]!]);
    return out;
  }

  /** Id of the byte-fallback token `<0xXX>` for byte `b`, or -1. */
  byteFallbackId(b: number): number {
    return this.fallbackIds[b]!;
  }

  encodeWord(word: string, out: number[]): void {
    this.encodeRange(word, 0, word.length, out);
  }

  /** Encodes the word t[i, j) without slicing it out unless it is new. */
  encodeRange(t: string, i: number, j: number, out: number[]): void {
    if (!this.options.byteLevel && j - i > 64) {
      this.encodeLong(t, i, j, out);
      return;
    }
    const h = RangeCache.hash(t, i, j);
    const slot = this.cache.find(t, i, j, h);
    if (slot >= 0) {
      this.cache.push(slot, out);
      return;
    }
    const word = i === 0 && j === t.length ? t : t.slice(i, j);
    const ids = this.options.byteLevel ? this.encodeBytes(word) : this.encodeChars(word);
    this.cache.insert(slot, t, i, j, h, ids);
    pushIds(out, ids);
  }

  /**
   * SentencePiece-style models see a whole text as one word. A merge can only
   * cross the point before a ▁ if some piece contains the preceding character
   * followed by ▁; where none does, the text splits there without changing the
   * result (merges are local and never form a pair across it), and the parts
   * go through the word cache.
   */
  private encodeLong(t: string, i: number, j: number, out: number[]): void {
    const before = (this.beforeSpace ??= this.charsBeforeSpace());
    let start = i;
    for (let k = i + 1; k < j; k++) {
      if (t.charCodeAt(k) !== 0x2581) continue;
      const prev = t.codePointAt(k - 1)!;
      // A low surrogate: look at the whole code point.
      const cp = prev >= 0xdc00 && prev < 0xe000 && k >= 2 ? t.codePointAt(k - 2)! : prev;
      if (before.has(cp)) continue;
      this.encodePart(t, start, k, out);
      start = k;
    }
    this.encodePart(t, start, j, out);
  }

  private encodePart(t: string, i: number, j: number, out: number[]): void {
    if (j - i <= 64) {
      this.encodeRange(t, i, j, out);
      return;
    }
    const ids = this.encodeChars(t.slice(i, j));
    pushIds(out, ids);
  }

  private beforeSpace: Set<number> | undefined;

  /** Code points that some piece has right before a ▁. */
  private charsBeforeSpace(): Set<number> {
    const set = new Set<number>();
    for (const t of this.tokens) {
      if (t === undefined) continue;
      for (let k = t.indexOf('▁', 1); k > 0; k = t.indexOf('▁', k + 1)) set.add(t.codePointAt(k - 1)! >= 0xdc00 && t.codePointAt(k - 1)! < 0xe000 && k >= 2 ? t.codePointAt(k - 2)! : t.codePointAt(k - 1)!);
    }
    return set;
  }

  private ensure(n: number): void {
    if (this.sym.length < n) {
      this.sym = new Int32Array(n * 2);
      this.scratch = new Int32Array(n * 4);
    }
  }

  private encodeBytes(word: string): Int32Array {
    const enc = utf8Into(word, 0, word.length, this.bytes);
    this.bytes = enc.buf;
    const n = enc.len;
    this.ensure(n);
    const sym = this.sym;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const id = this.byteIds[enc.buf[i]!]!;
      // A byte-level vocabulary lacking a byte token: Hugging Face maps it to unk, or drops it.
      if (id >= 0) sym[m++] = id;
      else if (this.unkId >= 0) sym[m++] = this.unkId;
    }
    m = bpeMerge(sym, m, this.table, this.scratch);
    // With ignoreMerges a word that is itself a token is that token. Merging already
    // gives that whenever it ends in one token, so look the word up only otherwise.
    if (m > 1 && this.options.ignoreMerges) {
      const id = this.ids.get(bytesToByteLevel(enc.buf.subarray(0, n)));
      if (id !== undefined) return Int32Array.of(id);
    }
    return sym.slice(0, m);
  }

  private encodeChars(word: string): Int32Array {
    if (this.options.ignoreMerges) {
      const id = this.ids.get(word);
      if (id !== undefined) return Int32Array.of(id);
    }
    const { continuingSubwordPrefix: prefix, endOfWordSuffix: suffix, fuseUnk } = this.options;
    this.ensure(word.length * 4 + 4);
    const sym = this.sym;
    let m = 0;
    let unkPending = false;
    const chars = Array.from(word);
    for (let c = 0; c < chars.length; c++) {
      let s = chars[c]!;
      if (c > 0 && prefix) s = prefix + s;
      if (c === chars.length - 1 && suffix) s = s + suffix;
      const id = this.ids.get(s);
      if (id !== undefined) {
        if (unkPending) {
          sym[m++] = this.unkId;
          unkPending = false;
        }
        sym[m++] = id;
        continue;
      }
      if (this.options.byteFallback && this.fallbackFor(s, sym, m)) {
        // Like Hugging Face, the byte tokens go out before a pending unk.
        m += utf8Length(s);
        continue;
      }
      if (this.unkId >= 0) {
        if (unkPending && !fuseUnk) sym[m++] = this.unkId;
        unkPending = true;
      }
    }
    if (unkPending) sym[m++] = this.unkId;
    m = bpeMerge(sym, m, this.table, this.scratch);
    return sym.slice(0, m);
  }

  /** Writes the byte-fallback ids of `s` at `sym[m..]` if every byte has one. */
  private fallbackFor(s: string, sym: Int32Array, m: number): boolean {
    const enc = utf8Into(s, 0, s.length, this.bytes);
    this.bytes = enc.buf;
    for (let i = 0; i < enc.len; i++) if (this.fallbackIds[enc.buf[i]!]! < 0) return false;
    for (let i = 0; i < enc.len; i++) sym[m + i] = this.fallbackIds[enc.buf[i]!]!;
    return true;
  }

  toJSON(): Record<string, unknown> {
    const vocab: Record<string, number> = {};
    for (let id = 0; id < this.tokens.length; id++) if (this.tokens[id] !== undefined) vocab[this.tokens[id]!] = id;
    return {
      type: 'BPE',
      dropout: null,
      unk_token: this.options.unkToken ?? null,
      continuing_subword_prefix: this.options.continuingSubwordPrefix ?? null,
      end_of_word_suffix: this.options.endOfWordSuffix ?? null,
      fuse_unk: this.options.fuseUnk ?? false,
      byte_fallback: this.options.byteFallback ?? false,
      ignore_merges: this.options.ignoreMerges ?? false,
      vocab,
      // "a b" strings load in every version of Hugging Face tokenizers; the pair
      // form (0.20+) is needed only when a token contains a space.
      merges: ((m) => (m.some(([a, b]) => a.includes(' ') || b.includes(' ')) ? m : m.map(([a, b]) => `${a} ${b}`)))(this.mergePairs()),
    };
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * Builds the merge table from tiktoken-style ranks: every split of a token into
 * two tokens merges into it, ranked by the token's own rank (tiktoken merges by
 * the rank of the concatenated bytes). The list is ordered by that rank.
 *
 * Splits are found with polynomial hashes of each token's prefixes and
 * suffixes over one byte pool (a suffix hash comes from the whole-token and
 * prefix hashes), so no substring is ever built; candidates are confirmed
 * byte by byte.
 */
export function tableFromRanks(byteTokens: ReadonlyMap<string, number>): { table: PairTable; list: Int32Array } {
  const entries = [...byteTokens].sort((a, b) => a[1] - b[1]);
  const n = entries.length;
  const off = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) off[i + 1] = off[i]! + entries[i]![0].length;
  const pool = new Uint8Array(off[n]!);
  // Byte-level characters are all below U+0144: a small array beats a Map here.
  const charByte = new Int16Array(0x200).fill(-1);
  for (const [ch, b] of CHAR_TO_BYTE) charByte[ch.charCodeAt(0)] = b;
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const t = entries[i]![0];
    maxLen = Math.max(maxLen, t.length);
    for (let k = 0; k < t.length; k++) pool[off[i]! + k] = charByte[t.charCodeAt(k)]!;
  }
  const B = 0x01000193;
  const pow = new Int32Array(maxLen + 1);
  pow[0] = 1;
  for (let k = 1; k <= maxLen; k++) pow[k] = Math.imul(pow[k - 1]!, B);
  const hashOf = (a: number, b: number): number => {
    let h = 0;
    for (let k = a; k < b; k++) h = (Math.imul(h, B) + pool[k]! + 1) | 0;
    return h;
  };
  let cap = 1;
  while (cap < n * 2) cap <<= 1;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);
  const hashes = new Int32Array(n);
  const mix = (h: number): number => fmix32(h) & mask;
  for (let i = 0; i < n; i++) {
    const h = hashOf(off[i]!, off[i + 1]!);
    hashes[i] = h;
    let s = mix(h);
    while (slots[s] !== -1) s = (s + 1) & mask;
    slots[s] = i;
  }
  /** Index of the token whose bytes are pool[a, b), given their hash; -1 if none. */
  const find = (h: number, a: number, b: number): number => {
    const len = b - a;
    for (let s = mix(h); slots[s] !== -1; s = (s + 1) & mask) {
      const j = slots[s]!;
      if (hashes[j] !== h || off[j + 1]! - off[j]! !== len) continue;
      let k = 0;
      while (k < len && pool[off[j]! + k] === pool[a + k]) k++;
      if (k === len) return j;
    }
    return -1;
  };
  const table = new PairTable(n * 3);
  const pairs: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = off[i]!;
    const L = off[i + 1]! - a;
    if (L < 2) continue;
    const whole = hashes[i]!;
    let prefix = 0;
    const rank = entries[i]![1];
    for (let k = 1; k < L; k++) {
      prefix = (Math.imul(prefix, B) + pool[a + k - 1]! + 1) | 0;
      const left = find(prefix, a, a + k);
      if (left < 0) continue;
      const suffix = (whole - Math.imul(prefix, pow[L - k]!)) | 0;
      const right = find(suffix, a + k, a + L);
      if (right < 0) continue;
      const la = entries[left]![1];
      const rb = entries[right]![1];
      table.set(la, rb, rank, rank);
      pairs.push(la, rb);
    }
  }
  return { table, list: Int32Array.from(pairs) };
}
