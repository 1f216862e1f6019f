/**
 * tiktoken rank files (`.tiktoken`: one `base64(token bytes) rank` per line)
 * and the known OpenAI encodings. As in tiktoken, a file named after a known
 * encoding gets that encoding's pre-tokenization regex and special tokens.
 */
import { basename } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { byteLevelToBytes, bytesToByteLevel } from './byte-level.js';
import { BpeModel, tableFromRanks } from './bpe-model.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader } from './json-util.js';
import { preTokenizerFromJSON, scanInto } from './pre-tokenizers.js';
import { PATTERNS, scannerFor, splitWithRegExp, toJsRegExp } from './pretokenize-regex.js';
import type { WhitespaceFlavor } from './pretokenize-scanners.js';
import { Tokenizer } from './tokenizer.js';

export interface TiktokenEncodingSpec {
  pattern: string;
  specialTokens: Record<string, number>;
}

const FIM = (base: number): Record<string, number> => ({ '<|fim_prefix|>': base, '<|fim_middle|>': base + 1, '<|fim_suffix|>': base + 2 });

/** The known encodings: their regex and special tokens, as tiktoken defines them. */
export const KNOWN_ENCODINGS: Record<string, TiktokenEncodingSpec> = {
  r50k_base: { pattern: PATTERNS.gpt2, specialTokens: { '<|endoftext|>': 50256 } },
  p50k_base: { pattern: PATTERNS.gpt2, specialTokens: { '<|endoftext|>': 50256 } },
  p50k_edit: { pattern: PATTERNS.gpt2, specialTokens: { '<|endoftext|>': 50256, ...FIM(50281) } },
  cl100k_base: { pattern: PATTERNS.cl100k, specialTokens: { '<|endoftext|>': 100257, ...FIM(100258), '<|endofprompt|>': 100276 } },
  o200k_base: { pattern: PATTERNS.o200k, specialTokens: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 } },
};

/** Parses a .tiktoken file: token bytes by rank. Errors name the file and line. */
export function parseTiktokenRanks(text: string, source: string): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const b64 = sp < 0 ? '' : line.slice(0, sp);
    const rankStr = sp < 0 ? '' : line.slice(sp + 1);
    if (!b64 || !/^\d+$/.test(rankStr) || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new FileFormatError(source, `expected "BASE64 RANK", got ${JSON.stringify(line.length > 60 ? line.slice(0, 60) + '...' : line)}`, `line ${i + 1}`);
    }
    const bytes = Buffer.from(b64, 'base64');
    const key = bytesToByteLevel(bytes);
    if (ranks.has(key)) throw new FileFormatError(source, `token ${b64} appears twice`, `line ${i + 1}`);
    ranks.set(key, Number(rankStr));
  }
  if (ranks.size === 0) throw new FileFormatError(source, 'no ranks found; is this a .tiktoken file?');
  for (let b = 0; b < 256; b++) {
    if (!ranks.has(bytesToByteLevel(Uint8Array.of(b)))) throw new FileFormatError(source, `no token for the single byte 0x${b.toString(16).padStart(2, '0')}; every byte needs a rank`);
  }
  return ranks;
}

export interface TiktokenOptions {
  /** The encoding whose regex and special tokens to use (default: from the file name). */
  encoding?: string;
  pattern?: string;
  specialTokens?: Record<string, number>;
  /**
   * What `\s` in the pattern means: 'unicode' (default) as OpenAI's tiktoken
   * (Rust regex) does, or 'js' as js-tiktoken and gpt-tokenizer do. They differ
   * only on U+0085 and U+FEFF.
   */
  whitespace?: WhitespaceFlavor;
}

/** Builds a tokenizer from ranks (token in byte-level form -> rank). */
export function tokenizerFromRanks(ranks: Map<string, number>, opts: TiktokenOptions, source: string): Tokenizer {
  const known = opts.encoding ? KNOWN_ENCODINGS[opts.encoding] : undefined;
  if (opts.encoding && !known) {
    throw new InvalidArgumentError('tiktoken', 'encoding', `unknown encoding '${opts.encoding}'; known: ${Object.keys(KNOWN_ENCODINGS).join(', ')}`);
  }
  const pattern = opts.pattern ?? known?.pattern;
  if (!pattern) {
    throw new InvalidArgumentError('tiktoken', 'pattern', `${source}: name the file after a known encoding (${Object.keys(KNOWN_ENCODINGS).join(', ')}) or pass a pre-tokenization pattern`);
  }
  const specials = opts.specialTokens ?? known?.specialTokens ?? {};
  const model = new BpeModel(ranks, tableFromRanks(ranks), { byteLevel: true, ignoreMerges: true }, source);
  const r = new JsonReader(source);
  const preJSON = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
  let preTokenizer = preTokenizerFromJSON(preJSON, r)!;
  if (opts.whitespace === 'js') {
    const scanner = scannerFor(pattern, 'js');
    const re = toJsRegExp(pattern, 'pattern', 'js');
    preTokenizer = {
      byteLevel: true,
      scanner,
      split: (text, out) => (scanner ? scanInto(scanner, text, out) : splitWithRegExp(re, text, out)),
      toJSON: () => preJSON,
    };
  }
  const eot = specials['<|endoftext|>'] !== undefined ? '<|endoftext|>' : undefined;
  return new Tokenizer({
    model,
    preTokenizer,
    decoder: decoderFromJSON({ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, r),
    addedTokens: Object.entries(specials).map(([content, id]) => ({ id, content, special: true, normalized: false })),
    config: { bosToken: eot, eosToken: eot },
  });
}

/** Loads a .tiktoken file; its base name picks the known encoding, if it is one. */
export function tiktokenFromText(text: string, path: string, opts: TiktokenOptions = {}): Tokenizer {
  const name = basename(path).replace(/\.tiktoken$/, '');
  const encoding = opts.encoding ?? (KNOWN_ENCODINGS[name] ? name : undefined);
  return tokenizerFromRanks(parseTiktokenRanks(text, path), { ...opts, encoding }, path);
}

/** Writes ranks in the .tiktoken text format (by rank order). */
export function ranksToTiktoken(ranks: ReadonlyMap<string, number>): string {
  const lines: string[] = [];
  for (const [tok, rank] of [...ranks].sort((a, b) => a[1] - b[1])) lines.push(`${Buffer.from(byteLevelToBytes(tok)!).toString('base64')} ${rank}`);
  return lines.join('\n') + '\n';
}

/**
 * Reads the rank data as the js-tiktoken package ships it (`bpe_ranks`: lines
 * of "NAME OFFSET base64 base64 ...", ranks counting up from OFFSET).
 */
export function ranksFromJsTiktoken(bpeRanks: string): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of bpeRanks.split('\n')) {
    if (!line) continue;
    const [, offsetStr, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetStr!, 10);
    tokens.forEach((t, i) => ranks.set(bytesToByteLevel(Buffer.from(t, 'base64')), offset + i));
  }
  return ranks;
}
