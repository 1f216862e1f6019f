/**
 * SentencePiece `.model` files (a protobuf ModelProto) as Tokenizers: BPE
 * (merges by piece score, byte fallback; Llama 2, Mistral, TinyLlama) and
 * Unigram (Viterbi), with SentencePiece's own normalizer, so ids match the
 * reference implementation.
 *
 * ModelProto: 1 pieces {1 piece, 2 score, 3 type}, 2 trainer_spec {3 model_type,
 * 35 byte_fallback, 40-43 unk/bos/eos/pad id, 24 treat_whitespace_as_suffix},
 * 3 normalizer_spec {1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
 * 4 remove_extra_whitespaces, 5 escape_whitespaces}.
 */
import { FileFormatError, UnsupportedError } from '../errors.js';
import type { AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe-model.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader } from './json-util.js';
import { SentencePieceNormalizer } from './normalizers.js';
import { PairTable } from './pair-table.js';
import { postProcessorFromJSON, templateJSON } from './post-processors.js';
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import { int32Of, ProtoReader } from './protobuf.js';
import type { TokenizerConfig } from './tokenizer-config.js';
import { Tokenizer } from './tokenizer.js';
import { UnigramModel } from './unigram-model.js';

export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePieceModel {
  pieces: { piece: string; score: number; type: number }[];
  modelType: number;
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  treatWhitespaceAsSuffix: boolean;
  normalizer: { name: string; charsmap?: Uint8Array; addDummyPrefix: boolean; removeExtraWhitespaces: boolean; escapeWhitespaces: boolean };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseSentencePieceModel(buf: Uint8Array, source: string): SentencePieceModel {
  const m: SentencePieceModel = {
    pieces: [],
    modelType: 1,
    byteFallback: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    treatWhitespaceAsSuffix: false,
    normalizer: { name: '', addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  };
  const str = (b: Uint8Array, what: string): string => {
    try {
      return utf8.decode(b);
    } catch {
      throw new FileFormatError(source, `${what} is not valid UTF-8`);
    }
  };
  const top = new ProtoReader(buf, source);
  let sawTrainer = false;
  while (!top.done) {
    const f = top.next();
    if (f.num === 1 && f.wire === 2) {
      const p = { piece: '', score: 0, type: PieceType.NORMAL as number };
      const r = new ProtoReader(f.value, source, f.offset);
      while (!r.done) {
        const g = r.next();
        if (g.num === 1 && g.wire === 2) p.piece = str(g.value, `piece ${m.pieces.length}`);
        else if (g.num === 2 && g.wire === 5) p.score = g.value.getFloat32(0, true);
        else if (g.num === 3 && g.wire === 0) p.type = Number(g.value);
      }
      m.pieces.push(p);
    } else if (f.num === 2 && f.wire === 2) {
      sawTrainer = true;
      const r = new ProtoReader(f.value, source, f.offset);
      while (!r.done) {
        const g = r.next();
        if (g.wire !== 0) continue;
        if (g.num === 3) m.modelType = Number(g.value);
        else if (g.num === 35) m.byteFallback = g.value !== 0n;
        else if (g.num === 24) m.treatWhitespaceAsSuffix = g.value !== 0n;
        else if (g.num === 40) m.unkId = int32Of(g.value);
        else if (g.num === 41) m.bosId = int32Of(g.value);
        else if (g.num === 42) m.eosId = int32Of(g.value);
        else if (g.num === 43) m.padId = int32Of(g.value);
      }
    } else if (f.num === 3 && f.wire === 2) {
      const r = new ProtoReader(f.value, source, f.offset);
      while (!r.done) {
        const g = r.next();
        if (g.num === 1 && g.wire === 2) m.normalizer.name = str(g.value, 'normalizer name');
        else if (g.num === 2 && g.wire === 2) m.normalizer.charsmap = g.value;
        else if (g.num === 3 && g.wire === 0) m.normalizer.addDummyPrefix = g.value !== 0n;
        else if (g.num === 4 && g.wire === 0) m.normalizer.removeExtraWhitespaces = g.value !== 0n;
        else if (g.num === 5 && g.wire === 0) m.normalizer.escapeWhitespaces = g.value !== 0n;
      }
    }
  }
  if (m.pieces.length === 0) throw new FileFormatError(source, 'has no pieces; is this a SentencePiece .model file?');
  if (!sawTrainer) throw new FileFormatError(source, 'has no trainer_spec; is this a SentencePiece .model file?');
  return m;
}

export function sentencePieceFromBytes(buf: Uint8Array, source: string, config: TokenizerConfig = {}): Tokenizer {
  return tokenizerFromSentencePiece(parseSentencePieceModel(buf, source), source, config);
}

/** Builds the Tokenizer. `addBos`/`addEos` say what `addSpecial` adds (default: BOS only, as Llama does). */
export function tokenizerFromSentencePiece(m: SentencePieceModel, source: string, config: TokenizerConfig = {}, opts: { addBos?: boolean; addEos?: boolean } = {}): Tokenizer {
  if (m.treatWhitespaceAsSuffix) throw new UnsupportedError(source, 'SentencePiece models with treat_whitespace_as_suffix are not supported');
  const n = m.pieces.length;
  for (const [name, id] of [['unk_id', m.unkId], ['bos_id', m.bosId], ['eos_id', m.eosId], ['pad_id', m.padId]] as const) {
    if (id >= n) throw new FileFormatError(source, `${id} is outside the vocabulary of ${n} pieces`, `trainer_spec.${name}`);
  }
  const excluded = new Set<number>();
  const userDefined = new Set<number>();
  const added: AddedToken[] = [];
  m.pieces.forEach((p, id) => {
    if (p.type === PieceType.USER_DEFINED) {
      userDefined.add(id);
      added.push({ id, content: p.piece, special: false, normalized: false });
    } else if (p.type !== PieceType.NORMAL) excluded.add(id);
    if (p.type === PieceType.CONTROL || p.type === PieceType.UNKNOWN) added.push({ id, content: p.piece, special: true, normalized: false });
  });
  let model;
  if (m.modelType === 1) {
    model = new UnigramModel(
      m.pieces.map((p) => [p.piece, p.score] as const),
      { unkId: m.unkId >= 0 ? m.unkId : undefined, byteFallback: m.byteFallback, float32: true, excluded, userDefined },
    );
  } else if (m.modelType === 2) {
    model = bpeFromPieces(m, source);
  } else {
    throw new UnsupportedError(source, `SentencePiece model_type ${m.modelType} (${['', 'UNIGRAM', 'BPE', 'WORD', 'CHAR'][m.modelType] ?? '?'}) is not supported; use a UNIGRAM or BPE model`);
  }
  const charsmap = m.normalizer.charsmap && m.normalizer.charsmap.length > 0 ? new PrecompiledCharsmap(m.normalizer.charsmap, source) : undefined;
  const r = new JsonReader(source);
  const piece = (id: number): [string, number] | undefined => (id >= 0 ? [m.pieces[id]!.piece, id] : undefined);
  const bos = opts.addBos ?? (config.extra?.add_bos_token as boolean | undefined) ?? true;
  const eos = opts.addEos ?? (config.extra?.add_eos_token as boolean | undefined) ?? false;
  return new Tokenizer({
    normalizer: new SentencePieceNormalizer(charsmap, m.normalizer),
    model,
    postProcessor: postProcessorFromJSON(templateJSON(bos ? piece(m.bosId) : undefined, eos ? piece(m.eosId) : undefined), r),
    decoder: decoderFromJSON(spmDecoderJSON(m.normalizer.addDummyPrefix), r),
    addedTokens: added,
    config: {
      bosToken: piece(m.bosId)?.[0],
      eosToken: piece(m.eosId)?.[0],
      unkToken: piece(m.unkId)?.[0],
      padToken: piece(m.padId)?.[0],
      ...stripUndefined(config),
    },
  });
}

/** The decoder Hugging Face's converter writes for SentencePiece models. */
export function spmDecoderJSON(addDummyPrefix: boolean): Record<string, unknown> {
  const decoders: Record<string, unknown>[] = [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
  if (addDummyPrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  return { type: 'Sequence', decoders };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * SentencePiece BPE as a merge table: a pair merges when its concatenation is
 * a normal, user-defined or unused piece; higher piece score merges first, the
 * leftmost pair on equal scores (SentencePiece's agenda order).
 */
export function bpeFromPieces(m: SentencePieceModel, source: string): BpeModel {
  const vocab = new Map<string, number>();
  m.pieces.forEach((p, id) => {
    if (!vocab.has(p.piece)) vocab.set(p.piece, id);
  });
  const mergeable = (id: number): boolean => {
    const t = m.pieces[id]!.type;
    return t === PieceType.NORMAL || t === PieceType.USER_DEFINED || t === PieceType.UNUSED;
  };
  // Rank = position of the score in descending order; equal scores share a rank.
  const scores = [...new Set(m.pieces.map((p) => p.score))].sort((a, b) => b - a);
  const rankOf = new Map(scores.map((s, i) => [s, i]));
  const order = m.pieces.map((_, id) => id).filter((id) => mergeable(id) && [...m.pieces[id]!.piece].length >= 2);
  order.sort((a, b) => rankOf.get(m.pieces[a]!.score)! - rankOf.get(m.pieces[b]!.score)! || a - b);
  const table = new PairTable(order.length * 2);
  const list: number[] = [];
  for (const id of order) {
    const chars = [...m.pieces[id]!.piece];
    for (let k = 1; k < chars.length; k++) {
      const a = vocab.get(chars.slice(0, k).join(''));
      const b = vocab.get(chars.slice(k).join(''));
      if (a === undefined || b === undefined) continue;
      table.set(a, b, rankOf.get(m.pieces[id]!.score)!, id);
      list.push(a, b);
    }
  }
  return new BpeModel(
    vocab,
    { table, list: Int32Array.from(list) },
    { byteFallback: m.byteFallback, fuseUnk: true, unkToken: m.unkId >= 0 ? m.pieces[m.unkId]!.piece : undefined },
    source,
  );
}
