/**
 * The tokenizer embedded in a GGUF file's metadata (`tokenizer.ggml.*`), with
 * llama.cpp's semantics (its tokenizer tests are the reference):
 *   gpt2  byte-level BPE, pre-tokenizer chosen by `tokenizer.ggml.pre`
 *   llama SentencePiece BPE by score with byte fallback, no normalization
 *         beyond the space prefix and ▁ escaping
 *   bert  WordPiece as llama.cpp converts it (▁ marks word starts)
 *   t5    SentencePiece Unigram (Viterbi)
 * Token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
 */
import { FileFormatError, UnsupportedError } from '../errors.js';
import type { AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe-model.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader, describe } from './json-util.js';
import { llamaWpmPreTokenizer, LlamaWpmModel } from './llama-wpm.js';
import type { TokenModel } from './model.js';
import { SentencePieceNormalizer, type Normalizer } from './normalizers.js';
import { postProcessorFromJSON, templateJSON } from './post-processors.js';
import { preTokenizerFromJSON, type PreTokenizer } from './pre-tokenizers.js';
import { PATTERNS } from './pretokenize-regex.js';
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import { bpeFromPieces, spmDecoderJSON, type SentencePieceModel } from './sentencepiece.js';
import { Tokenizer } from './tokenizer.js';
import { UnigramModel } from './unigram-model.js';

const T = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 };

/** llama.cpp's `tokenizer.ggml.pre` names -> pre-tokenization patterns (applied in turn). */
const PRE: Record<string, { patterns: string[]; ignoreMerges?: boolean }> = {
  default: { patterns: [PATTERNS.gpt2] },
  'gpt-2': { patterns: [PATTERNS.gpt2] },
  gpt2: { patterns: [PATTERNS.gpt2] },
  'llama-bpe': { patterns: [PATTERNS.cl100k], ignoreMerges: true },
  llama3: { patterns: [PATTERNS.cl100k], ignoreMerges: true },
  'llama-v3': { patterns: [PATTERNS.cl100k], ignoreMerges: true },
  qwen2: { patterns: [PATTERNS.qwen2] },
  'gpt-4o': { patterns: [PATTERNS.o200k] },
  starcoder: { patterns: ['\\p{N}', PATTERNS.gpt2] },
  refact: { patterns: ['\\p{N}', PATTERNS.gpt2] },
  smollm: { patterns: [PATTERNS.gpt2] },
};

class Meta {
  private readonly r: JsonReader;
  constructor(
    readonly m: Record<string, unknown>,
    readonly source: string,
  ) {
    this.r = new JsonReader(source);
  }
  fail(key: string, detail: string): never {
    throw new FileFormatError(this.source, detail, key);
  }
  strings(key: string): string[] {
    const v = this.m[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(key, `expected an array of strings, got ${describe(v)}`);
    return v as string[];
  }
  numbers(key: string, n: number): ArrayLike<number> | undefined {
    const v = this.m[key];
    if (v === undefined) return undefined;
    const ok = ArrayBuffer.isView(v) || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
    if (!ok) this.fail(key, `expected a numeric array, got ${describe(v)}`);
    const a = v as ArrayLike<number>;
    if (a.length !== n) this.fail(key, `has ${a.length} entries for ${n} tokens`);
    return a;
  }
  id(key: string, n: number): number | undefined {
    const v = this.m[key];
    if (v === undefined || v === null) return undefined;
    const x = typeof v === 'bigint' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isInteger(x)) this.fail(key, `expected a token id, got ${describe(v)}`);
    // llama.cpp writes -1 (as u32 0xffffffff) for "none".
    if (x < 0 || x === 0xffffffff) return undefined;
    if (x >= n) this.fail(key, `token id ${x} is outside the vocabulary of ${n}`);
    return x;
  }
  bool(key: string, dflt: boolean): boolean {
    return this.r.bool(this.m[key], key, dflt);
  }
  str(key: string): string | undefined {
    const v = this.m[key];
    if (v === undefined) return undefined;
    return this.r.str(v, key);
  }
}

export function tokenizerFromGguf(meta: Record<string, unknown>, source = 'GGUF metadata'): Tokenizer {
  const g = new Meta(meta, source);
  const kind = g.str('tokenizer.ggml.model');
  if (kind === undefined) g.fail('tokenizer.ggml.model', 'missing: this GGUF file has no embedded tokenizer');
  const tokens = g.strings('tokenizer.ggml.tokens');
  const n = tokens.length;
  const scores = g.numbers('tokenizer.ggml.scores', n);
  const types = g.numbers('tokenizer.ggml.token_type', n);
  const typeOf = (id: number): number => (types ? types[id]! : T.NORMAL);
  const ids = {
    bos: g.id('tokenizer.ggml.bos_token_id', n),
    eos: g.id('tokenizer.ggml.eos_token_id', n),
    unk: g.id('tokenizer.ggml.unknown_token_id', n),
    pad: g.id('tokenizer.ggml.padding_token_id', n),
    sep: g.id('tokenizer.ggml.seperator_token_id', n),
    cls: g.id('tokenizer.ggml.cls_token_id', n),
    eot: g.id('tokenizer.ggml.eot_token_id', n),
    eom: g.id('tokenizer.ggml.eom_token_id', n),
  };
  const added: AddedToken[] = [];
  for (let id = 0; id < n; id++) {
    const t = typeOf(id);
    if (t === T.CONTROL || t === T.UNKNOWN) added.push({ id, content: tokens[id]!, special: true, normalized: false });
    else if (t === T.USER_DEFINED) added.push({ id, content: tokens[id]!, special: false, normalized: false });
  }
  const r = new JsonReader(source);
  let model: TokenModel;
  let normalizer: Normalizer | undefined;
  let preTokenizer: PreTokenizer | undefined;
  let decoderJSON: Record<string, unknown>;
  let addBos: boolean;
  let addEos: boolean;
  let bos = ids.bos;
  let eos = ids.eos;
  switch (kind) {
    case 'gpt2': {
      const pre = g.str('tokenizer.ggml.pre') ?? 'default';
      const spec = PRE[pre];
      if (!spec) throw new UnsupportedError(source, `pre-tokenizer '${pre}' (tokenizer.ggml.pre) is not supported; known: ${Object.keys(PRE).join(', ')}`);
      const merges = g.strings('tokenizer.ggml.merges').map((m, i): [string, string] => {
        const sp = m.indexOf(' ', 1);
        if (sp < 0) g.fail('tokenizer.ggml.merges', `entry ${i} is ${JSON.stringify(m)}, expected "LEFT RIGHT"`);
        return [m.slice(0, sp), m.slice(sp + 1)];
      });
      const vocab = new Map<string, number>();
      tokens.forEach((t, id) => vocab.has(t) || vocab.set(t, id));
      model = new BpeModel(vocab, merges, { byteLevel: true, ignoreMerges: spec.ignoreMerges }, source);
      preTokenizer = preTokenizerFromJSON(
        {
          type: 'Sequence',
          pretokenizers: [
            ...spec.patterns.map((p) => ({ type: 'Split', pattern: { Regex: p }, behavior: 'Isolated', invert: false })),
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
          ],
        },
        r,
      );
      decoderJSON = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
      addBos = g.bool('tokenizer.ggml.add_bos_token', false);
      addEos = g.bool('tokenizer.ggml.add_eos_token', false);
      break;
    }
    case 'llama':
    case 't5': {
      const sc: ArrayLike<number> = scores ?? g.fail('tokenizer.ggml.scores', `missing; a '${kind}' tokenizer needs piece scores`);
      const spm: SentencePieceModel = {
        pieces: tokens.map((piece, id) => ({ piece, score: sc[id]!, type: typeOf(id) })),
        modelType: kind === 'llama' ? 2 : 1,
        byteFallback: true,
        unkId: ids.unk ?? -1,
        bosId: bos ?? -1,
        eosId: eos ?? -1,
        padId: ids.pad ?? -1,
        treatWhitespaceAsSuffix: false,
        normalizer: { name: 'identity', addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true },
      };
      const addPrefix = g.bool('tokenizer.ggml.add_space_prefix', true);
      const removeExtra = g.bool('tokenizer.ggml.remove_extra_whitespaces', false);
      // T5-style (UGM) files carry SentencePiece's normalization map.
      const cm = meta['tokenizer.ggml.precompiled_charsmap'];
      let charsmap: PrecompiledCharsmap | undefined;
      if (cm !== undefined) {
        const ok = cm instanceof Uint8Array || cm instanceof Int8Array || (Array.isArray(cm) && cm.every((x) => typeof x === 'number'));
        if (!ok) g.fail('tokenizer.ggml.precompiled_charsmap', `expected a byte array, got ${describe(cm)}`);
        const bytes = cm instanceof Uint8Array ? cm : Uint8Array.from(cm as ArrayLike<number>, (x) => x & 0xff);
        if (bytes.length > 0) charsmap = new PrecompiledCharsmap(bytes, source);
      }
      normalizer = new SentencePieceNormalizer(charsmap, { addDummyPrefix: addPrefix, removeExtraWhitespaces: removeExtra, escapeWhitespaces: true });
      if (kind === 'llama') {
        // llama.cpp merges into any token, whatever its type.
        model = bpeFromPieces({ ...spm, pieces: spm.pieces.map((p) => ({ ...p, type: T.NORMAL })) }, source);
      } else {
        const excluded = new Set<number>();
        const userDefined = new Set<number>();
        spm.pieces.forEach((p, id) => (p.type === T.USER_DEFINED ? userDefined.add(id) : p.type !== T.NORMAL && excluded.add(id)));
        model = new UnigramModel(tokens.map((t, id) => [t, sc[id]!] as const), { unkId: ids.unk, byteFallback: true, float32: true, excluded, userDefined });
      }
      decoderJSON = spmDecoderJSON(addPrefix);
      addBos = g.bool('tokenizer.ggml.add_bos_token', kind === 'llama');
      addEos = g.bool('tokenizer.ggml.add_eos_token', kind === 't5');
      break;
    }
    case 'bert': {
      const unk = ids.unk ?? tokens.indexOf('[UNK]');
      if (unk < 0) g.fail('tokenizer.ggml.unknown_token_id', 'missing, and there is no [UNK] token');
      model = new LlamaWpmModel(tokens, unk);
      preTokenizer = llamaWpmPreTokenizer;
      decoderJSON = { type: 'WordPiece', prefix: '##', cleanup: true };
      addBos = g.bool('tokenizer.ggml.add_bos_token', true);
      addEos = g.bool('tokenizer.ggml.add_eos_token', true);
      // BERT's "BOS" is [CLS] and its "EOS" [SEP].
      bos = ids.cls ?? bos;
      eos = ids.sep ?? eos;
      break;
    }
    default:
      throw new UnsupportedError(source, `tokenizer model '${kind}' (tokenizer.ggml.model) is not supported; supported: gpt2, llama, bert, t5`);
  }
  const named = (id: number | undefined): [string, number] | undefined => (id === undefined ? undefined : [tokens[id]!, id]);
  const chatTemplate = g.str('tokenizer.chat_template');
  return new Tokenizer({
    normalizer,
    preTokenizer,
    model,
    postProcessor: postProcessorFromJSON(templateJSON(addBos ? named(bos) : undefined, addEos ? named(eos) : undefined), r),
    decoder: decoderFromJSON(decoderJSON, r),
    addedTokens: added,
    config: {
      bosToken: named(bos)?.[0],
      eosToken: named(eos)?.[0],
      unkToken: named(ids.unk)?.[0],
      padToken: named(ids.pad)?.[0],
      chatTemplate,
      extraEosIds: [ids.eot, ids.eom].filter((x): x is number => x !== undefined),
    },
  });
}
