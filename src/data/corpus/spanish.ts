/**
 * Spanish morphology for the corpus: articles, determiners, adjective
 * agreement, numbers and the small spelling rules (y -> e, decimal comma)
 * that a translation must get right.
 */

export type Gender = 'm' | 'f';
export type GNumber = 'sg' | 'pl';

/** The four agreement forms of a Spanish adjective or participle. */
export interface EsForms {
  readonly msg: string;
  readonly fsg: string;
  readonly mpl: string;
  readonly fpl: string;
}

const UNSTRESS: Record<string, string> = { á: 'a', é: 'e', í: 'i', ó: 'o', ú: 'u' };

/**
 * Plural of a Spanish word by the regular rules: vowel + s; consonant + es;
 * z -> ces; a stressed final syllable in -n/-s loses its written accent
 * (marrón -> marrones, inglés -> ingleses); words of two or more syllables
 * ending in an unstressed -s do not change (lunes, miércoles).
 */
export function esPlural(word: string): string {
  const last = word[word.length - 1]!;
  if ('aeiouáéó'.includes(last)) return word + 's';
  if (last === 'z') return word.slice(0, -1) + 'ces';
  const m = /([áéíóú])([ns])$/.exec(word);
  if (m) return word.slice(0, -2) + UNSTRESS[m[1]!]! + m[2]! + 'es';
  if (last === 's' && syllables(word) > 1) return word;
  return word + 'es';
}

/** Vowel groups, a close enough syllable count for the plural rule. */
function syllables(word: string): number {
  return (word.match(/[aeiouáéíóúü]+/g) ?? []).length;
}

/**
 * Agreement forms from the masculine singular: -o adjectives have four forms
 * (rojo roja rojos rojas); -e and consonant-final ones only vary in number
 * (verde verdes, azul azules, gris grises, marrón marrones).
 */
export function esAdj(msg: string): EsForms {
  if (msg.endsWith('o')) {
    const stem = msg.slice(0, -1);
    return { msg, fsg: stem + 'a', mpl: stem + 'os', fpl: stem + 'as' };
  }
  const pl = esPlural(msg);
  return { msg, fsg: msg, mpl: pl, fpl: pl };
}

/** Agreement for a phrase whose head word inflects and the rest stays (fácil de usar -> fáciles de usar). */
export function esAdjPhrase(head: string, rest: string, headFirst = true): EsForms {
  const f = esAdj(head);
  const join = (w: string) => (headFirst ? `${w} ${rest}` : `${rest} ${w}`);
  return { msg: join(f.msg), fsg: join(f.fsg), mpl: join(f.mpl), fpl: join(f.fpl) };
}

export function agree(forms: EsForms, g: Gender, n: GNumber): string {
  if (n === 'sg') return g === 'm' ? forms.msg : forms.fsg;
  return g === 'm' ? forms.mpl : forms.fpl;
}

export type EsDet = 'def' | 'indef' | 'this' | 'my' | 'our' | 'your';

const DETS: Record<EsDet, EsForms> = {
  def: { msg: 'el', fsg: 'la', mpl: 'los', fpl: 'las' },
  indef: { msg: 'un', fsg: 'una', mpl: 'unos', fpl: 'unas' },
  this: { msg: 'este', fsg: 'esta', mpl: 'estos', fpl: 'estas' },
  my: { msg: 'mi', fsg: 'mi', mpl: 'mis', fpl: 'mis' },
  our: { msg: 'nuestro', fsg: 'nuestra', mpl: 'nuestros', fpl: 'nuestras' },
  your: { msg: 'su', fsg: 'su', mpl: 'sus', fpl: 'sus' },
};

export function esDet(det: EsDet, g: Gender, n: GNumber): string {
  return agree(DETS[det], g, n);
}

/** Direct-object clitic: lo, la, los, las. */
export function esClitic(g: Gender, n: GNumber): string {
  return agree({ msg: 'lo', fsg: 'la', mpl: 'los', fpl: 'las' }, g, n);
}

const ES_NUMBERS = ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez', 'once', 'doce'];

/** A cardinal before a noun: "un"/"una" for 1 (uno apocopates), words up to 12, digits above. */
export function esCount(n: number, g: Gender): string {
  if (n === 1) return g === 'm' ? 'un' : 'una';
  return n < ES_NUMBERS.length ? ES_NUMBERS[n]! : String(n);
}

/** "y" becomes "e" before a word starting with the sound /i/ (i-, hi- but not hie-). */
export function esAnd(next: string): string {
  const w = next.toLowerCase();
  return /^(i|í|hi(?!e))/.test(w) ? 'e' : 'y';
}

/** Joins a list with commas and a final y/e: "rojo, verde y azul", "ligera e impermeable". */
export function esList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  const last = items[items.length - 1]!;
  return `${items.slice(0, -1).join(', ')} ${esAnd(last)} ${last}`;
}

/** Spanish decimal notation: 1.2 -> "1,2". */
export function esDecimal(x: number): string {
  return String(x).replace('.', ',');
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
