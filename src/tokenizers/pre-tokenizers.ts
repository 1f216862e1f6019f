/**
 * Pre-tokenizers of the tokenizer.json format: they cut normalized text into
 * words that the model encodes one by one. A Split or ByteLevel with one of the
 * known GPT-2 / cl100k / o200k / Qwen2 patterns runs the hand-written scanner.
 */
import { JsonReader, type Json } from './json-util.js';
import { patternOf } from './normalizers.js';
import { scannerFor, toJsRegExp, PATTERNS } from './pretokenize-regex.js';
import type { Scanner } from './pretokenize-scanners.js';

export interface PreTokenizer {
  /** Appends the words of `text` to `out`; `first` is true for the input's first text segment. */
  split(text: string, out: string[], first?: boolean): void;
  /** Whether words go to a byte-level model (a ByteLevel pre-tokenizer is present). */
  readonly byteLevel: boolean;
  /** Set when the whole pre-tokenizer is one scanner: the encoder then streams words without a list. */
  readonly scanner?: Scanner;
  /** With `scanner`: prepend a space to text that does not start with one (ByteLevel add_prefix_space). */
  readonly prefixSpace?: boolean;
  /** Leaves its text whole (ByteLevel without regex or prefix space). */
  readonly identity?: boolean;
  toJSON(): Json;
}

type Behavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** Splits with a scanner: every character belongs to some piece (Isolated behaviour). */
export function scanInto(scan: Scanner, text: string, out: string[]): void {
  const n = text.length;
  for (let i = 0; i < n; ) {
    const j = scan(text, i, n);
    out.push(text.slice(i, j));
    i = j;
  }
}

/** Splits `text` by matches of `re` with one of Hugging Face's delimiter behaviours. */
export function splitBehavior(re: RegExp, text: string, behavior: Behavior, invert: boolean, out: string[]): void {
  const spans: [number, number, boolean][] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) spans.push([last, m.index, false]);
    spans.push([m.index, m.index + m[0].length, true]);
    last = m.index + m[0].length;
  }
  if (last < text.length) spans.push([last, text.length, false]);
  if (invert) for (const s of spans) s[2] = !s[2];
  const pieces: string[] = [];
  let pendingNext = '';
  for (let k = 0; k < spans.length; k++) {
    const [a, b, isMatch] = spans[k]!;
    const s = text.slice(a, b);
    if (!isMatch) {
      pieces.push(pendingNext + s);
      pendingNext = '';
      continue;
    }
    switch (behavior) {
      case 'Removed':
        break;
      case 'Isolated':
        pieces.push(s);
        break;
      case 'MergedWithPrevious':
        if (pieces.length > 0 && k > 0 && !spans[k - 1]![2]) pieces[pieces.length - 1] += s;
        else pieces.push(s);
        break;
      case 'MergedWithNext':
        pendingNext += s;
        break;
      case 'Contiguous':
        if (k > 0 && spans[k - 1]![2] && pieces.length > 0) pieces[pieces.length - 1] += s;
        else pieces.push(s);
        break;
    }
  }
  if (pendingNext) pieces.push(pendingNext);
  for (const p of pieces) if (p.length > 0) out.push(p);
}

const BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

export function preTokenizerFromJSON(j: unknown, r: JsonReader, field = 'pre_tokenizer'): PreTokenizer | undefined {
  if (j === null || j === undefined) return undefined;
  const o = r.obj(j, field);
  const type = r.str(o.type, `${field}.type`);
  const make = (split: (text: string, out: string[], first?: boolean) => void, byteLevel = false): PreTokenizer => ({ split, byteLevel, toJSON: () => o });
  switch (type) {
    case 'Sequence': {
      const list = r.arr(o.pretokenizers, `${field}.pretokenizers`).map((p, i) => preTokenizerFromJSON(p, r, `${field}.pretokenizers[${i}]`)!);
      const byteLevel = list.some((p) => p.byteLevel);
      const active = list.filter((p) => !p.identity);
      // Llama 3 and Qwen2: Split(pattern) then a regex-less ByteLevel, which is just the scanner.
      if (active.length === 1 && active[0]!.scanner) return { ...active[0]!, byteLevel, toJSON: () => o };
      return make((text, out, first) => {
        let cur = [text];
        for (const p of list) {
          const next: string[] = [];
          for (let k = 0; k < cur.length; k++) p.split(cur[k]!, next, first && k === 0);
          cur = next;
        }
        for (const w of cur) out.push(w);
      }, byteLevel);
    }
    case 'ByteLevel': {
      const prefix = r.bool(o.add_prefix_space, `${field}.add_prefix_space`, true);
      const useRegex = r.bool(o.use_regex, `${field}.use_regex`, true);
      const scan = scannerFor(PATTERNS.gpt2)!;
      const split = (text: string, out: string[]): void => {
        const t = prefix && !text.startsWith(' ') ? ' ' + text : text;
        if (useRegex) scanInto(scan, t, out);
        else if (t.length > 0) out.push(t);
      };
      if (useRegex) return { split, byteLevel: true, scanner: scan, prefixSpace: prefix, toJSON: () => o };
      // Without regex or prefix it only marks the model as byte-level: an identity split.
      return { split, byteLevel: true, identity: !prefix, toJSON: () => o };
    }
    case 'Split': {
      const p = r.obj(o.pattern, `${field}.pattern`);
      const behavior = r.str(o.behavior ?? 'Isolated', `${field}.behavior`) as Behavior;
      if (!BEHAVIORS.includes(behavior)) r.fail(`${field}.behavior`, `unknown behavior '${behavior}'; one of ${BEHAVIORS.join(', ')}`);
      const invert = r.bool(o.invert, `${field}.invert`, false);
      const scan = typeof p.Regex === 'string' && behavior === 'Isolated' && !invert ? scannerFor(p.Regex) : undefined;
      if (scan) return { split: (text, out) => scanInto(scan, text, out), byteLevel: false, scanner: scan, toJSON: () => o };
      const re = typeof p.Regex === 'string' ? toJsRegExp(p.Regex, `${field}.pattern`) : patternOf(p, r, `${field}.pattern`);
      return make((text, out) => splitBehavior(re, text, behavior, invert, out));
    }
    case 'Whitespace': {
      // \w and \s with Unicode meanings, as in Rust's regex.
      const re = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+/gu;
      return make((text, out) => {
        for (const m of text.matchAll(re)) out.push(m[0]);
      });
    }
    case 'WhitespaceSplit':
      return make((text, out) => {
        for (const w of text.split(/\p{White_Space}+/u)) if (w) out.push(w);
      });
    case 'BertPreTokenizer':
      return make((text, out) => {
        for (const w of text.split(/\p{White_Space}+/u)) if (w) splitBehavior(/[\p{P}\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/gu, w, 'Isolated', false, out);
      });
    case 'Punctuation': {
      const behavior = r.str(o.behavior ?? 'Isolated', `${field}.behavior`) as Behavior;
      return make((text, out) => splitBehavior(/[\p{P}\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/gu, text, behavior, false, out));
    }
    case 'Digits': {
      const single = r.bool(o.individual_digits, `${field}.individual_digits`, false);
      const re = single ? /\p{Nd}/gu : /\p{Nd}+/gu;
      return make((text, out) => splitBehavior(re, text, 'Isolated', false, out));
    }
    case 'Metaspace': {
      const rep = r.str(o.replacement ?? '▁', `${field}.replacement`);
      const scheme = metaspaceScheme(o, r, field);
      const splitWords = r.bool(o.split, `${field}.split`, true);
      return make((text, out, first) => {
        let t = text.replaceAll(' ', rep);
        if ((scheme === 'always' || (scheme === 'first' && first)) && !t.startsWith(rep)) t = rep + t;
        if (!splitWords) {
          if (t) out.push(t);
          return;
        }
        splitBehavior(new RegExp(rep.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'gu'), t, 'MergedWithNext', false, out);
      });
    }
    case 'CharDelimiterSplit': {
      const d = r.str(o.delimiter, `${field}.delimiter`);
      return make((text, out) => {
        for (const w of text.split(d)) if (w) out.push(w);
      });
    }
    default:
      return r.fail(`${field}.type`, `unknown pre-tokenizer type '${type}'; supported: Sequence, ByteLevel, Split, Whitespace, WhitespaceSplit, BertPreTokenizer, Punctuation, Digits, Metaspace, CharDelimiterSplit`);
  }
}

/** Metaspace's prepend scheme, from either the current or the older (add_prefix_space) field. */
export function metaspaceScheme(o: Json, r: JsonReader, field: string): 'always' | 'first' | 'never' {
  if (o.prepend_scheme !== undefined && o.prepend_scheme !== null) {
    const s = r.str(o.prepend_scheme, `${field}.prepend_scheme`);
    if (s !== 'always' && s !== 'first' && s !== 'never') r.fail(`${field}.prepend_scheme`, `expected always, first or never, got '${s}'`);
    return s;
  }
  return r.bool(o.add_prefix_space, `${field}.add_prefix_space`, true) ? 'always' : 'never';
}
