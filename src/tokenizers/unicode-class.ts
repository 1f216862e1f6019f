/**
 * Character classes used by the hand-written pre-tokenizer scanners, with the
 * same Unicode tables as JavaScript's `/u` regexes (so the scanners agree with
 * `new RegExp(pattern, 'gu')` exactly, on the Node version that runs them).
 *
 * The table is a memo of a pure function of the code point, filled on first
 * sight of each code point: no start-up cost, one byte per code point.
 */

/** \p{L} */
export const LETTER = 1;
/** \p{N} */
export const NUMBER = 2;
/** \s as JavaScript defines it */
export const SPACE = 4;
/** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k's "upper-ish") */
export const UPPERISH = 8;
/** [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k's "lower-ish") */
export const LOWERISH = 16;
/** \r or \n */
export const CRLF = 32;
/** \p{M} */
export const MARK = 64;
/** \p{White_Space}: what \s means in Oniguruma and Rust's regex (tokenizer.json, tiktoken, llama.cpp) */
export const WHITE_SPACE = 128;
/** \p{P} */
export const PUNCT = 256;
/** \p{S} */
export const SYMBOL = 512;
/** \p{Cc} or \p{Cf} */
export const CONTROL = 1024;
/** \p{Mn} */
export const NONSPACING = 2048;
const KNOWN = 1 << 15;

const table = new Uint16Array(0x110000);

const reL = /^\p{L}$/u;
const reN = /^\p{N}$/u;
const reS = /^\s$/u;
const reUp = /^[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]$/u;
const reLo = /^[\p{Ll}\p{Lm}\p{Lo}\p{M}]$/u;
const reM = /^\p{M}$/u;
const reW = /^\p{White_Space}$/u;
const reP = /^\p{P}$/u;
const reSym = /^\p{S}$/u;
const reC = /^[\p{Cc}\p{Cf}]$/u;
const reMn = /^\p{Mn}$/u;

function compute(cp: number): number {
  // Lone surrogates are category Cs: none of the classes.
  if (cp >= 0xd800 && cp < 0xe000) return KNOWN;
  const ch = String.fromCodePoint(cp);
  let k = KNOWN;
  if (reL.test(ch)) k |= LETTER;
  if (reN.test(ch)) k |= NUMBER;
  if (reS.test(ch)) k |= SPACE;
  if (reUp.test(ch)) k |= UPPERISH;
  if (reLo.test(ch)) k |= LOWERISH;
  if (reM.test(ch)) k |= MARK;
  if (reW.test(ch)) k |= WHITE_SPACE;
  if (reP.test(ch)) k |= PUNCT;
  if (reSym.test(ch)) k |= SYMBOL;
  if (reC.test(ch)) k |= CONTROL;
  if (reMn.test(ch)) k |= NONSPACING;
  if (cp === 10 || cp === 13) k |= CRLF;
  return k;
}

/** The class bits of code point `cp` (a mask of the constants above). */
export function charClass(cp: number): number {
  let k = table[cp]!;
  if (k === 0) {
    k = compute(cp);
    table[cp] = k;
  }
  return k;
}

// Fill ASCII eagerly: it is on every hot path.
for (let cp = 0; cp < 128; cp++) table[cp] = compute(cp);
