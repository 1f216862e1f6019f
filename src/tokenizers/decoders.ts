/**
 * Decoders of the tokenizer.json format: they turn the token strings of a
 * sequence back into text (byte-level characters to bytes, ▁ to spaces, `##`
 * continuations, `<0xXX>` byte tokens). Each works on the list of strings and
 * hands the result to the next, as Hugging Face's `decode_chain` does.
 */
import { CHAR_TO_BYTE } from './byte-level.js';
import { JsonReader, type Json } from './json-util.js';
import { metaspaceScheme } from './pre-tokenizers.js';

export interface Decoder {
  decodeChain(tokens: string[]): string[];
  toJSON(): Json;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Byte-level characters back to bytes, decoded as UTF-8 (invalid bytes become U+FFFD). */
export function byteLevelDecode(tokens: string[]): string {
  const bytes: number[] = [];
  for (const t of tokens) {
    for (const ch of t) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b !== undefined) bytes.push(b);
      else for (const x of new TextEncoder().encode(ch)) bytes.push(x);
    }
  }
  return utf8.decode(Uint8Array.from(bytes));
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export function decoderFromJSON(j: unknown, r: JsonReader, field = 'decoder'): Decoder | undefined {
  if (j === null || j === undefined) return undefined;
  const o = r.obj(j, field);
  const type = r.str(o.type, `${field}.type`);
  const make = (decodeChain: (t: string[]) => string[]): Decoder => ({ decodeChain, toJSON: () => o });
  switch (type) {
    case 'Sequence': {
      const list = r.arr(o.decoders, `${field}.decoders`).map((d, i) => decoderFromJSON(d, r, `${field}.decoders[${i}]`)!);
      return make((t) => list.reduce((acc, d) => d.decodeChain(acc), t));
    }
    case 'ByteLevel':
      return make((t) => [byteLevelDecode(t)]);
    case 'Metaspace': {
      const rep = r.str(o.replacement ?? '▁', `${field}.replacement`);
      const scheme = metaspaceScheme(o, r, field);
      return make((t) =>
        // As Hugging Face does: in the first token every ▁ is dropped, not only a leading one.
        t.map((tok, i) => tok.replaceAll(rep, i === 0 && scheme !== 'never' ? '' : ' ')),
      );
    }
    case 'WordPiece': {
      const prefix = r.str(o.prefix ?? '##', `${field}.prefix`);
      const cleanup = r.bool(o.cleanup, `${field}.cleanup`, true);
      return make((t) =>
        t.map((tok, i) => {
          let s = i > 0 ? (tok.startsWith(prefix) ? tok.slice(prefix.length) : ' ' + tok) : tok;
          if (cleanup) s = cleanupSpaces(s);
          return s;
        }),
      );
    }
    case 'ByteFallback':
      return make((t) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = (): void => {
          if (bytes.length === 0) return;
          const s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
          try {
            out.push(s.decode(Uint8Array.from(bytes)));
          } catch {
            for (let k = 0; k < bytes.length; k++) out.push('\ufffd');
          }
          bytes = [];
        };
        for (const tok of t) {
          const m = BYTE_TOKEN.exec(tok);
          if (m) bytes.push(parseInt(m[1]!, 16));
          else {
            flush();
            out.push(tok);
          }
        }
        flush();
        return out;
      });
    case 'Fuse':
      return make((t) => [t.join('')]);
    case 'Strip': {
      const content = r.str(o.content ?? ' ', `${field}.content`);
      const start = r.int(o.start ?? 0, `${field}.start`);
      const stop = r.int(o.stop ?? 0, `${field}.stop`);
      return make((t) =>
        t.map((tok) => {
          const chars = Array.from(tok);
          let a = 0;
          let b = chars.length;
          for (let k = 0; k < start && a < b && chars[a] === content; k++) a++;
          for (let k = 0; k < stop && b > a && chars[b - 1] === content; k++) b--;
          return chars.slice(a, b).join('');
        }),
      );
    }
    case 'Replace': {
      const p = r.obj(o.pattern, `${field}.pattern`);
      const content = r.str(o.content, `${field}.content`);
      const re = typeof p.String === 'string' ? new RegExp(p.String.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'gu') : new RegExp(r.str(p.Regex, `${field}.pattern.Regex`), 'gu');
      return make((t) => t.map((tok) => tok.replace(re, () => content)));
    }
    case 'BPEDecoder': {
      const suffix = r.str(o.suffix ?? '</w>', `${field}.suffix`);
      return make((t) => t.map((tok, i) => tok.replaceAll(suffix, i === t.length - 1 ? '' : ' ')));
    }
    case 'CTC': {
      const pad = r.str(o.pad_token ?? '<pad>', `${field}.pad_token`);
      const delim = r.str(o.word_delimiter_token ?? '|', `${field}.word_delimiter_token`);
      const cleanup = r.bool(o.cleanup, `${field}.cleanup`, true);
      return make((t) =>
        t
          .filter((tok, i) => i === 0 || tok !== t[i - 1])
          .filter((tok) => tok !== pad)
          .map((tok) => {
            const s = tok.replaceAll(delim, ' ');
            return cleanup ? cleanupSpaces(s) : s;
          }),
      );
    }
    default:
      return r.fail(`${field}.type`, `unknown decoder type '${type}'; supported: Sequence, ByteLevel, Metaspace, WordPiece, ByteFallback, Fuse, Strip, Replace, BPEDecoder, CTC`);
  }
}

/** The `clean_up_tokenization` of Hugging Face: no space before punctuation and in English contractions. */
export function cleanupSpaces(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
