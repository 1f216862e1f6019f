/**
 * Does a support answer state the right facts? Facts are short strings as the
 * catalog or the policies write them ("$129", "1.2 kg", "30 days", "S to XL",
 * "help@tallpine.example"). Answer and fact are both reduced to normalized
 * tokens, and a fact counts as stated when its tokens occur contiguously in
 * the answer's tokens. Normalization makes the spelling of the same fact not
 * matter, but never lets one number stand for another:
 *
 * - case, punctuation and symbols such as ° are ignored;
 * - numbers compare by value: "129.00" = "129", and "129" never matches "1290";
 * - money: "$129", "129 dollars" and "129 USD" are the same token "$129";
 *   a thousands separator is dropped ("$1,299" = "$1299");
 * - a minus sign before a number is kept ("-5 °C" is not "5 °C");
 * - ranges: "3-5", "3–5" and "3 to 5" are the same.
 */
import { InvalidArgumentError } from '../../errors.js';

const TOKEN = /(?<![\p{L}\p{N}.])-(?=\d)|\$|\d+(?:\.\d+)?|[\p{L}\p{N}]+/gu;
const MONEY_WORDS = new Set(['dollars', 'dollar', 'usd']);
const isNumber = (t: string) => /^[-$]*\d/.test(t);

function canonicalNumber(s: string): string {
  return String(Number(s));
}

/** The normalized tokens of a text, as fact matching sees them. */
export function factTokens(text: string): string[] {
  const s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  const raw = s.match(TOKEN) ?? [];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if ((t === '-' || t === '$') && i + 1 < raw.length && /^\d/.test(raw[i + 1]!)) {
      out.push(t + canonicalNumber(raw[++i]!));
      continue;
    }
    if (t === '-' || t === '$') continue;
    if (/^\d/.test(t)) {
      const n = canonicalNumber(t);
      if (i + 1 < raw.length && MONEY_WORDS.has(raw[i + 1]!)) {
        out.push(`$${n}`);
        i++;
      } else out.push(n);
      continue;
    }
    out.push(t);
  }
  // "3 to 5" reads as the range "3-5".
  return out.filter((t, i) => !(t === 'to' && i > 0 && i + 1 < out.length && isNumber(out[i - 1]!) && isNumber(out[i + 1]!)));
}

function containsSeq(hay: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** True when `answer` states `fact`. */
export function factMatch(answer: string, fact: string): boolean {
  return containsSeq(factTokens(answer), factTokens(fact));
}

function checkFacts(facts: readonly string[]): void {
  if (facts.length === 0) throw new InvalidArgumentError('factRecall', 'facts', 'need at least one fact');
  for (const f of facts) if (factTokens(f).length === 0) throw new InvalidArgumentError('factRecall', 'facts', `fact '${f}' has no words or numbers to match`);
}

/** The share of `facts` that `answer` states (0..1). */
export function factRecall(answer: string, facts: readonly string[]): number {
  checkFacts(facts);
  const tokens = factTokens(answer);
  let hit = 0;
  for (const f of facts) if (containsSeq(tokens, factTokens(f))) hit++;
  return hit / facts.length;
}

/** True when `answer` states every one of `facts`: "answered with the right fact". */
export function allFactsStated(answer: string, facts: readonly string[]): boolean {
  return factRecall(answer, facts) === 1;
}
