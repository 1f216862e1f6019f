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

const PAIR = 2 ** 21;

/** Max-heap of (count, pair key); equal counts pop the smaller key first, for determinism. */
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
  if (vocabSize >= PAIR) throw new InvalidArgumentError('trainBpe', 'vocabSize', `must be below ${PAIR}`);
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
  const words: Int32Array[] = [];
  const lens: number[] = [];
  const freq: number[] = [];
  let buf: Uint8Array = new Uint8Array(64);
  for (const [w, c] of counter.counts) {
    const enc = utf8Into(w, 0, w.length, buf);
    buf = enc.buf;
    const s = new Int32Array(enc.len);
    for (let i = 0; i < enc.len; i++) s[i] = byteId[enc.buf[i]!]!;
    words.push(s);
    lens.push(enc.len);
    freq.push(c);
  }
  counter.counts.clear();

  // 3. Initial pair counts and the pair -> words index.
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w]!;
    for (let i = 0; i + 1 < lens[w]!; i++) {
      const k = s[i]! * PAIR + s[i + 1]!;
      pairCount.set(k, (pairCount.get(k) ?? 0) + freq[w]!);
      let list = where.get(k);
      if (!list) where.set(k, (list = []));
      if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  // 4. Merge.
  const tokenIds = new Map(tokens.map((t, id) => [t, id]));
  const merges: [string, string][] = [];
  const total = vocabSize - tokens.length;
  const touched = new Map<number, number>();
  while (tokens.length < vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    const current = pairCount.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(key / PAIR);
    const b = key - a * PAIR;
    // Two merges can make the same string ("ĠĠ"+"Ġ" and "Ġ"+"ĠĠ"): the second reuses the id.
    const joined = tokens[a]! + tokens[b]!;
    let m = tokenIds.get(joined);
    if (m === undefined) {
      m = tokens.length;
      tokens.push(joined);
      tokenIds.set(joined, m);
    }
    merges.push([tokens[a]!, tokens[b]!]);
    pairCount.delete(key);
    touched.clear();
    const mm = m;
    const change = (x: number, y: number, d: number, w: number): void => {
      const k = x * PAIR + y;
      pairCount.set(k, (pairCount.get(k) ?? 0) + d);
      touched.set(k, 1);
      if (d > 0) {
        let list = where.get(k);
        if (!list) where.set(k, (list = []));
        if (list[list.length - 1] !== w) list.push(w);
      }
    };
    for (const w of where.get(key) ?? []) {
      const s = words[w]!;
      const len = lens[w]!;
      const f = freq[w]!;
      let out = 0;
      for (let i = 0; i < len; ) {
        if (i + 1 < len && s[i] === a && s[i + 1] === b) {
          if (out > 0) {
            change(s[out - 1]!, a, -f, w);
            change(s[out - 1]!, mm, f, w);
          }
          if (i + 2 < len) {
            change(b, s[i + 2]!, -f, w);
            change(mm, s[i + 2]!, f, w);
          }
          s[out++] = mm;
          i += 2;
        } else s[out++] = s[i++]!;
      }
      lens[w] = out;
    }
    where.delete(key);
    for (const k of touched.keys()) {
      const c = pairCount.get(k)!;
      if (c <= 0) pairCount.delete(k);
      else heap.push(c, k);
    }
    if (merges.length % 1000 === 0) opts.onProgress?.({ phase: 'merge', done: merges.length, total });
  }
  opts.onProgress?.({ phase: 'merge', done: merges.length, total });
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
