/**
 * Reader for Hugging Face tokenizer.json (with tokenizer_config.json beside it):
 * normalizer, pre-tokenizer, model (BPE, Unigram, WordPiece, WordLevel),
 * post-processor, decoder, added tokens. Every malformed field is reported with
 * the file and the JSON path.
 */
import type { AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe-model.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader, type Json } from './json-util.js';
import type { TokenModel } from './model.js';
import { normalizerFromJSON } from './normalizers.js';
import { postProcessorFromJSON } from './post-processors.js';
import { preTokenizerFromJSON } from './pre-tokenizers.js';
import type { TokenizerConfig } from './tokenizer-config.js';
import { Tokenizer } from './tokenizer.js';
import { UnigramModel } from './unigram-model.js';
import { WordLevelModel, WordPieceModel } from './wordpiece-model.js';

function vocabMap(v: unknown, r: JsonReader, field: string): Map<string, number> {
  const o = r.obj(v, field);
  const m = new Map<string, number>();
  for (const [k, id] of Object.entries(o)) m.set(k, r.int(id, `${field}[${JSON.stringify(k)}]`));
  return m;
}

function mergesList(v: unknown, r: JsonReader): [string, string][] {
  return r.arr(v ?? [], 'model.merges').map((m, i) => {
    if (typeof m === 'string') {
      // The older form "a b"; a token cannot contain a space in it.
      const sp = m.indexOf(' ', 1);
      if (sp < 0) r.fail(`model.merges[${i}]`, `expected "LEFT RIGHT", got ${JSON.stringify(m)}`);
      return [m.slice(0, sp), m.slice(sp + 1)];
    }
    const a = r.arr(m, `model.merges[${i}]`);
    if (a.length !== 2) r.fail(`model.merges[${i}]`, `expected a pair, got ${a.length} items`);
    return [r.str(a[0], `model.merges[${i}][0]`), r.str(a[1], `model.merges[${i}][1]`)];
  });
}

export function modelFromJSON(j: unknown, r: JsonReader, byteLevel: boolean): TokenModel {
  const o = r.obj(j, 'model');
  // Older files omit the type; the fields tell which model it is.
  const type = o.type !== undefined ? r.str(o.type, 'model.type') : o.merges !== undefined ? 'BPE' : Array.isArray(o.vocab) ? 'Unigram' : 'WordPiece';
  switch (type) {
    case 'BPE':
      return new BpeModel(
        vocabMap(o.vocab, r, 'model.vocab'),
        mergesList(o.merges, r),
        {
          byteLevel,
          unkToken: r.optStr(o.unk_token, 'model.unk_token'),
          byteFallback: r.bool(o.byte_fallback, 'model.byte_fallback', false),
          fuseUnk: r.bool(o.fuse_unk, 'model.fuse_unk', false),
          continuingSubwordPrefix: r.optStr(o.continuing_subword_prefix, 'model.continuing_subword_prefix'),
          endOfWordSuffix: r.optStr(o.end_of_word_suffix, 'model.end_of_word_suffix'),
          ignoreMerges: r.bool(o.ignore_merges, 'model.ignore_merges', false),
        },
        r.source,
      );
    case 'Unigram': {
      const vocab = r.arr(o.vocab, 'model.vocab').map((e, i) => {
        const a = r.arr(e, `model.vocab[${i}]`);
        return [r.str(a[0], `model.vocab[${i}][0]`), r.num(a[1], `model.vocab[${i}][1]`)] as const;
      });
      const unkId = o.unk_id === null || o.unk_id === undefined ? undefined : r.int(o.unk_id, 'model.unk_id');
      if (unkId !== undefined && unkId >= vocab.length) r.fail('model.unk_id', `${unkId} is outside the vocabulary of ${vocab.length}`);
      return new UnigramModel(vocab, { unkId, byteFallback: r.bool(o.byte_fallback, 'model.byte_fallback', false) });
    }
    case 'WordPiece':
      return new WordPieceModel(vocabMap(o.vocab, r, 'model.vocab'), {
        unkToken: r.str(o.unk_token ?? '[UNK]', 'model.unk_token'),
        prefix: r.str(o.continuing_subword_prefix ?? '##', 'model.continuing_subword_prefix'),
        maxInputCharsPerWord: r.int(o.max_input_chars_per_word ?? 100, 'model.max_input_chars_per_word'),
      });
    case 'WordLevel':
      return new WordLevelModel(vocabMap(o.vocab, r, 'model.vocab'), r.optStr(o.unk_token, 'model.unk_token'));
    default:
      return r.fail('model.type', `unknown model type '${type}'; supported: BPE, Unigram, WordPiece, WordLevel`);
  }
}

export function addedTokensFromJSON(v: unknown, r: JsonReader): AddedToken[] {
  return r.arr(v ?? [], 'added_tokens').map((t, i) => {
    const f = `added_tokens[${i}]`;
    const o = r.obj(t, f);
    return {
      id: r.int(o.id, `${f}.id`),
      content: r.str(o.content, `${f}.content`),
      special: r.bool(o.special, `${f}.special`, false),
      lstrip: r.bool(o.lstrip, `${f}.lstrip`, false),
      rstrip: r.bool(o.rstrip, `${f}.rstrip`, false),
      singleWord: r.bool(o.single_word, `${f}.single_word`, false),
      normalized: r.bool(o.normalized, `${f}.normalized`, true),
    };
  });
}

/** Builds a Tokenizer from parsed tokenizer.json (and tokenizer_config.json) content. */
export function tokenizerFromHfJson(j: unknown, config: TokenizerConfig, source: string): Tokenizer {
  const r = new JsonReader(source);
  const o: Json = r.obj(j, '(root)');
  if (o.model === undefined) r.fail('model', 'missing; is this a tokenizer.json file?');
  const preTokenizer = preTokenizerFromJSON(o.pre_tokenizer, r);
  const decoder = decoderFromJSON(o.decoder, r);
  // Byte-level BPE is marked by a ByteLevel pre-tokenizer (or, in some files, only by the ByteLevel decoder).
  const byteLevel = (preTokenizer?.byteLevel ?? false) || (decoder?.toJSON().type === 'ByteLevel' && r.obj(o.model, 'model').type === 'BPE');
  return new Tokenizer({
    normalizer: normalizerFromJSON(o.normalizer, r),
    preTokenizer,
    model: modelFromJSON(o.model, r, byteLevel),
    postProcessor: postProcessorFromJSON(o.post_processor, r),
    decoder,
    addedTokens: addedTokensFromJSON(o.added_tokens, r),
    config,
  });
}
