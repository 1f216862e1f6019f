/**
 * The Tokenizer: one pipeline for every format lmkit reads.
 *
 *   text -> added/special tokens split out -> normalizer -> pre-tokenizer
 *        -> model (BPE, Unigram, WordPiece, WordLevel) -> post-processor (BOS/EOS)
 *
 * and back: ids -> token strings -> decoder -> text. The pipeline mirrors the
 * Hugging Face tokenizer.json format, which every loader produces, so any
 * tokenizer can be saved as tokenizer.json and hashed canonically.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { IndexRangeError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { AddedTokenSplitter, type AddedToken } from './added-tokens.js';
import type { Decoder } from './decoders.js';
import type { Json } from './json-util.js';
import type { TokenModel } from './model.js';
import type { Normalizer } from './normalizers.js';
import type { PostProcessor } from './post-processors.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { createStreamDecoder, type StreamDecoder } from './stream-decoder.js';
import { configToJSON, END_OF_TURN_TOKENS, type TokenizerConfig } from './tokenizer-config.js';
import { tokenizerFromGguf } from './gguf-tokenizer.js';

export interface EncodeOptions {
  /** Add the model's special tokens (BOS, [CLS]/[SEP], ...). Default false. */
  addSpecial?: boolean;
  /** Recognize special-token text (`<|endoftext|>`) in the input. Default false: it is encoded as text. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave special tokens out of the text. Default false. */
  skipSpecial?: boolean;
}

export interface TokenizerParts {
  normalizer?: Normalizer;
  preTokenizer?: PreTokenizer;
  model: TokenModel;
  postProcessor?: PostProcessor;
  decoder?: Decoder;
  addedTokens?: readonly AddedToken[];
  config?: TokenizerConfig;
}

export class Tokenizer {
  readonly normalizer: Normalizer | undefined;
  readonly preTokenizer: PreTokenizer | undefined;
  readonly model: TokenModel;
  readonly postProcessor: PostProcessor | undefined;
  readonly decoderChain: Decoder | undefined;
  readonly addedTokens: readonly AddedToken[];
  readonly config: TokenizerConfig;
  private readonly splitter: AddedTokenSplitter;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private hashMemo: string | undefined;

  constructor(parts: TokenizerParts) {
    this.normalizer = parts.normalizer;
    this.preTokenizer = parts.preTokenizer;
    this.model = parts.model;
    this.postProcessor = parts.postProcessor;
    this.decoderChain = parts.decoder;
    this.addedTokens = parts.addedTokens ?? [];
    this.config = parts.config ?? {};
    for (const t of this.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    this.splitter = new AddedTokenSplitter(this.addedTokens);
  }

  /** Loads a tokenizer from a folder (tokenizer.json, tokenizer.model, ...) or a file (.json, .model, .tiktoken, .gguf, vocab.json). */
  static async load(pathOrDir: string): Promise<Tokenizer> {
    const { loadTokenizer } = await import('./load.js');
    return loadTokenizer(pathOrDir);
  }

  /** Builds the tokenizer embedded in a GGUF file's metadata (`tokenizer.ggml.*`), as `readGguf(path).metadata` gives it. */
  static fromGgufMetadata(meta: Record<string, unknown>, source = 'GGUF metadata'): Tokenizer {
    return tokenizerFromGguf(meta, source);
  }

  get vocabSize(): number {
    let n = this.model.size;
    for (const t of this.addedTokens) n = Math.max(n, t.id + 1);
    return n;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const parts = this.splitter.split(text, opts.parseSpecial ?? false);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      if ('id' in p) ids.push(p.id);
      else this.encodeText(p.text, k === 0, ids);
    }
    if (opts.addSpecial && this.postProcessor) return this.postProcessor.process(ids);
    return ids;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions = {}): number[][] {
    return texts.map((t) => this.encode(t, opts));
  }

  private encodeText(text: string, first: boolean, ids: number[]): void {
    const norm = this.normalizer ? this.normalizer.normalize(text) : text;
    if (norm.length === 0) return;
    const pre = this.preTokenizer;
    const model = this.model;
    if (pre?.scanner) {
      // The fast path: scanner words straight into the model, no word list.
      const t = pre.prefixSpace && !norm.startsWith(' ') ? ' ' + norm : norm;
      const scan = pre.scanner;
      const n = t.length;
      if (model.encodeRange) {
        for (let i = 0; i < n; ) {
          const j = scan(t, i, n);
          model.encodeRange(t, i, j, ids);
          i = j;
        }
      } else {
        for (let i = 0; i < n; ) {
          const j = scan(t, i, n);
          model.encodeWord(t.slice(i, j), ids);
          i = j;
        }
      }
      return;
    }
    if (!pre) {
      model.encodeWord(norm, ids);
      return;
    }
    const words: string[] = [];
    pre.split(norm, words, first);
    for (const w of words) model.encodeWord(w, ids);
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const added = this.addedById.get(id);
      if (added) {
        if (!(opts.skipSpecial && added.special)) tokens.push(added.content);
        continue;
      }
      const t = this.model.idToToken(id);
      if (t === undefined) throw new IndexRangeError('decode', id, this.vocabSize, 'token id');
      tokens.push(t);
    }
    return this.decoderChain ? this.decoderChain.decodeChain(tokens).join('') : tokens.join('');
  }

  /** A streaming decoder: `push(id)` returns only complete characters, `flush()` the rest. */
  decoder(opts: DecodeOptions = {}): StreamDecoder {
    return createStreamDecoder((ids) => this.decode(ids, opts));
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  /** The special tokens: text -> id. */
  get specialTokens(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of this.addedTokens) if (t.special) out[t.content] = t.id;
    return out;
  }

  private idOf(token: string | undefined): number | undefined {
    return token === undefined ? undefined : this.tokenToId(token);
  }

  get bosId(): number | undefined {
    return this.idOf(this.config.bosToken);
  }

  get eosId(): number | undefined {
    return this.idOf(this.config.eosToken);
  }

  get padId(): number | undefined {
    return this.idOf(this.config.padToken);
  }

  get unkId(): number | undefined {
    return this.idOf(this.config.unkToken);
  }

  /**
   * Every id that ends generation: EOS, the extra ids the config names (GGUF
   * eot/eom, generation_config.json), and end-of-turn specials the chat template uses.
   */
  get eosIds(): number[] {
    const ids = new Set<number>();
    const eos = this.eosId;
    if (eos !== undefined) ids.add(eos);
    for (const id of this.config.extraEosIds ?? []) ids.add(id);
    const tpl = this.config.chatTemplate;
    if (tpl) {
      for (const name of END_OF_TURN_TOKENS) {
        const t = this.addedByContent.get(name);
        if (t?.special && tpl.includes(name)) ids.add(t.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  get chatTemplate(): string | undefined {
    return this.config.chatTemplate;
  }

  /** The tokenizer.json form (Hugging Face format). */
  toJSON(): Json {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [...this.addedTokens]
        .sort((a, b) => a.id - b.id)
        .map((t) => ({
          id: t.id,
          content: t.content,
          single_word: t.singleWord ?? false,
          lstrip: t.lstrip ?? false,
          rstrip: t.rstrip ?? false,
          normalized: t.normalized ?? !t.special,
          special: t.special,
        })),
      normalizer: this.normalizer?.toJSON() ?? null,
      pre_tokenizer: this.preTokenizer?.toJSON() ?? null,
      post_processor: this.postProcessor?.toJSON() ?? null,
      decoder: this.decoderChain?.toJSON() ?? null,
      model: this.model.toJSON(),
    };
  }

  /** The tokenizer_config.json form. */
  configJSON(): Json {
    return configToJSON(this.config);
  }

  /** Writes tokenizer.json and tokenizer_config.json into `dir`, each atomically. */
  save(dir: string): void {
    const tok = JSON.stringify(this.toJSON(), null, 2) + '\n';
    const cfg = JSON.stringify(this.configJSON(), null, 2) + '\n';
    writeFileAtomicSync(join(dir, 'tokenizer.json'), tok);
    writeFileAtomicSync(join(dir, 'tokenizer_config.json'), cfg);
  }

  /** sha256 (hex) of a canonical serialization (sorted keys) of tokenizer.json and the config. */
  hash(): string {
    if (this.hashMemo === undefined) {
      const h = createHash('sha256');
      h.update(canonicalJSON({ tokenizer: this.toJSON(), config: this.configJSON() }));
      this.hashMemo = h.digest('hex');
    }
    return this.hashMemo;
  }
}

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJSON).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => JSON.stringify(k) + ':' + canonicalJSON(o[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}
