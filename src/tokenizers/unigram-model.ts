/**
 * The Unigram model (SentencePiece unigram, T5, XLM-R): each word is split into
 * the pieces whose log-probabilities sum highest, by a Viterbi pass over the
 * lattice of vocabulary matches. Characters no piece covers become `unk` (with
 * SentencePiece's score, lowest piece score minus 10), consecutive unks fuse,
 * and with byte fallback an unk becomes its `<0xXX>` byte tokens.
 */
import { InvalidArgumentError } from '../errors.js';
import { pushIds, WordCache, type TokenModel } from './model.js';

const UNK_PENALTY = 10;

interface TrieNode {
  next: Map<number, TrieNode>;
  id: number;
}

export interface UnigramOptions {
  unkId?: number;
  byteFallback?: boolean;
  /** Keep path scores in float32 as SentencePiece does (Hugging Face keeps float64). */
  float32?: boolean;
  /** Ids left out of the lattice (SentencePiece control, unknown, byte and unused pieces). */
  excluded?: ReadonlySet<number>;
  /** Ids that get SentencePiece's user-defined bonus (length * max score - 0.1). */
  userDefined?: ReadonlySet<number>;
}

export class UnigramModel implements TokenModel {
  readonly type = 'Unigram';
  readonly size: number;
  private readonly ids = new Map<string, number>();
  private readonly root: TrieNode = { next: new Map(), id: -1 };
  private readonly scores: Float64Array;
  private readonly unkScore: number;
  private readonly fallbackIds = new Int32Array(256).fill(-1);
  private readonly cache = new WordCache();

  constructor(
    readonly vocab: readonly (readonly [string, number])[],
    readonly options: UnigramOptions = {},
  ) {
    this.size = vocab.length;
    this.scores = new Float64Array(vocab.length);
    const { excluded, userDefined } = options;
    let min = Infinity;
    let max = -Infinity;
    vocab.forEach(([piece, score], id) => {
      if (!this.ids.has(piece)) this.ids.set(piece, id);
      this.scores[id] = score;
      if (!excluded?.has(id) && !userDefined?.has(id)) {
        min = Math.min(min, score);
        max = Math.max(max, score);
      }
    });
    if (!Number.isFinite(min)) min = max = 0;
    this.unkScore = options.float32 ? Math.fround(min - UNK_PENALTY) : min - UNK_PENALTY;
    vocab.forEach(([piece], id) => {
      if (excluded?.has(id) || piece.length === 0) return;
      let node = this.root;
      let len = 0;
      for (const ch of piece) {
        const cp = ch.codePointAt(0)!;
        let n = node.next.get(cp);
        if (!n) node.next.set(cp, (n = { next: new Map(), id: -1 }));
        node = n;
        len++;
      }
      if (node.id < 0) node.id = id;
      if (userDefined?.has(id)) this.scores[id] = len * max - 0.1;
    });
    if (options.unkId !== undefined && (options.unkId < 0 || options.unkId >= vocab.length)) {
      throw new InvalidArgumentError('Unigram', 'unk_id', `${options.unkId} is outside the vocabulary of ${vocab.length}`);
    }
    if (options.byteFallback) {
      for (let b = 0; b < 256; b++) this.fallbackIds[b] = this.ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
    }
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id]?.[0];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  encodeWord(word: string, out: number[]): void {
    const hit = this.cache.get(word);
    if (hit !== undefined) {
      pushIds(out, hit);
      return;
    }
    const ids = this.viterbi(word);
    // Long inputs (whole sentences in SentencePiece mode) rarely repeat: do not fill the cache with them.
    if (word.length <= 64) this.cache.set(word, ids.length === 1 ? ids[0]! : Int32Array.from(ids));
    for (const id of ids) out.push(id);
  }

  private viterbi(word: string): number[] {
    const f32 = this.options.float32 ?? false;
    const n = word.length;
    const score = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const tok = new Int32Array(n + 1).fill(-1);
    score[0] = 0;
    const unkId = this.options.unkId ?? -1;
    for (let s = 0; s < n; ) {
      const c0 = word.codePointAt(s)!;
      const w0 = c0 > 0xffff ? 2 : 1;
      if (from[s] < 0 && s > 0) {
        s += w0;
        continue;
      }
      const base = score[s]!;
      let single = false;
      let node: TrieNode | undefined = this.root;
      for (let e = s; e < n; ) {
        const cp = word.codePointAt(e)!;
        e += cp > 0xffff ? 2 : 1;
        node = node.next.get(cp);
        if (!node) break;
        if (node.id >= 0) {
          // SentencePiece adds in double (its score expression is double) and stores the
          // best score as float; comparing against the rounded value decides exact ties.
          const cand = base + this.scores[node.id]!;
          if (from[e]! < 0 || cand > score[e]!) {
            score[e] = f32 ? Math.fround(cand) : cand;
            from[e] = s;
            tok[e] = node.id;
          }
          if (e - s === w0) single = true;
        }
      }
      if (!single) {
        const e = s + w0;
        const cand = f32 ? Math.fround(base + this.unkScore) : base + this.unkScore;
        if (from[e]! < 0 || cand > score[e]!) {
          score[e] = cand;
          from[e] = s;
          tok[e] = -2;
        }
      }
      s += w0;
    }
    // Backtrack, then fuse runs of unknown characters into one unk (or their bytes).
    const spans: [number, number, number][] = [];
    for (let e = n; e > 0; e = from[e]!) spans.push([from[e]!, e, tok[e]!]);
    spans.reverse();
    const out: number[] = [];
    for (let k = 0; k < spans.length; k++) {
      const [a, , id] = spans[k]!;
      if (id !== -2) {
        out.push(id);
        continue;
      }
      let b = spans[k]![1];
      while (k + 1 < spans.length && spans[k + 1]![2] === -2) b = spans[++k]![1];
      const text = word.slice(a, b);
      if (this.options.byteFallback && this.pushBytes(text, out)) continue;
      if (unkId >= 0) out.push(unkId);
    }
    return out;
  }

  private pushBytes(text: string, out: number[]): boolean {
    const bytes = new TextEncoder().encode(text);
    for (const b of bytes) if (this.fallbackIds[b]! < 0) return false;
    for (const b of bytes) out.push(this.fallbackIds[b]!);
    return true;
  }

  toJSON(): Record<string, unknown> {
    return {
      type: 'Unigram',
      unk_id: this.options.unkId ?? null,
      vocab: this.vocab.map(([p, s]) => [p, s]),
      byte_fallback: this.options.byteFallback ?? false,
    };
  }
}
