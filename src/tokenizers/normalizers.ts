/**
 * Normalizers of the Hugging Face tokenizer.json format, plus SentencePiece's
 * own normalizer (charsmap, dummy prefix, extra-whitespace removal, ▁ escaping)
 * used for `.model` files, where it must match SentencePiece byte for byte.
 */
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import { JsonReader, type Json } from './json-util.js';

export interface Normalizer {
  normalize(text: string): string;
  toJSON(): Json;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** SentencePiece's `Normalizer::Normalize`, on UTF-8 bytes. */
export class SentencePieceNormalizer implements Normalizer {
  constructor(
    readonly charsmap: PrecompiledCharsmap | undefined,
    readonly opts: { addDummyPrefix: boolean; removeExtraWhitespaces: boolean; escapeWhitespaces: boolean; name?: string },
  ) {}

  private prefix(input: Uint8Array, pos: number): [Uint8Array, number] {
    const m = this.charsmap?.longestMatch(input, pos, input.length);
    if (m) return [this.charsmap!.replacement(m[1], m[2]), m[0]];
    const len = utf8CharLength(input, pos);
    // A malformed byte becomes U+FFFD but consumes one byte, as SentencePiece does.
    if (len === 0) return [REPLACEMENT, 1];
    return [input.subarray(pos, pos + len), len];
  }

  normalize(text: string): string {
    const { addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces } = this.opts;
    if (!this.charsmap && !removeExtraWhitespaces) {
      // Identity rules (Llama's models, llama.cpp): only the prefix and the ▁ escaping.
      // Lone surrogates become U+FFFD, as the UTF-8 round trip would make them.
      if (text.length === 0) return '';
      const t = text.replace(/\p{Cs}/gu, '\ufffd');
      const body = escapeWhitespaces ? t.replaceAll(' ', '▁') : t;
      return addDummyPrefix ? (escapeWhitespaces ? '▁' : ' ') + body : body;
    }
    const input = encoder.encode(text);
    let pos = 0;
    if (removeExtraWhitespaces) {
      while (pos < input.length) {
        const [sp, n] = this.prefix(input, pos);
        if (!(sp.length === 1 && sp[0] === 32)) break;
        pos += n;
      }
    }
    if (pos >= input.length) return '';
    const out: number[] = [];
    const space = escapeWhitespaces ? SPACE_SYMBOL : [32];
    if (addDummyPrefix) out.push(...space);
    let prevSpace = removeExtraWhitespaces;
    while (pos < input.length) {
      const [sp, n] = this.prefix(input, pos);
      let s = 0;
      if (prevSpace) while (s < sp.length && sp[s] === 32) s++;
      if (s < sp.length) {
        for (let k = s; k < sp.length; k++) {
          if (escapeWhitespaces && sp[k] === 32) out.push(...SPACE_SYMBOL);
          else out.push(sp[k]!);
        }
        prevSpace = sp[sp.length - 1] === 32;
      }
      pos += n;
      if (!removeExtraWhitespaces) prevSpace = false;
    }
    if (removeExtraWhitespaces) {
      while (out.length >= space.length && space.every((b, k) => out[out.length - space.length + k] === b)) out.length -= space.length;
    }
    return decoder.decode(Uint8Array.from(out));
  }

  toJSON(): Json {
    // The Hugging Face converter's equivalent of this normalizer.
    const seq: Json[] = [];
    if (this.charsmap) seq.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(this.charsmap.blob).toString('base64') });
    if (this.opts.removeExtraWhitespaces) seq.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true });
    if (this.opts.addDummyPrefix) seq.push({ type: 'Prepend', prepend: '▁' });
    if (this.opts.escapeWhitespaces) seq.push({ type: 'Replace', pattern: { String: ' ' }, content: '▁' });
    return { type: 'Sequence', normalizers: seq };
  }
}

const SPACE_SYMBOL = [0xe2, 0x96, 0x81];
const REPLACEMENT = Uint8Array.of(0xef, 0xbf, 0xbd);

/** Length of the valid UTF-8 character at `pos`, or 0 if malformed. */
function utf8CharLength(b: Uint8Array, pos: number): number {
  const c = b[pos]!;
  if (c < 0x80) return 1;
  const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (need === 0 || pos + need > b.length) return 0;
  for (let k = 1; k < need; k++) if ((b[pos + k]! & 0xc0) !== 0x80) return 0;
  return need;
}

/** Builds a normalizer from its tokenizer.json section (null: none). */
export function normalizerFromJSON(j: unknown, r: JsonReader, field = 'normalizer'): Normalizer | undefined {
  if (j === null || j === undefined) return undefined;
  const o = r.obj(j, field);
  const type = r.str(o.type, `${field}.type`);
  const keep = (f: (s: string) => string): Normalizer => ({ normalize: f, toJSON: () => o });
  switch (type) {
    case 'Sequence': {
      const list = r.arr(o.normalizers, `${field}.normalizers`).map((n, i) => normalizerFromJSON(n, r, `${field}.normalizers[${i}]`)!);
      return keep((s) => list.reduce((t, n) => n.normalize(t), s));
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return keep((s) => s.normalize(type));
    case 'Lowercase':
      return keep((s) => s.toLowerCase());
    case 'Strip': {
      const left = r.bool(o.strip_left, `${field}.strip_left`, true);
      const right = r.bool(o.strip_right, `${field}.strip_right`, true);
      return keep((s) => (left && right ? s.trim() : left ? s.trimStart() : right ? s.trimEnd() : s));
    }
    case 'StripAccents':
      return keep(stripAccents);
    case 'Prepend': {
      const p = r.str(o.prepend, `${field}.prepend`);
      return keep((s) => (s.length > 0 ? p + s : s));
    }
    case 'Replace': {
      const re = patternOf(o.pattern, r, `${field}.pattern`);
      const content = r.str(o.content, `${field}.content`);
      return keep((s) => s.replace(re, () => content));
    }
    case 'BertNormalizer': {
      const clean = r.bool(o.clean_text, `${field}.clean_text`, true);
      const chinese = r.bool(o.handle_chinese_chars, `${field}.handle_chinese_chars`, true);
      const lower = r.bool(o.lowercase, `${field}.lowercase`, true);
      const strip = o.strip_accents === null || o.strip_accents === undefined ? lower : r.bool(o.strip_accents, `${field}.strip_accents`, lower);
      return keep((s) => bertNormalize(s, clean, chinese, strip, lower));
    }
    case 'Precompiled': {
      const b64 = r.str(o.precompiled_charsmap, `${field}.precompiled_charsmap`);
      const map = new PrecompiledCharsmap(Buffer.from(b64, 'base64'), r.source);
      return keep((s) => precompiledHf(map, s));
    }
    default:
      return r.fail(`${field}.type`, `unknown normalizer type '${type}'; supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Prepend, Replace, BertNormalizer, Precompiled`);
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Hugging Face's `Precompiled` normalizer (the Rust library's rule, which differs
 * from SentencePiece's longest match): a grapheme shorter than 6 UTF-8 bytes is
 * replaced whole by the first rule matching a prefix of it; otherwise each of
 * its characters is replaced by its first matching rule, or kept.
 */
export function precompiledHf(map: PrecompiledCharsmap, text: string): string {
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    const bytes = encoder.encode(segment);
    if (bytes.length < 6) {
      const m = map.firstMatch(bytes, 0, bytes.length);
      if (m) {
        out += decoder.decode(map.replacement(m[1], m[2]));
        continue;
      }
    }
    for (const ch of segment) {
      const cb = encoder.encode(ch);
      const m = map.firstMatch(cb, 0, cb.length);
      out += m ? decoder.decode(map.replacement(m[1], m[2])) : ch;
    }
  }
  return out;
}

/** A {String} or {Regex} pattern of tokenizer.json as a global RegExp. */
export function patternOf(p: unknown, r: JsonReader, field: string): RegExp {
  const o = r.obj(p, field);
  if (typeof o.String === 'string') return new RegExp(o.String.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'gu');
  if (typeof o.Regex === 'string') {
    try {
      return new RegExp(o.Regex, 'gu');
    } catch (e) {
      r.fail(field, `cannot compile regex ${JSON.stringify(o.Regex)}: ${(e as Error).message}`);
    }
  }
  return r.fail(field, 'expected {"String": ...} or {"Regex": ...}');
}

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's cleanup: drop control characters, map whitespace to ' ', pad CJK, strip accents, lowercase. */
function bertNormalize(s: string, clean: boolean, chinese: boolean, strip: boolean, lower: boolean): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (clean) {
      if (cp === 0 || cp === 0xfffd || (/\p{C}/u.test(ch) && ch !== '\t' && ch !== '\n' && ch !== '\r')) continue;
      if (ch === '\t' || ch === '\n' || ch === '\r' || /[\p{Zs}\u2028\u2029]/u.test(ch)) {
        out += ' ';
        continue;
      }
    }
    if (chinese && isChinese(cp)) out += ` ${ch} `;
    else out += ch;
  }
  if (strip) out = stripAccents(out);
  if (lower) out = out.toLowerCase();
  return out;
}
