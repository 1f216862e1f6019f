/**
 * A small checker of Spanish agreement, used to test the generator's Spanish.
 *
 * It knows the nouns' genders (the lexicon's nouns plus a few the templates
 * use) and judges everything else from the word forms themselves, by endings:
 * determiners by their own table, adjectives and participles by -o/-a/-os/-as/-es,
 * verbs by es/son, está/están, fue/fueron. So it does not reuse the generator's
 * inflection tables: a wrong table entry ("la tienda rojo") is caught.
 *
 * Checked: determiner-noun, noun-adjective (attributive), copula-subject number,
 * subject-predicate adjective (es/está/fue/resulta + degree words + adjective,
 * coordinated with y/e/pero), determiner-adjective in elliptical phrases
 * ("que la negra"), and the y -> e rule before an /i/ sound.
 */
import { ADJECTIVES, CATEGORIES, COLORS } from './lexicon.js';
import type { Gender, GNumber } from './spanish.js';

export interface AgreementReport {
  /** How many agreement relations were checked. */
  readonly checks: number;
  readonly errors: readonly string[];
}

interface Feats {
  readonly g: Gender | null;
  readonly n: GNumber;
}

const DETERMINERS: Record<string, Feats> = {
  el: { g: 'm', n: 'sg' }, la: { g: 'f', n: 'sg' }, los: { g: 'm', n: 'pl' }, las: { g: 'f', n: 'pl' },
  un: { g: 'm', n: 'sg' }, una: { g: 'f', n: 'sg' }, unos: { g: 'm', n: 'pl' }, unas: { g: 'f', n: 'pl' },
  este: { g: 'm', n: 'sg' }, esta: { g: 'f', n: 'sg' }, estos: { g: 'm', n: 'pl' }, estas: { g: 'f', n: 'pl' },
  nuestro: { g: 'm', n: 'sg' }, nuestra: { g: 'f', n: 'sg' }, nuestros: { g: 'm', n: 'pl' }, nuestras: { g: 'f', n: 'pl' },
  mi: { g: null, n: 'sg' }, mis: { g: null, n: 'pl' }, su: { g: null, n: 'sg' }, sus: { g: null, n: 'pl' },
  dos: { g: null, n: 'pl' }, tres: { g: null, n: 'pl' }, cuatro: { g: null, n: 'pl' }, cinco: { g: null, n: 'pl' },
  seis: { g: null, n: 'pl' }, siete: { g: null, n: 'pl' }, ocho: { g: null, n: 'pl' }, nueve: { g: null, n: 'pl' },
  diez: { g: null, n: 'pl' }, once: { g: null, n: 'pl' }, doce: { g: null, n: 'pl' },
};

/** Noun forms (possibly several words) with gender and number. */
const NOUNS = new Map<string, Feats>();
for (const c of CATEGORIES) {
  NOUNS.set(c.es.pl, { g: c.es.g, n: 'pl' });
  if (!c.pluralOnly) NOUNS.set(c.es.sg, { g: c.es.g, n: 'sg' });
}
for (const [w, g, n] of [
  ['semana', 'f', 'sg'], ['mes', 'm', 'sg'], ['caminata', 'f', 'sg'], ['viaje', 'm', 'sg'], ['pedidos', 'm', 'pl'],
  ['garantía', 'f', 'sg'], ['envío', 'm', 'sg'], ['tarjetas regalo', 'f', 'pl'], ['par', 'm', 'sg'], ['pares', 'm', 'pl'],
] as const) NOUNS.set(w, { g, n });
const MAX_NOUN_WORDS = Math.max(...[...NOUNS.keys()].map((k) => k.split(' ').length));

/** Words that inflect like adjectives: every form of the lexicon's adjectives and colors, and the participles. */
const ADJ_WORDS = new Set<string>();
for (const f of [...ADJECTIVES.map((a) => a.es), ...COLORS.map((c) => c.es)]) {
  for (const form of [f.msg, f.fsg, f.mpl, f.fpl]) ADJ_WORDS.add(form.split(' ').find((w) => w !== 'bien' && w !== 'mal')!);
}
for (const stem of ['hech', 'enviad', 'entregad', 'devuelt', 'reparad', 'probad', 'lavad', 'vendid', 'empaquetad', 'agotad', 'pasad', 'larg', 'próxim', 'gratuit']) {
  for (const end of ['o', 'a', 'os', 'as']) ADJ_WORDS.add(stem + end);
}
for (const w of ['disponible', 'disponibles', 'plegable', 'plegables', 'frontal', 'frontales', 'polar', 'polares']) ADJ_WORDS.add(w);

const COPULAS: Record<string, GNumber> = {
  es: 'sg', son: 'pl', está: 'sg', están: 'pl', fue: 'sg', fueron: 'pl', resulta: 'sg', resultan: 'pl',
};
const DEGREE_WORDS = new Set(['muy', 'bastante', 'realmente', 'extremadamente', 'increíblemente', 'ligeramente', 'nada', 'más', 'demasiado', 'bien', 'mal', 'tan']);

/** Gender and number read from an adjective's ending alone. */
export function inflectionOf(word: string): Feats {
  if (word.endsWith('os')) return { g: 'm', n: 'pl' };
  if (word.endsWith('as')) return { g: 'f', n: 'pl' };
  if (word.endsWith('es')) return { g: null, n: 'pl' };
  if (word.endsWith('o')) return { g: 'm', n: 'sg' };
  if (word.endsWith('a')) return { g: 'f', n: 'sg' };
  return { g: null, n: 'sg' };
}

const fmt = (f: Feats) => `${f.g ?? '*'} ${f.n}`;
const agrees = (a: Feats, b: Feats) => a.n === b.n && (a.g === null || b.g === null || a.g === b.g);

interface Token {
  readonly raw: string;
  readonly w: string;
  /** Punctuation follows: a phrase does not continue past this token. */
  readonly end: boolean;
}

function tokenize(sentence: string): Token[] {
  const out: Token[] = [];
  for (const piece of sentence.split(/\s+/)) {
    const raw = piece.replace(/^[¿¡("]+|[?!.,;:)"]+$/g, '');
    if (raw.length === 0) continue;
    out.push({ raw, w: raw.toLowerCase(), end: /[?!.,;:)"]$/.test(piece) });
  }
  return out;
}

/** Checks one Spanish sentence (or a short text of several). */
export function checkSpanishAgreement(text: string): AgreementReport {
  const t = tokenize(text);
  const errors: string[] = [];
  let checks = 0;
  const expect = (ok: boolean, what: string) => {
    checks++;
    if (!ok) errors.push(what);
  };

  /** The y -> e rule for a conjunction at position i. */
  const checkConj = (i: number) => {
    const w = t[i]!.w;
    const next = t[i + 1]?.w;
    if ((w !== 'y' && w !== 'e') || next === undefined) return;
    const iSound = /^(i|í|hi(?!e))/.test(next);
    expect(iSound === (w === 'e'), `'${w} ${next}': use '${iSound ? 'e' : 'y'}' before '${next}'`);
  };

  const nounAt = (i: number): { feats: Feats; len: number; form: string } | null => {
    for (let len = Math.min(MAX_NOUN_WORDS, t.length - i); len >= 1; len--) {
      const form = t.slice(i, i + len).map((x) => x.w).join(' ');
      const feats = NOUNS.get(form);
      if (feats) return { feats, len, form };
    }
    return null;
  };

  /** Adjectives (and degree words) after position i agreeing with `np`; returns the next index. */
  const adjectivesFrom = (i: number, np: Feats, label: string): number => {
    while (i < t.length) {
      const w = t[i]!.w;
      if (DEGREE_WORDS.has(w)) {
        if (t[i]!.end) return i + 1;
        i++;
        continue;
      }
      if (w === 'un' && t[i + 1]?.w === 'poco') {
        i += 2;
        continue;
      }
      if (!ADJ_WORDS.has(w)) break;
      const f = inflectionOf(w);
      expect(agrees(f, np), `'${label} ... ${w}': adjective '${w}' (${fmt(f)}) does not agree with ${fmt(np)}`);
      if (t[i]!.end) return i + 1;
      i++;
      // "fácil de usar", "hecho de": the complement is not an adjective of this phrase.
      if (t[i]?.w === 'de' && (t[i + 1]?.w === 'usar')) i += 2;
      if (t[i] && (t[i]!.w === 'y' || t[i]!.w === 'e' || t[i]!.w === 'pero')) {
        checkConj(i);
        const after = t[i + 1]?.w === 'no' ? i + 2 : i + 1;
        const cop = t[after]?.w;
        if (cop !== undefined && COPULAS[cop] !== undefined) {
          expect(COPULAS[cop] === np.n, `'${label} ... ${cop}': verb number ${COPULAS[cop]} does not agree with ${fmt(np)}`);
          i = after + 1;
        } else if (t[after] && (ADJ_WORDS.has(t[after]!.w) || DEGREE_WORDS.has(t[after]!.w))) i = after;
      }
    }
    return i;
  };

  /** After a subject noun phrase: [no] copula [degree] adjective ... */
  const predicateFrom = (i: number, np: Feats, label: string): number => {
    if (i > 0 && t[i - 1]!.end) return i;
    let j = i;
    if (t[j]?.w === 'no') j++;
    const cop = t[j]?.w;
    if (cop === undefined || COPULAS[cop] === undefined) return i;
    expect(COPULAS[cop] === np.n, `'${label} ${cop}': verb number ${COPULAS[cop]} does not agree with ${fmt(np)}`);
    const next = t[j + 1]?.w;
    // "es una mochila": a predicate noun phrase, checked on its own by the main loop.
    if (next !== undefined && DETERMINERS[next] !== undefined && next !== 'un') return j + 1;
    return adjectivesFrom(j + 1, np, label);
  };

  for (let i = 0; i < t.length; ) {
    const w = t[i]!.w;
    if (w === 'y' || w === 'e') {
      checkConj(i);
      i++;
      continue;
    }
    const det = DETERMINERS[w];
    const start = det ? i + 1 : i;
    const noun = nounAt(start);
    if (!noun) {
      if (det && t[start] && ADJ_WORDS.has(t[start]!.w) && !DEGREE_WORDS.has(t[start]!.w)) {
        // Elliptical phrase: "que la negra".
        const f = inflectionOf(t[start]!.w);
        expect(agrees(f, det), `'${w} ${t[start]!.w}': determiner (${fmt(det)}) and adjective (${fmt(f)}) disagree`);
        i = start + 1;
        continue;
      }
      i++;
      continue;
    }
    const label = t.slice(i, start + noun.len).map((x) => x.w).join(' ');
    const nounEnd = start + noun.len - 1;
    if (det) expect(agrees(det, noun.feats), `'${label}': determiner '${w}' (${fmt(det)}) does not agree with '${noun.form}' (${fmt(noun.feats)})`);
    const np: Feats = { g: noun.feats.g, n: noun.feats.n };
    let j = start + noun.len;
    if (t[nounEnd]!.end) {
      i = j;
      continue;
    }
    // A product name after the noun: capitalized words, then "de Brand".
    while (j < t.length && /^[A-Z0-9]/.test(t[j]!.raw) && !NOUNS.has(t[j]!.w) && !t[j - 1]!.end) j++;
    if (!t[j - 1]!.end && t[j]?.w === 'de' && t[j + 1] && /^[A-Z]/.test(t[j + 1]!.raw)) j += 2;
    j = adjectivesFrom(j, np, label);
    // A relative clause "que compré el lunes": the predicate follows it.
    if (!t[j - 1]?.end && t[j]?.w === 'que' && t[j + 1]?.w === 'compré') {
      let k = j + 2;
      while (k < t.length && k < j + 7 && COPULAS[t[k]!.w] === undefined && t[k]!.w !== 'no') k++;
      j = k;
    }
    j = predicateFrom(j, np, label);
    i = Math.max(j, i + 1);
  }
  return { checks, errors };
}
