/**
 * WordPiece (BERT): greedy longest-match-first over each word, continuation
 * pieces carrying the `##` prefix; a word with no full split is one [UNK].
 * Also WordLevel: each word is one vocabulary entry or unk.
 */
import { InvalidArgumentError } from '../errors.js';
import type { TokenModel } from './model.js';

export class WordPieceModel implements TokenModel {
  readonly type = 'WordPiece';
  readonly size: number;
  private readonly tokens: (string | undefined)[];
  private readonly unkId: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly options: { unkToken: string; prefix: string; maxInputCharsPerWord: number },
  ) {
    let size = 0;
    for (const id of vocab.values()) size = Math.max(size, id + 1);
    this.size = size;
    this.tokens = new Array(size);
    for (const [t, id] of vocab) this.tokens[id] = t;
    const unk = vocab.get(options.unkToken);
    if (unk === undefined) throw new InvalidArgumentError('WordPiece', 'unk_token', `'${options.unkToken}' is not in the vocabulary`);
    this.unkId = unk;
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  encodeWord(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > this.options.maxInputCharsPerWord) {
      out.push(this.unkId);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found = -1;
      while (start < end) {
        let sub = chars.slice(start, end).join('');
        if (start > 0) sub = this.options.prefix + sub;
        const id = this.vocab.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) {
        out.push(this.unkId);
        return;
      }
      pieces.push(found);
      start = end;
    }
    for (const p of pieces) out.push(p);
  }

  toJSON(): Record<string, unknown> {
    return {
      type: 'WordPiece',
      unk_token: this.options.unkToken,
      continuing_subword_prefix: this.options.prefix,
      max_input_chars_per_word: this.options.maxInputCharsPerWord,
      vocab: Object.fromEntries(this.vocab),
    };
  }
}

export class WordLevelModel implements TokenModel {
  readonly type = 'WordLevel';
  readonly size: number;
  private readonly tokens: (string | undefined)[];

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly unkToken: string | undefined,
  ) {
    let size = 0;
    for (const id of vocab.values()) size = Math.max(size, id + 1);
    this.size = size;
    this.tokens = new Array(size);
    for (const [t, id] of vocab) this.tokens[id] = t;
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  encodeWord(word: string, out: number[]): void {
    const id = this.vocab.get(word) ?? (this.unkToken !== undefined ? this.vocab.get(this.unkToken) : undefined);
    if (id !== undefined) out.push(id);
  }

  toJSON(): Record<string, unknown> {
    return { type: 'WordLevel', vocab: Object.fromEntries(this.vocab), unk_token: this.unkToken ?? null };
  }
}
