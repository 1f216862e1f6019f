/**
 * Bilingual noun phrases and predicates: one semantic description rendered in
 * English and in Spanish, with Spanish determiners and adjectives agreeing in
 * gender and number with the noun. Translation pairs and reviews are built
 * from these.
 */
import { aOrAn } from './english.js';
import type { Adjective, Category, Color } from './lexicon.js';
import { enFullName, esFullName } from './product-text.js';
import { agree, esDet, type EsDet, type Gender, type GNumber } from './spanish.js';
import type { Product } from './world.js';

export type Det = 'the' | 'this' | 'my' | 'our' | 'your' | 'a';

export interface NounPhrase {
  readonly cat: Category;
  readonly plural: boolean;
  readonly det: Det;
  readonly color?: Color;
  /** A neutral descriptive adjective (new, old, small, large); never together with a color. */
  readonly adj?: Adjective;
  /** A named product: "the Alderpeak Torvik backpack"; then no color or adjective. */
  readonly product?: Product;
}

export function npPlural(np: NounPhrase): boolean {
  return np.plural || np.cat.pluralOnly;
}

export function npGender(np: NounPhrase): Gender {
  return np.cat.es.g;
}

export function npNumber(np: NounPhrase): GNumber {
  return npPlural(np) ? 'pl' : 'sg';
}

const EN_DET: Record<Det, [string, string]> = {
  the: ['the', 'the'],
  this: ['this', 'these'],
  my: ['my', 'my'],
  our: ['our', 'our'],
  your: ['your', 'your'],
  a: ['a', 'some'],
};

const ES_DET: Record<Det, EsDet> = { the: 'def', this: 'this', my: 'my', our: 'our', your: 'your', a: 'indef' };

/** "the red tent", "these gray boots", "my new jacket", "the Alderpeak Torvik backpack". */
export function npEn(np: NounPhrase): string {
  const pl = npPlural(np);
  if (np.product) return `the ${enFullName(np.product)}`;
  const noun = pl ? np.cat.en.pl : np.cat.en.sg;
  const mods = [np.adj?.en, np.color?.en].filter((x) => x !== undefined).join(' ');
  const body = mods ? `${mods} ${noun}` : noun;
  const det = EN_DET[np.det][pl ? 1 : 0];
  return `${det === 'a' ? aOrAn(body) : det} ${body}`;
}

/** "la tienda roja", "estas botas grises", "mi chaqueta nueva", "la mochila Torvik de Alderpeak". */
export function npEs(np: NounPhrase): string {
  const g = npGender(np);
  const n = npNumber(np);
  const det = esDet(ES_DET[np.det], g, n);
  if (np.product) return `${esDet('def', g, n)} ${esFullName(np.product)}`;
  const noun = n === 'pl' ? np.cat.es.pl : np.cat.es.sg;
  const mods = [np.color ? agree(np.color.es, g, n) : undefined, np.adj ? agree(np.adj.es, g, n) : undefined].filter((x) => x !== undefined);
  return [det, noun, ...mods].join(' ');
}

/** Degree words before an adjective, with their weight in the review semantics. */
export interface Degree {
  readonly id: string;
  readonly en: string;
  readonly es: string;
  /** Multiplier of the adjective's polarity: 2 for "very", 0.5 for "a bit". */
  readonly weight: number;
  /** Downtoners only read naturally before negative adjectives ("a bit heavy"). */
  readonly negOnly?: boolean;
}

export const DEGREES: readonly Degree[] = [
  { id: 'plain', en: '', es: '', weight: 1 },
  { id: 'quite', en: 'quite', es: 'bastante', weight: 1 },
  { id: 'very', en: 'very', es: 'muy', weight: 2 },
  { id: 'really', en: 'really', es: 'realmente', weight: 2 },
  { id: 'extremely', en: 'extremely', es: 'extremadamente', weight: 3 },
  { id: 'incredibly', en: 'incredibly', es: 'increíblemente', weight: 3 },
  { id: 'abit', en: 'a bit', es: 'un poco', weight: 0.5, negOnly: true },
  { id: 'slightly', en: 'slightly', es: 'ligeramente', weight: 0.5, negOnly: true },
];

export const DEGREE_BY_ID: ReadonlyMap<string, Degree> = new Map(DEGREES.map((d) => [d.id, d]));

/** Negation of a predicate adjective. */
export type Negation = 'none' | 'not' | 'notvery' | 'notatall';

/** An adjective predicate: degree, negation, agreement. */
export interface AdjPred {
  readonly adj: Adjective;
  readonly degree: Degree;
  readonly neg: Negation;
}

/** English predicate after the verb: "very light", "not very comfortable", "not waterproof at all". */
export function adjPredEn(p: AdjPred): string {
  switch (p.neg) {
    case 'not':
      return `not ${p.adj.en}`;
    case 'notvery':
      return `not very ${p.adj.en}`;
    case 'notatall':
      return `not ${p.adj.en} at all`;
    case 'none':
      return p.degree.en ? `${p.degree.en} ${p.adj.en}` : p.adj.en;
  }
}

/** Spanish adjective with its degree word, agreeing (negation goes before the verb, see `copulaEs`). */
export function adjPredEs(p: AdjPred, g: Gender, n: GNumber): string {
  const a = agree(p.adj.es, g, n);
  switch (p.neg) {
    case 'not':
      return a;
    case 'notvery':
      return `muy ${a}`;
    case 'notatall':
      return `nada ${a}`;
    case 'none':
      return p.degree.es ? `${p.degree.es} ${a}` : a;
  }
}

/** "es"/"son" ("está"/"están" for estar adjectives), with "no" when negated. */
export function copulaEs(n: GNumber, negated: boolean, adj?: Adjective): string {
  const v = adj?.estar ? (n === 'pl' ? 'están' : 'está') : n === 'pl' ? 'son' : 'es';
  return negated ? `no ${v}` : v;
}

/** Degrees that read naturally before `adj`: downtoners only before one-word negative adjectives. */
export function degreesFor(adj: Adjective): Degree[] {
  return DEGREES.filter((d) => !d.negOnly || (adj.polarity < 0 && !adj.en.includes(' ')));
}

/** The value of an opinion in the review semantics: polarity x degree, flipped and scaled by negation. */
export function adjPredValue(p: AdjPred): number {
  const base = p.adj.polarity;
  switch (p.neg) {
    case 'none':
      return base * p.degree.weight;
    case 'not':
      return -base;
    case 'notvery':
      return -base * 0.5;
    case 'notatall':
      return -base * 2;
  }
}
