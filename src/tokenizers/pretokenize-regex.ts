/**
 * Pre-tokenization patterns: the known ones (with their fast scanners) and a
 * translation of the Oniguruma-style patterns found in tokenizer files into
 * JavaScript `RegExp` syntax.
 */
import { InvalidArgumentError } from '../errors.js';
import { makeScanners, type Scanner, type WhitespaceFlavor } from './pretokenize-scanners.js';

const C = `(?i:'s|'t|'re|'ve|'m|'ll|'d)`;

/** The pre-tokenization regexes of the known encodings, as tiktoken writes them. */
export const PATTERNS = {
  gpt2: `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`,
  cl100k: `${C}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  qwen2: `${C}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  o200k: [
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${C}?`,
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${C}?`,
    `\\p{N}{1,3}`,
    ` ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*`,
    `\\s*[\\r\\n]+`,
    `\\s+(?!\\S)`,
    `\\s+`,
  ].join('|'),
} as const;

export type KnownPattern = keyof typeof PATTERNS;

const SCANNERS: Record<WhitespaceFlavor, Record<KnownPattern, Scanner>> = { unicode: makeScanners('unicode'), js: makeScanners('js') };

/**
 * Canonical form for comparing patterns: the case-insensitive contraction
 * group spelled out (`'s|'S|...`, as js-tiktoken writes it) becomes `(?i:...)`,
 * and a capturing group around it becomes the non-capturing form.
 */
function canonical(p: string): string {
  return p
    .replace(/\('s\|'S\|'t\|'T\|'re\|'rE\|'Re\|'RE\|'ve\|'vE\|'Ve\|'VE\|'m\|'M\|'ll\|'lL\|'Ll\|'LL\|'d\|'D\)/g, C)
    .replace(/^'s\|'S\|'t\|'T\|'re\|'rE\|'Re\|'RE\|'ve\|'vE\|'Ve\|'VE\|'m\|'M\|'ll\|'lL\|'Ll\|'LL\|'d\|'D\|/, `${C}|`)
    .replace(/\(\?:'s\|'t\|'re\|'ve\|'m\|'ll\|'d\)/g, `'s|'t|'re|'ve|'m|'ll|'d`);
}

/** The known pattern that `pattern` spells, if any. */
export function knownPattern(pattern: string): KnownPattern | undefined {
  const c = canonical(pattern);
  for (const [name, p] of Object.entries(PATTERNS) as [KnownPattern, string][]) if (canonical(p) === c) return name;
  return undefined;
}

/** The fast scanner for a pattern, when it is one of the known ones. */
export function scannerFor(pattern: string, flavor: WhitespaceFlavor = 'unicode'): Scanner | undefined {
  const k = knownPattern(pattern);
  return k ? SCANNERS[flavor][k] : undefined;
}

/**
 * Translates an Oniguruma-style pattern (as in tokenizer.json and tiktoken) to
 * a JavaScript `RegExp` with flags `gu`: `(?i:...)` groups, which Node 20 lacks,
 * become explicit `[xX]` alternatives; `\A`/`\z` become `^`/`$`; with the
 * 'unicode' flavor `\s`/`\S` become `\p{White_Space}`/`\P{White_Space}` as in Oniguruma.
 */
export function toJsRegExp(pattern: string, where = 'pattern', flavor: WhitespaceFlavor = 'unicode'): RegExp {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('(?i:', i)) {
      const end = groupEnd(pattern, i);
      out += '(?:' + caseFold(toJsRegExp(pattern.slice(i + 4, end), where, flavor).source) + ')';
      i = end + 1;
    } else if (pattern[i] === '\\' && i + 1 < pattern.length) {
      const e = pattern[i + 1]!;
      if (e === 'A') out += '^';
      else if (e === 'z') out += '$';
      else if (flavor === 'unicode' && e === 's') out += '\\p{White_Space}';
      else if (flavor === 'unicode' && e === 'S') out += '\\P{White_Space}';
      else out += pattern.slice(i, i + 2);
      i += 2;
    } else {
      out += pattern[i];
      i++;
    }
  }
  try {
    return new RegExp(out, 'gu');
  } catch (e) {
    throw new InvalidArgumentError('tokenizer', where, `cannot compile regex ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

function groupEnd(p: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return p.length - 1;
}

/** ASCII letters outside escapes become [xX] (inside a class: both cases). */
function caseFold(s: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      // Copy escapes whole, including \p{...} property names.
      const m = /^\\[pP]\{[^}]*\}/.exec(s.slice(i));
      const len = m ? m[0].length : 2;
      out += s.slice(i, i + len);
      i += len - 1;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (/[a-zA-Z]/.test(c)) {
      const both = c.toLowerCase() + c.toUpperCase();
      out += inClass ? both : `[${both}]`;
    } else out += c;
  }
  return out;
}

/** Splits `text` into the pieces the pattern matches (the gaps, if any, become pieces too). */
export function splitWithRegExp(re: RegExp, text: string, out: string[]): void {
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
}
