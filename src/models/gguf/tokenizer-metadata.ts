/**
 * A tokenizer as GGUF `tokenizer.*` metadata, the way llama.cpp's converter
 * writes it (convert_hf_to_gguf.py: `_set_vocab_gpt2`, `_set_vocab_sentencepiece`,
 * gguf-py's SpecialVocab), so llama.cpp tokenizes as the tokenizer does.
 *
 * The source is the tokenizer's Hugging Face tokenizer.json form
 * (`Tokenizer.toJSON()`), whatever file it was loaded from. Two kinds of BPE
 * are expressible:
 *
 *   byte-level BPE (GPT-2, Llama 3, Qwen2)  -> tokenizer.ggml.model "gpt2":
 *       tokens, token_type, merges, and `tokenizer.ggml.pre` naming the
 *       pre-tokenizer regex llama.cpp should use (gpt-2, llama-bpe, qwen2, gpt-4o)
 *   SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyLlama)
 *                                           -> tokenizer.ggml.model "llama":
 *       tokens, token_type (byte tokens <0xXX> are type 6), and scores.
 *
 * llama.cpp's "llama" tokenizer merges the adjacent pair whose merged token
 * has the highest score; a BPE merges the pair of lowest rank. Scores are
 * therefore written as minus the rank of the first merge that makes each
 * token (0 for tokens no merge makes), which orders merges identically
 * whenever every pair of tokens that concatenates to a token is a merge, as
 * in BPE models derived from SentencePiece (and SentencePiece's own -id scores
 * have the same order). Unigram and WordPiece tokenizers are refused.
 *
 * Token types: 1 normal, 2 unknown, 3 control (special added tokens),
 * 4 user-defined (other added tokens), 5 unused (ids with no token), 6 byte.
 */
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import { gguf, type GgufTyped, type GgufValue } from '../../io/gguf-types.js';
import { knownPattern, type KnownPattern } from '../../tokenizers/pretokenize-regex.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';

const TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** llama.cpp's `tokenizer.ggml.pre` name for each known pre-tokenizer regex. */
const PRE_NAMES: Record<KnownPattern, string> = { gpt2: 'gpt-2', cl100k: 'llama-bpe', qwen2: 'qwen2', o200k: 'gpt-4o' };

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every component object in a (possibly Sequence-nested) normalizer/pre-tokenizer/decoder. */
function components(v: unknown): Json[] {
  if (!isObj(v)) return [];
  const nested = [v.normalizers, v.pretokenizers, v.decoders].find(Array.isArray) as unknown[] | undefined;
  return nested ? nested.flatMap(components) : [v];
}

function mergePair(m: unknown): [string, string] {
  if (Array.isArray(m)) return [String(m[0]), String(m[1])];
  const s = String(m);
  const sp = s.indexOf(' ', 1);
  return [s.slice(0, sp), s.slice(sp + 1)];
}

/** The `tokenizer.ggml.pre` of a byte-level BPE, from its Split regexes. */
function preName(pre: Json[]): string {
  const splits = pre.filter((c) => c.type === 'Split');
  const byteLevel = pre.find((c) => c.type === 'ByteLevel');
  if (splits.length === 0) {
    // ByteLevel with use_regex applies GPT-2's own pattern.
    if (byteLevel && byteLevel.use_regex !== false) return PRE_NAMES.gpt2;
    throw new UnsupportedError('saveGguf', 'this byte-level BPE tokenizer has no pre-tokenizer regex; llama.cpp would split words differently');
  }
  if (splits.length === 1) {
    const pattern = (splits[0]!.pattern as Json | undefined)?.Regex;
    const known = typeof pattern === 'string' ? knownPattern(pattern) : undefined;
    if (known) return PRE_NAMES[known];
  }
  throw new UnsupportedError('saveGguf', "this tokenizer's pre-tokenizer regex is not one llama.cpp implements (GPT-2, Llama 3, Qwen2, GPT-4o); its GGUF would tokenize differently");
}

export interface TokenizerGgufOptions {
  /** The model's vocabulary size: ids past the tokenizer's are written as unused [PADn] tokens. */
  readonly vocabSize?: number;
}

/** The tokenizer's `tokenizer.*` GGUF metadata. UnsupportedError for tokenizers llama.cpp cannot reproduce. */
export function tokenizerToGguf(tok: Tokenizer, opts: TokenizerGgufOptions = {}): Record<string, GgufValue | GgufTyped> {
  const j = tok.toJSON() as Json;
  const model = j.model as Json;
  if (model.type !== 'BPE') {
    throw new UnsupportedError('saveGguf', `a ${String(model.type)} tokenizer cannot be written to GGUF by lmkit; BPE tokenizers (byte-level or with byte fallback) can`);
  }
  const pre = components(j.pre_tokenizer);
  const norm = components(j.normalizer);
  const byteLevel = pre.some((c) => c.type === 'ByteLevel') || components(j.decoder).some((c) => c.type === 'ByteLevel');
  const byteFallback = model.byte_fallback === true;
  if (!byteLevel && !byteFallback) {
    throw new UnsupportedError('saveGguf', 'a BPE tokenizer that is neither byte-level nor byte-fallback cannot be expressed in GGUF (llama.cpp could not encode unknown characters as it does)');
  }

  const vocab = model.vocab as Record<string, number>;
  const added = (j.added_tokens as { id: number; content: string; special: boolean }[]) ?? [];
  let n = 0;
  for (const id of Object.values(vocab)) n = Math.max(n, id + 1);
  for (const t of added) n = Math.max(n, t.id + 1);
  if (opts.vocabSize !== undefined) {
    // llama.cpp sizes the model by the token list: it must match the embedding rows.
    if (n > opts.vocabSize) throw new InvalidArgumentError('saveGguf', 'tokenizer', `has ids up to ${n - 1} but the model's vocabulary has ${opts.vocabSize} rows; use the model's own tokenizer`);
    n = opts.vocabSize;
  }
  const tokens: (string | undefined)[] = new Array(n);
  const types = new Int32Array(n).fill(TYPE.NORMAL);
  for (const [t, id] of Object.entries(vocab)) tokens[id] = t;
  const unk = tok.unkId;
  for (const t of added) {
    tokens[t.id] = t.content;
    types[t.id] = t.special ? TYPE.CONTROL : TYPE.USER_DEFINED;
  }
  for (let id = 0; id < n; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = TYPE.UNUSED;
    } else if (id === unk) types[id] = TYPE.UNKNOWN;
    else if (byteFallback && !byteLevel && /^<0x[0-9A-F]{2}>$/.test(tokens[id]!) && types[id] === TYPE.NORMAL) types[id] = TYPE.BYTE;
  }

  const md: Record<string, GgufValue | GgufTyped> = {};
  const merges = ((model.merges as unknown[]) ?? []).map(mergePair);
  if (byteLevel) {
    md['tokenizer.ggml.model'] = 'gpt2';
    md['tokenizer.ggml.pre'] = preName(pre);
    md['tokenizer.ggml.tokens'] = tokens as string[];
    md['tokenizer.ggml.token_type'] = gguf.array('i32', types);
    md['tokenizer.ggml.merges'] = merges.map(([a, b]) => `${a} ${b}`);
  } else {
    const scores = new Float32Array(n);
    const scored = new Uint8Array(n);
    const ids = new Map<string, number>();
    tokens.forEach((t, id) => ids.has(t!) || ids.set(t!, id));
    merges.forEach(([a, b], rank) => {
      const id = ids.get(a + b);
      if (id !== undefined && !scored[id]) {
        scores[id] = -(rank + 1);
        scored[id] = 1;
      }
    });
    md['tokenizer.ggml.model'] = 'llama';
    md['tokenizer.ggml.pre'] = 'default';
    md['tokenizer.ggml.tokens'] = tokens as string[];
    md['tokenizer.ggml.scores'] = gguf.array('f32', scores);
    md['tokenizer.ggml.token_type'] = gguf.array('i32', types);
    // SentencePiece's dummy prefix: a Prepend("▁") normalizer or a Metaspace that prepends.
    const prepends = norm.some((c) => c.type === 'Prepend' && c.prepend === '▁') || pre.some((c) => c.type === 'Metaspace' && c.prepend_scheme !== 'never' && c.add_prefix_space !== false);
    md['tokenizer.ggml.add_space_prefix'] = gguf.bool(prepends);
  }

  const id = (key: string, v: number | undefined) => {
    if (v !== undefined) md[key] = gguf.u32(v);
  };
  id('tokenizer.ggml.bos_token_id', tok.bosId);
  id('tokenizer.ggml.eos_token_id', tok.eosId);
  id('tokenizer.ggml.unknown_token_id', unk);
  id('tokenizer.ggml.padding_token_id', tok.padId);
  // Whether BOS/EOS are added is what the post-processor does to an empty input.
  const specials = tok.encode('', { addSpecial: true });
  const bos = tok.bosId;
  const eos = tok.eosId;
  md['tokenizer.ggml.add_bos_token'] = gguf.bool(bos !== undefined && specials[0] === bos);
  md['tokenizer.ggml.add_eos_token'] = gguf.bool(eos !== undefined && specials.length > 0 && specials[specials.length - 1] === eos && !(specials.length === 1 && bos === eos));
  if (tok.chatTemplate) md['tokenizer.chat_template'] = tok.chatTemplate;
  return md;
}
