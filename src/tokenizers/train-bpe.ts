/**
 * Byte-level BPE training (GPT-2 style): count pre-tokenized words, then
 * repeatedly merge the most frequent adjacent pair. Pair counts are updated
 * incrementally (only the words that contain the merged pair are touched,
 * found through a pair -> words index) and the best pair comes from a max-heap
 * with lazy re-checking, as in Hugging Face's trainer; nothing is recounted.
 *
 * Memory stays bounded: the word table keeps at most `maxWords` distinct words,
 * dropping the rarest when it fills (a word seen once in 100 MB cannot win a merge).
 */
import { createReadStream } from 'node:fs';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { BYTE_TO_CHAR, utf8Into } from './byte-level.js';
import { BpeModel } from './bpe-model.js';
import { fmix32 } from './pair-table.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader } from './json-util.js';
import { preTokenizerFromJSON } from './pre-tokenizers.js';
import { PATTERNS, scannerFor, splitWithRegExp, toJsRegExp, type KnownPattern } from './pretokenize-regex.js';
import { Tokenizer } from './tokenizer.js';

export interface TrainBpeOptions {
  /** Text files (UTF-8) to train on. */
  files?: readonly string[];
  /** Or texts: any iterable or async iterable of strings. */
  texts?: Iterable<string> | AsyncIterable<string>;
  /** Target vocabulary size, special tokens and the 256 byte tokens included. */
  vocabSize: number;
  /** A pair must occur this often to be merged (default 2). */
  minFrequency?: number;
  /** Special tokens, given the first ids. */
  specialTokens?: readonly string[];
  /** Pre-tokenization regex, or the name of a known one (default 'cl100k', as Llama 3 uses). */
  pattern?: string | KnownPattern;
  /** Upper bound on distinct words kept while counting (default 4,000,000). */
  maxWords?: number;
  /** Called now and then with progress (merges done so far). */
  onProgress?: (p: { phase: 'count' | 'merge'; done: number; total: number }) => void;
}


/** Max-heap of (count, pair id); equal counts pop the smaller id first, for determinism. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private above(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let c = this.counts.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (!this.above(c, p)) break;
      this.swap(c, p);
      c = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lc = this.counts.pop()!;
    const lk = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lc;
      this.keys[0] = lk;
      for (let c = 0; ; ) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < this.counts.length && this.above(l, m)) m = l;
        if (r < this.counts.length && this.above(r, m)) m = r;
        if (m === c) break;
        this.swap(c, m);
        c = m;
      }
    }
    return top;
  }
}

/** Pair (left id, right id) -> a dense pair id, in an open-addressing table of typed arrays. */
class PairIndex {
  private slots = new Int32Array(1 << 16).fill(-1);
  private a = new Int32Array(1 << 15);
  private b = new Int32Array(1 << 15);
  size = 0;
  left(pid: number): number {
    return this.a[pid]!;
  }
  right(pid: number): number {
    return this.b[pid]!;
  }
  /** The id of (x, y), added if new. */
  idOf(x: number, y: number): number {
    const mask = this.slots.length - 1;
    let s = fmix32(Math.imul(x, 0x9e3779b1) ^ y) & mask;
    for (;;) {
      const pid = this.slots[s]!;
      if (pid === -1) break;
      if (this.a[pid] === x && this.b[pid] === y) return pid;
      s = (s + 1) & mask;
    }
    const pid = this.size++;
    if (pid >= this.a.length) {
      const na = new Int32Array(this.a.length * 2);
      na.set(this.a);
      this.a = na;
      const nb = new Int32Array(this.b.length * 2);
      nb.set(this.b);
      this.b = nb;
    }
    this.a[pid] = x;
    this.b[pid] = y;
    this.slots[s] = pid;
    if (this.size * 2 > this.slots.length) this.rehash();
    return pid;
  }
  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let pid = 0; pid < this.size; pid++) {
      let s = fmix32(Math.imul(this.a[pid]!, 0x9e3779b1) ^ this.b[pid]!) & mask;
      while (this.slots[s] !== -1) s = (s + 1) & mask;
      this.slots[s] = pid;
    }
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Counts pre-tokenized words, pruning the rarest when the table grows past `max`. */
class WordCounter {
  readonly counts = new Map<string, number>();
  private floor = 1;
  constructor(
    private readonly split: (text: string, out: string[]) => void,
    private readonly max: number,
  ) {}
  add(text: string): void {
    const words: string[] = [];
    this.split(text, words);
    for (const w of words) this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    if (this.counts.size > this.max) this.prune();
  }
  private prune(): void {
    while (this.counts.size > this.max * 0.75) {
      for (const [w, c] of this.counts) if (c <= this.floor) this.counts.delete(w);
      this.floor++;
    }
  }
}

async function* fileChunks(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry = '';
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let text: string;
    try {
      text = decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      throw new FileFormatError(path, `is not valid UTF-8 (in the 1 MiB block at byte ${offset})`);
    }
    offset += (chunk as Buffer).length;
    text = carry + text;
    // Cut after a newline that starts a non-space character, so no pre-token spans two chunks.
    const cut = lastCut(text);
    if (cut < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(cut);
    yield text.slice(0, cut);
  }
  try {
    carry += decoder.decode();
  } catch {
    throw new FileFormatError(path, 'ends inside a UTF-8 character (truncated?)');
  }
  if (carry) yield carry;
}

function lastCut(text: string): number {
  for (let i = text.length - 2; i >= 0; i--) if (text.charCodeAt(i) === 10 && !/\s/u.test(text[i + 1]!)) return i + 1;
  return -1;
}

function resolvePattern(p: string | undefined): string {
  if (p === undefined) return PATTERNS.cl100k;
  return (PATTERNS as Record<string, string>)[p] ?? p;
}

/** Trains a byte-level BPE tokenizer; the result saves as a standard tokenizer.json. */
export async function trainBpe(opts: TrainBpeOptions): Promise<Tokenizer> {
  const { vocabSize } = opts;
  const minFrequency = opts.minFrequency ?? 2;
  const specials = [...new Set(opts.specialTokens ?? [])];
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length) {
    throw new InvalidArgumentError('trainBpe', 'vocabSize', `must be an integer of at least ${256 + specials.length} (256 bytes + ${specials.length} special tokens), got ${vocabSize}`);
  }
  if (!opts.files?.length && !opts.texts) throw new InvalidArgumentError('trainBpe', 'files', 'give files or texts to train on');
  const pattern = resolvePattern(opts.pattern);
  const scan = scannerFor(pattern);
  const re = scan ? undefined : toJsRegExp(pattern, 'pattern');
  const split = (text: string, out: string[]): void => {
    if (scan) for (let i = 0; i < text.length; ) {
      const j = scan(text, i, text.length);
      out.push(text.slice(i, j));
      i = j;
    }
    else splitWithRegExp(re!, text, out);
  };

  // 1. Count words.
  const counter = new WordCounter(split, opts.maxWords ?? 4_000_000);
  for (const f of opts.files ?? []) for await (const chunk of fileChunks(f)) counter.add(chunk);
  if (opts.texts) for await (const t of opts.texts as AsyncIterable<string>) counter.add(t);
  opts.onProgress?.({ phase: 'count', done: counter.counts.size, total: counter.counts.size });

  // 2. Words as byte-id sequences. Ids: specials, then the 256 bytes, then merges.
  const tokens: string[] = [...specials];
  const byteId = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    byteId[b] = tokens.length;
    tokens.push(BYTE_TO_CHAR[b]!);
  }
  // All words' symbols live in one pool (a typed array per word costs ~150 bytes of overhead).
  const nWords = counter.counts.size;
  const start = new Int32Array(nWords);
  const lens = new Int32Array(nWords);
  const freq = new Float64Array(nWords);
  let total = 0;
  for (const w of counter.counts.keys()) total += utf8Length(w);
  const pool = new Int32Array(total);
  let buf: Uint8Array = new Uint8Array(64);
  let w = 0;
  let at = 0;
  for (const [word, c] of counter.counts) {
    const enc = utf8Into(word, 0, word.length, buf);
    buf = enc.buf;
    start[w] = at;
    lens[w] = enc.len;
    freq[w] = c;
    for (let i = 0; i < enc.len; i++) pool[at++] = byteId[enc.buf[i]!]!;
    w++;
  }
  counter.counts.clear();

  // 3. Initial pair counts and the pair -> words index, by pair id.
  const pairs = new PairIndex();
  let counts = new Float64Array(1 << 16);
  const where: (number[] | undefined)[] = [];
  const bump = (x: number, y: number, d: number, word: number): number => {
    const pid = pairs.idOf(x, y);
    if (pid >= counts.length) {
      const grown = new Float64Array(counts.length * 2);
      grown.set(counts);
      counts = grown;
    }
    counts[pid] = counts[pid]! + d;
    if (d > 0) {
      let list = where[pid];
      if (!list) where[pid] = list = [];
      if (list[list.length - 1] !== word) list.push(word);
    }
    return pid;
  };
  for (let v = 0; v < nWords; v++) {
    const o = start[v]!;
    for (let i = 0; i + 1 < lens[v]!; i++) bump(pool[o + i]!, pool[o + i + 1]!, freq[v]!, v);
  }
  const heap = new PairHeap();
  for (let pid = 0; pid < pairs.size; pid++) if (counts[pid]! > 0) heap.push(counts[pid]!, pid);

  // 4. Merge.
  const tokenIds = new Map(tokens.map((t, id) => [t, id]));
  const merges: [string, string][] = [];
  const target = vocabSize - tokens.length;
  const touched = new Map<number, boolean>();
  while (tokens.length < vocabSize && heap.size > 0) {
    const [count, pid] = heap.pop();
    const current = counts[pid]!;
    if (current !== count) {
      if (current > 0) heap.push(current, pid);
      continue;
    }
    if (count < minFrequency) break;
    const a = pairs.left(pid);
    const b = pairs.right(pid);
    // Two merges can make the same string ("ĠĠ"+"Ġ" and "Ġ"+"ĠĠ"): the second reuses the id.
    const joined = tokens[a]! + tokens[b]!;
    let m = tokenIds.get(joined);
    if (m === undefined) {
      m = tokens.length;
      tokens.push(joined);
      tokenIds.set(joined, m);
    }
    merges.push([tokens[a]!, tokens[b]!]);
    counts[pid] = 0;
    touched.clear();
    const change = (x: number, y: number, d: number, word: number): void => {
      const k = bump(x, y, d, word);
      // A lower count needs no new heap entry: the stale, higher one is re-checked when popped.
      if (d > 0) touched.set(k, true);
      else if (!touched.has(k)) touched.set(k, false);
    };
    for (const v of where[pid] ?? []) {
      const o = start[v]!;
      const len = lens[v]!;
      const f = freq[v]!;
      let out = 0;
      for (let i = 0; i < len; ) {
        if (i + 1 < len && pool[o + i] === a && pool[o + i + 1] === b) {
          if (out > 0) {
            change(pool[o + out - 1]!, a, -f, v);
            change(pool[o + out - 1]!, m, f, v);
          }
          if (i + 2 < len) {
            change(b, pool[o + i + 2]!, -f, v);
            change(m, pool[o + i + 2]!, f, v);
          }
          pool[o + out++] = m;
          i += 2;
        } else pool[o + out++] = pool[o + i++]!;
      }
      lens[v] = out;
    }
    where[pid] = undefined;
    for (const [k, grew] of touched) if (grew && counts[k]! > 0) heap.push(counts[k]!, k);
    if (merges.length % 1000 === 0) opts.onProgress?.({ phase: 'merge', done: merges.length, total: target });
  }
  opts.onProgress?.({ phase: 'merge', done: merges.length, total: target });
  return buildTrained(tokens, merges, specials, pattern);
}

function buildTrained(tokens: string[], merges: [string, string][], specials: string[], pattern: string): Tokenizer {
  const vocab = new Map<string, number>();
  tokens.forEach((t, id) => vocab.set(t, id));
  const r = new JsonReader('trainBpe');
  const preJSON =
    pattern === PATTERNS.gpt2
      ? { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }
      : {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
          ],
        };
  return new Tokenizer({
    model: new BpeModel(vocab, merges, { byteLevel: true }, 'trainBpe'),
    preTokenizer: preTokenizerFromJSON(preJSON, r),
    decoder: decoderFromJSON({ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, r),
    addedTokens: specials.map((content, id) => ({ id, content, special: true, normalized: false })),
    config: {
      bosToken: specials.find((s) => /bos|begin|<s>|startoftext/i.test(s)),
      eosToken: specials.find((s) => /eos|end|<\/s>/i.test(s)),
      padToken: specials.find((s) => /pad/i.test(s)),
      unkToken: specials.find((s) => /unk/i.test(s)),
    },
  });
}
