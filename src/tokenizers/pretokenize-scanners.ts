/**
 * Hand-written scanners equivalent to the pre-tokenization regexes of GPT-2
 * (r50k/p50k), cl100k_base (also Llama 3), Qwen2 and o200k_base.
 *
 * A scanner takes the text, the start of the next piece and the end of the
 * segment, and returns the end of that piece: exactly where `RegExp(pattern,
 * 'gu')` would end its match, including the regex's backtracking choices
 * (worked out per alternative below). They avoid the regex engine, which is
 * the slowest part of a JavaScript BPE tokenizer. `scanners.test.ts` checks
 * them against the regexes on mixed text and on random strings.
 */
import { charClass, CRLF, LETTER, LOWERISH, NUMBER, SPACE, UPPERISH, WHITE_SPACE } from './unicode-class.js';

export type Scanner = (t: string, i: number, n: number) => number;

/**
 * What `\s` means: 'unicode' is the White_Space property, as in Oniguruma and
 * Rust's regex (Hugging Face tokenizers, OpenAI's tiktoken, llama.cpp); 'js' is
 * JavaScript's `\s` (js-tiktoken, gpt-tokenizer), which adds U+FEFF and lacks U+0085.
 */
export type WhitespaceFlavor = 'unicode' | 'js';

/** The code point at `i` (a lone surrogate is its own code unit). */
function cpAt(t: string, i: number, n: number): number {
  const c = t.charCodeAt(i);
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
    const d = t.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

const width = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** The four scanners, for one meaning of `\s`. */
export function makeScanners(flavor: WhitespaceFlavor): { gpt2: Scanner; cl100k: Scanner; qwen2: Scanner; o200k: Scanner } {
  const S = flavor === 'js' ? SPACE : WHITE_SPACE;
  /** End of the longest run from `i` of code points whose class has any bit of `mask`. */
  function runOf(t: string, i: number, n: number, mask: number): number {
    while (i < n) {
      const cp = cpAt(t, i, n);
      if ((charClass(cp) & mask) === 0) break;
      i += width(cp);
    }
    return i;
  }

  /** End of the longest run from `i` of code points in none of the classes of `mask`. */
  function runNotOf(t: string, i: number, n: number, mask: number): number {
    while (i < n) {
      const cp = cpAt(t, i, n);
      if ((charClass(cp) & mask) !== 0) break;
      i += width(cp);
    }
    return i;
  }

  /**
   * `'s|'t|'re|'ve|'m|'ll|'d` at `i` (which holds the apostrophe); case-insensitive
   * (ASCII) when `ci`. Returns the end, or -1.
   */
  function contraction(t: string, i: number, n: number, ci: boolean): number {
    if (i + 1 >= n || t.charCodeAt(i) !== 39) return -1;
    let a = t.charCodeAt(i + 1);
    if (ci && a >= 65 && a <= 90) a += 32;
    if (a === 115 || a === 116 || a === 109 || a === 100) return i + 2; // s t m d
    if (i + 2 >= n) return -1;
    let b = t.charCodeAt(i + 2);
    if (ci && b >= 65 && b <= 90) b += 32;
    if ((a === 114 && b === 101) || (a === 118 && b === 101) || (a === 108 && b === 108)) return i + 3; // re ve ll
    return -1;
  }

  /**
   * `\s*[\r\n]+|\s+(?!\S)|\s+` at `i`, which holds whitespace. (For o200k and cl100k.)
   * The first alternative ends after the last line break of the whitespace run;
   * the second ends at the run's end if that is the segment end, else one short
   * of it; the third takes the single character left.
   */
  function whitespaceWithNewlines(t: string, i: number, n: number): number {
    const j = runOf(t, i, n, S);
    for (let p = j - 1; p >= i; p--) {
      const c = t.charCodeAt(p);
      if (c === 10 || c === 13) return p + 1;
    }
    return trailingWhitespace(i, j, n);
  }

  /** `\s+(?!\S)|\s+` for a whitespace run [i, j). All \s characters are in the BMP. */
  function trailingWhitespace(i: number, j: number, n: number): number {
    if (j === n) return j;
    return j - i >= 2 ? j - 1 : j;
  }

  /**
   * cl100k_base and Llama 3 (`digits` = 3), Qwen2 (`digits` = 1):
   * `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
   */
  function makeCl100k(digits: number): Scanner {
    return (t, i, n) => {
      const c = t.charCodeAt(i);
      if (c === 39) {
        const e = contraction(t, i, n, true);
        if (e > 0) return e;
      }
      const cp = cpAt(t, i, n);
      const k = charClass(cp);
      const w = width(cp);
      if (k & LETTER) return runOf(t, i + w, n, LETTER);
      if ((k & (NUMBER | CRLF)) === 0 && i + w < n && charClass(cpAt(t, i + w, n)) & LETTER) return runOf(t, i + w, n, LETTER);
      if (k & NUMBER) {
        let j = i + w;
        for (let d = 1; d < digits && j < n; d++) {
          const q = cpAt(t, j, n);
          if ((charClass(q) & NUMBER) === 0) break;
          j += width(q);
        }
        return j;
      }
      if (k & S) {
        if (c === 32 && i + 1 < n && (charClass(cpAt(t, i + 1, n)) & (S | LETTER | NUMBER)) === 0) {
          return runOf(t, runNotOf(t, i + 1, n, S | LETTER | NUMBER), n, CRLF);
        }
        return whitespaceWithNewlines(t, i, n);
      }
      return runOf(t, runNotOf(t, i, n, S | LETTER | NUMBER), n, CRLF);
    };
  }

  const scanCl100k: Scanner = makeCl100k(3);
  const scanQwen2: Scanner = makeCl100k(1);

  /**
   * o200k_base:
   * `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?`
   * `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?`
   * `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
   */
  const scanO200k: Scanner = (t, i, n) => {
    const cp = cpAt(t, i, n);
    const k = charClass(cp);
    const w = width(cp);
    // The optional prefix [^\r\n\p{L}\p{N}] can take this character; a mark is
    // also a letter-part character, so for a mark both choices are tried, in
    // the regex's order: A with prefix, A without, B with prefix, B without.
    const canPrefix = (k & (LETTER | NUMBER | CRLF)) === 0;
    const letterStart = (k & (UPPERISH | LOWERISH)) !== 0;
    if (canPrefix || letterStart) {
      let e = -1;
      if (canPrefix) e = o200kA(t, i + w, n);
      if (e < 0 && letterStart) e = o200kA(t, i, n);
      if (e < 0 && canPrefix) e = o200kB(t, i + w, n);
      if (e < 0 && letterStart) e = o200kB(t, i, n);
      if (e >= 0) {
        const c2 = contraction(t, e, n, true);
        return c2 > 0 ? c2 : e;
      }
    }
    if (k & NUMBER) {
      let j = i + w;
      for (let d = 1; d < 3 && j < n; d++) {
        const q = cpAt(t, j, n);
        if ((charClass(q) & NUMBER) === 0) break;
        j += width(q);
      }
      return j;
    }
    if (k & S) {
      if (t.charCodeAt(i) === 32 && i + 1 < n && (charClass(cpAt(t, i + 1, n)) & (S | LETTER | NUMBER)) === 0) {
        return crlfSlashRun(t, runNotOf(t, i + 1, n, S | LETTER | NUMBER), n);
      }
      return whitespaceWithNewlines(t, i, n);
    }
    return crlfSlashRun(t, runNotOf(t, i, n, S | LETTER | NUMBER), n);
  };

  function crlfSlashRun(t: string, i: number, n: number): number {
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c !== 10 && c !== 13 && c !== 47) break;
      i++;
    }
    return i;
  }

  /**
   * `U*W+` from `s` (U = upper-ish, W = lower-ish): the greedy U* run, then W+
   * either continues with a lowercase letter after it, or (backtracking) starts
   * at the run's last lower-ish character (Lm, Lo, M), which ends the match
   * since nothing after it in the run is lower-ish. -1 if neither.
   */
  function o200kA(t: string, s: number, n: number): number {
    let u = s;
    let lastLowerEnd = -1;
    while (u < n) {
      const q = cpAt(t, u, n);
      const kq = charClass(q);
      if ((kq & UPPERISH) === 0) {
        if (kq & LOWERISH) return runOf(t, u, n, LOWERISH);
        break;
      }
      u += width(q);
      if (kq & LOWERISH) lastLowerEnd = u;
    }
    return lastLowerEnd;
  }

  /** `U+W*` from `s`; -1 if there is no upper-ish character at `s`. */
  function o200kB(t: string, s: number, n: number): number {
    if (s >= n || (charClass(cpAt(t, s, n)) & UPPERISH) === 0) return -1;
    return runOf(t, runOf(t, s, n, UPPERISH), n, LOWERISH);
  }

  /**
   * GPT-2, r50k_base and p50k_base:
   * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
   */
  const scanGpt2: Scanner = (t, i, n) => {
    const c = t.charCodeAt(i);
    if (c === 39) {
      const e = contraction(t, i, n, false);
      if (e > 0) return e;
    }
    let s = i;
    if (c === 32 && i + 1 < n) {
      const k1 = charClass(cpAt(t, i + 1, n));
      if ((k1 & S) === 0) s = i + 1;
    }
    const cp = cpAt(t, s, n);
    const k = charClass(cp);
    if (k & LETTER) return runOf(t, s, n, LETTER);
    if (k & NUMBER) return runOf(t, s, n, NUMBER);
    if ((k & S) === 0) return runNotOf(t, s, n, S | LETTER | NUMBER);
    return trailingWhitespace(i, runOf(t, i, n, S), n);
  };

  return { gpt2: scanGpt2, cl100k: scanCl100k, qwen2: scanQwen2, o200k: scanO200k };
}
