/**
 * Shared helpers for the tokenizer tests: paths to fixtures and shared data,
 * a seeded random generator, and random strings from an alphabet chosen to hit
 * every branch of the pre-tokenizers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixtureDir = join(repoRoot, 'test', 'fixtures', 'tokenizers');
/** `<repo>/../shared/data/tokenizers` (also one level further up, for a worktree under a folder of worktrees). */
export const sharedTokenizerDir =
  [join(repoRoot, '..', 'shared', 'data', 'tokenizers'), join(repoRoot, '..', '..', 'shared', 'data', 'tokenizers')].find(existsSync) ??
  join(repoRoot, '..', 'shared', 'data', 'tokenizers');
export const hasSharedData = existsSync(sharedTokenizerDir);

export function readFixture(name: string): string {
  return readFileSync(join(fixtureDir, name), 'utf8');
}

/** mulberry32: small, seeded, good enough for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One entry per character class the pre-tokenizers care about, some repeated to weight them. */
export const TRICKY = [
  'a', 'b', 'z', 'A', 'Q', 'Ä', 'ß', 'é', 'ǅ', 'ʰ', '中', 'あ', 'ก', '\u0301', '\u0903', '\u20dd',
  '0', '7', '٣', '½', 'Ⅻ', '²', ' ', ' ', ' ', '  ', '\t', '\n', '\r', '\r\n', '\u00a0', '\u2003',
  '\u3000', '\ufeff', '\u0085', '\u2028', '\u000b', "'", "'s", "'S", "'re", "'LL", "'ve", "'d", "'x",
  '/', '//', '.', ',', '!', '?', '-', '_', '(', ')', '{', '"', '`', '$', '€', '😀', '👍🏽', '\u200d',
  '𝐀', '𝐚', '𠀀', '🇩🇪', 'ü', 'Ü', 'Ω', 'ω', 'x', 'y', 'The', 'hello', ' world', 'ŉ',
];

export function randomString(rand: () => number, len: number, alphabet: readonly string[] = TRICKY): string {
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}
