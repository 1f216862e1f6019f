/** English surface helpers for the corpus: articles, lists, numbers, verb agreement. */

/** "a" or "an" by the sound of the next word (vowel letters, with the few exceptions our lexicon has). */
export function aOrAn(next: string): string {
  const w = next.toLowerCase();
  if (/^(u[bcfhjkmnprstvwxyz][aeiou]|one|eu)/.test(w)) return 'a'; // a useful, a one-person
  if (/^(hour|honest|[aeiou])/.test(w) || /^(8|11|18)(\D|$)|^8\d/.test(w)) return 'an'; // an 8-liter, an 11-liter, an 80-liter
  return 'a';
}

export function withArticle(phrase: string): string {
  return `${aOrAn(phrase)} ${phrase}`;
}

/** "red, green and blue" (no serial comma; the corpus uses one style throughout). */
export function enList(items: readonly string[], conj = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conj} ${items[items.length - 1]}`;
}

const EN_NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** A cardinal before a noun: words up to twelve, digits above. */
export function enCount(n: number): string {
  return n < EN_NUMBERS.length ? EN_NUMBERS[n]! : String(n);
}

/** Present-tense verb agreeing with a singular or plural subject: be -> is/are, cost -> costs/cost. */
export function enVerb(lemma: string, plural: boolean): string {
  if (lemma === 'be') return plural ? 'are' : 'is';
  if (lemma === 'have') return plural ? 'have' : 'has';
  if (lemma === 'do') return plural ? 'do' : 'does';
  if (plural) return lemma;
  if (/(s|sh|ch|x|z)$/.test(lemma)) return lemma + 'es';
  if (/[^aeiou]y$/.test(lemma)) return lemma.slice(0, -1) + 'ies';
  return lemma + 's';
}

/** Past of "be": was / were. */
export function enWas(plural: boolean): string {
  return plural ? 'were' : 'was';
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** Money as the corpus writes it: $129, $24.95 (cents kept only when non-zero). */
export function formatUsd(cents: number): string {
  const dollars = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest === 0 ? `$${dollars}` : `$${dollars}.${String(rest).padStart(2, '0')}`;
}
