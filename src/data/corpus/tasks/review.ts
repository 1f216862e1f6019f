/**
 * Product reviews with compositional sentiment. A review is built as a
 * meaning first (opinions, each an adjective with a degree and maybe a
 * negation, plus an optional verdict) and only then written out in English or
 * Spanish. Its label comes from that meaning, never from chance:
 *
 *   value(opinion) = polarity(adj) x degree      (very 2, extremely 3, a bit 0.5)
 *   value("not A") = -polarity(A), value("not very A") = -0.5 polarity(A),
 *   value("not A at all") = -2 polarity(A)
 *   score = sum of opinion values
 *   label = the verdict's sign when the review ends with a verdict
 *           (I love it +, I would not buy it again -, It is okay 0),
 *           otherwise positive if score > 0, negative if score < 0, neutral if 0
 *
 * "but" and "however" join opinions of opposite sign; they do not change the
 * score. Neutral reviews are the balanced ones, the purely factual ones, and
 * the ones whose verdict is "okay".
 */
import { capitalize, enVerb } from '../english.js';
import { ADJ_BY_ID, DAYS, type Adjective, type Color } from '../lexicon.js';
import { DEGREES, adjPredEn, adjPredEs, adjPredValue, copulaEs, degreesFor, type AdjPred } from '../phrases.js';
import { enFullName, esFullNameWithDet, esNumber, isPlural, weightEn, weightEs } from '../product-text.js';
import type { Sentiment } from '../record.js';
import type { Scope, TemplateInfo } from '../scope.js';
import { capitalize as esCap, esAnd, esClitic, esDet, type Gender, type GNumber } from '../spanish.js';
import type { Product } from '../world.js';

export interface Verdict {
  readonly id: 'love' | 'recommend' | 'again' | 'highly' | 'returning' | 'worth' | 'okay';
  readonly negated: boolean;
}

const VERDICT_VALUES: Record<Verdict['id'], [number, number | null]> = {
  // [value, value when negated (null: no negated form)]
  love: [2, null],
  recommend: [1, -1],
  again: [1, -1],
  highly: [2, null],
  returning: [-2, null],
  worth: [2, -2],
  okay: [0, null],
};

export function verdictValue(v: Verdict): number {
  const [plain, neg] = VERDICT_VALUES[v.id];
  return v.negated ? neg! : plain;
}

/** A review's meaning: everything its text and its label are derived from. */
export interface ReviewMeaning {
  readonly product: Product;
  readonly lang: 'en' | 'es';
  readonly opener: TemplateInfo | null;
  readonly opinions: readonly AdjPred[];
  /** Clause template per opinion sentence. */
  readonly clause: TemplateInfo;
  /** Opinions after index i start a new sentence when breaks[i] is true. */
  readonly breaks: readonly boolean[];
  readonly fact: 'arrived' | 'color' | 'weight' | null;
  readonly verdict: Verdict | null;
  /** The product color a gift opener or a color fact mentions. */
  readonly color: Color;
}

/** The sum of the opinions' values (the verdict is not part of it). */
export function reviewScore(m: Pick<ReviewMeaning, 'opinions'>): number {
  let s = 0;
  for (const o of m.opinions) s += adjPredValue(o);
  return s;
}

/** The label of a review's meaning: the verdict decides when there is one, else the opinions' sum. */
export function reviewLabel(m: Pick<ReviewMeaning, 'opinions' | 'verdict'>): Sentiment {
  const s = m.verdict ? verdictValue(m.verdict) : reviewScore(m);
  return s > 0 ? 'positive' : s < 0 ? 'negative' : 'neutral';
}

export const OPENERS: readonly TemplateInfo[] = [
  { id: 'review.open.bought' },
  { id: 'review.open.used' },
  { id: 'review.open.gift' },
  { id: 'review.open.trip', heldOut: true, signatures: ['on a trip to the coast', 'de viaje a la costa'] },
];

export const CLAUSES: readonly TemplateInfo[] = [
  { id: 'review.clause.is', weight: 3 },
  { id: 'review.clause.think' },
  { id: 'review.clause.feels' },
  { id: 'review.clause.honestly', heldOut: true, signatures: ['Honestly,', 'Sinceramente,'] },
];

/** Draws a review meaning; `target` steers the draw (rejection sampling) but the label is always recomputed. */
export function drawReview(scope: Scope, lang: 'en' | 'es', target: Sentiment): ReviewMeaning {
  const before = scope.checkpoint();
  let m = drawOnce(scope, lang);
  for (let i = 0; i < 60 && reviewLabel(m) !== target; i++) {
    // A rejected draw must not leave its held-out items in the record's list.
    scope.restore(before);
    m = drawOnce(scope, lang);
  }
  return m;
}

function drawOnce(scope: Scope, lang: 'en' | 'es'): ReviewMeaning {
  const rng = scope.rng;
  const product = scope.product();
  const count = rng.weighted([[0, 1], [1, 4], [2, 4], [3, 2]] as const);
  const pool = product.category.adjectives.map((id) => ADJ_BY_ID.get(id)!).filter((a) => a.polarity !== 0);
  const opinions: AdjPred[] = [];
  const dims = new Set<string>();
  for (let i = 0; i < count; i++) {
    const free = pool.filter((a) => !dims.has(a.dim));
    if (free.length === 0) break;
    const adj = rng.pick(free);
    dims.add(adj.dim);
    opinions.push(drawPred(scope, adj));
  }
  const verdict = rng.chance(0.5) ? drawVerdict(scope, Math.sign(reviewScore({ opinions }))) : null;
  const color = rng.pick(product.colors);
  scope.noteColors(product.category, [color]);
  return {
    color,
    product,
    lang,
    opener: rng.chance(0.6) || opinions.length === 0 ? scope.template(OPENERS) : null,
    opinions,
    clause: scope.template(CLAUSES),
    breaks: opinions.map(() => rng.chance(0.35)),
    fact: rng.chance(0.3) || opinions.length === 0 ? rng.pick(['arrived', 'color', 'weight'] as const) : null,
    verdict,
  };
}

const ALL_VERDICTS: readonly Verdict[] = (Object.keys(VERDICT_VALUES) as Verdict['id'][]).flatMap((id) =>
  VERDICT_VALUES[id][1] === null ? [{ id, negated: false }] : [{ id, negated: false }, { id, negated: true }],
);

/** Mostly a verdict that agrees with the opinions (okay for balanced ones); sometimes any verdict, which then decides. */
function drawVerdict(scope: Scope, opinionSign: number): Verdict {
  const rng = scope.rng;
  if (rng.chance(0.15)) return rng.pick(ALL_VERDICTS);
  return rng.pick(ALL_VERDICTS.filter((v) => Math.sign(verdictValue(v)) === opinionSign));
}

function drawPred(scope: Scope, adj: Adjective): AdjPred {
  const rng = scope.rng;
  // "not very poorly made" does not read well: graded negation only for one-word adjectives.
  const graded = !adj.en.includes(' ');
  const neg = rng.weighted([['none', 5], ['not', 3], ['notvery', graded ? 1 : 0], ['notatall', graded ? 1 : 0]] as const);
  return { adj, degree: neg === 'none' ? rng.pick(degreesFor(adj)) : DEGREES[0]!, neg };
}

const sign = (p: AdjPred) => Math.sign(adjPredValue(p));

/** Groups opinions into sentences: a new sentence starts where `breaks` says so, and before a second "but". */
function sentenceGroups(m: ReviewMeaning): AdjPred[][] {
  const groups: AdjPred[][] = [];
  m.opinions.forEach((o, i) => {
    const g = groups[groups.length - 1];
    const turns = (xs: AdjPred[]) => xs.slice(1).filter((x, k) => sign(x) !== sign(xs[k]!)).length;
    if (i === 0 || m.breaks[i] || turns([...g!, o]) > 1) groups.push([o]);
    else g!.push(o);
  });
  return groups;
}

/**
 * The clause template used for the sentence of group `index`: "I think" and
 * "Honestly," open only the first opinion sentence (later ones, already led by
 * "However"/"Also", use "is"), and "feels" cannot carry a negation.
 */
function clauseFor(m: ReviewMeaning, group: readonly AdjPred[], index: number): string {
  const id = m.clause.id;
  if (index > 0 && (id === 'review.clause.think' || id === 'review.clause.honestly')) return 'review.clause.is';
  if (id === 'review.clause.feels' && group.some((p) => p.neg !== 'none')) return 'review.clause.is';
  return id;
}

/** "Also, " + a sentence, lowercasing its first letter (but never the pronoun "I"). */
function connect(connector: string, sentence: string): string {
  const first = /^I\b/.test(sentence) ? sentence : `${sentence[0]!.toLowerCase()}${sentence.slice(1)}`;
  return `${connector}, ${first}`;
}

// ---------------------------------------------------------------- English

function enPreds(group: readonly AdjPred[]): string {
  let out = adjPredEn(group[0]!);
  for (let i = 1; i < group.length; i++) out += `${sign(group[i]!) === sign(group[i - 1]!) ? ' and' : ' but'} ${adjPredEn(group[i]!)}`;
  return out;
}

const EN_VERDICTS: Record<Verdict['id'], (o: string, pl: boolean) => [string, string | null]> = {
  love: (o) => [`I love ${o}.`, null],
  recommend: (o) => [`I would recommend ${o}.`, `I would not recommend ${o}.`],
  again: (o) => [`I would buy ${o} again.`, `I would not buy ${o} again.`],
  highly: () => ['Highly recommended.', null],
  returning: (o) => [`I am returning ${o}.`, null],
  worth: () => ['Worth every penny.', 'Not worth the money.'],
  okay: (_o, pl) => [`${pl ? 'They are' : 'It is'} okay.`, null],
};

export function renderReviewEn(m: ReviewMeaning, scope: Scope): string {
  const p = m.product;
  const pl = isPlural(p);
  const full = `the ${enFullName(p)}`;
  const noun = p.category.en.sg;
  const out: string[] = [];
  let named = false;
  if (m.opener) {
    named = true;
    switch (m.opener.id) {
      case 'review.open.bought':
        out.push(`I bought ${full} last month.`);
        break;
      case 'review.open.used':
        out.push(`I have used ${full} for ${scope.rng.range(2, 9)} weeks.`);
        break;
      case 'review.open.gift':
        out.push(`I got ${full} in ${m.color.en} as a gift.`);
        break;
      default:
        out.push(`I took ${full} on a trip to the coast.`);
    }
  }
  const groups = sentenceGroups(m);
  groups.forEach((group, gi) => {
    const subj = !named ? full : scope.rng.pick([pl ? 'they' : 'it', `the ${noun}`, `${pl ? 'these' : 'this'} ${noun}`]);
    named = true;
    const be = enVerb('be', pl);
    let s: string;
    switch (clauseFor(m, group, gi)) {
      case 'review.clause.think':
        s = `I think ${subj} ${be} ${enPreds(group)}.`;
        break;
      case 'review.clause.feels':
        s = `${capitalize(subj)} ${enVerb('feel', pl)} ${enPreds(group)}.`;
        break;
      case 'review.clause.honestly':
        s = `Honestly, ${subj} ${be} ${enPreds(group)}.`;
        break;
      default:
        s = `${capitalize(subj)} ${be} ${enPreds(group)}.`;
    }
    if (gi > 0) {
      const prev = groups[gi - 1]!;
      const turn = sign(group[0]!) !== sign(prev[prev.length - 1]!);
      s = connect(turn ? 'However' : 'Also', s);
    }
    out.push(s);
  });
  if (m.fact) out.splice(m.opener ? 1 : 0, 0, factEn(m, scope));
  if (m.verdict) {
    const [plain, neg] = EN_VERDICTS[m.verdict.id](pl ? 'them' : 'it', pl);
    out.push(m.verdict.negated ? neg! : plain);
  }
  return out.join(' ');
}

function factEn(m: ReviewMeaning, scope: Scope): string {
  const p = m.product;
  const pl = isPlural(p);
  const it = pl ? 'They' : 'It';
  switch (m.fact!) {
    case 'arrived':
      return `${it} arrived on ${scope.rng.pick(DAYS).en}.`;
    case 'color':
      return `The color is ${m.color.en}.`;
    case 'weight':
      return `${it} ${enVerb('weigh', pl)} ${weightEn(p.weightG)}.`;
  }
}

// ---------------------------------------------------------------- Spanish

/**
 * "es muy ligera", "no es impermeable". Later opinions drop the verb unless
 * negated or taking the other copula: "es ligera pero no es cómoda", "es ligera y está bien hecha".
 * `feel` uses "resulta(n)" for every opinion instead of ser/estar.
 */
function esPreds(group: readonly AdjPred[], g: Gender, n: GNumber, feel: boolean): string {
  const verb = (p: AdjPred) => (feel ? `${p.neg !== 'none' ? 'no ' : ''}${n === 'pl' ? 'resultan' : 'resulta'}` : copulaEs(n, p.neg !== 'none', p.adj));
  let out = `${verb(group[0]!)} ${adjPredEs(group[0]!, g, n)}`;
  for (let i = 1; i < group.length; i++) {
    const p = group[i]!;
    const repeat = p.neg !== 'none' || (!feel && p.adj.estar !== group[i - 1]!.adj.estar);
    const next = repeat ? `${verb(p)} ${adjPredEs(p, g, n)}` : adjPredEs(p, g, n);
    out += ` ${sign(p) === sign(group[i - 1]!) ? esAnd(next) : 'pero'} ${next}`;
  }
  return out;
}

const ES_VERDICTS: Record<Verdict['id'], (cl: string, pl: boolean) => [string, string | null]> = {
  love: (_cl, pl) => [pl ? 'Me encantan.' : 'Me encanta.', null],
  recommend: (cl) => [`${esCap(cl)} recomiendo.`, `No ${cl} recomiendo.`],
  again: (cl) => [`${esCap(cl)} volvería a comprar.`, `No ${cl} volvería a comprar.`],
  highly: (_cl, pl) => [pl ? 'Muy recomendables.' : 'Muy recomendable.', null],
  returning: (cl) => [`Voy a devolver${cl}.`, null],
  worth: (_cl, pl) => [pl ? 'Valen cada dólar.' : 'Vale cada dólar.', pl ? 'No valen lo que cuestan.' : 'No vale lo que cuesta.'],
  okay: (_cl, pl) => [pl ? 'Están bien.' : 'Está bien.', null],
};

export function renderReviewEs(m: ReviewMeaning, scope: Scope): string {
  const p = m.product;
  const g = p.category.es.g;
  const n = esNumber(p);
  const pl = n === 'pl';
  const full = esFullNameWithDet(p);
  const out: string[] = [];
  let named = false;
  if (m.opener) {
    named = true;
    switch (m.opener.id) {
      case 'review.open.bought':
        out.push(`Compré ${full} el mes pasado.`);
        break;
      case 'review.open.used':
        out.push(`Llevo ${scope.rng.range(2, 9)} semanas usando ${full}.`);
        break;
      case 'review.open.gift':
        out.push(`Me regalaron ${full} en color ${m.color.es.msg}.`);
        break;
      default:
        out.push(`Me llevé ${full} de viaje a la costa.`);
    }
  }
  const groups = sentenceGroups(m);
  groups.forEach((group, gi) => {
    // Spanish drops the subject pronoun: "Es muy ligera."
    const subj = !named ? full : scope.rng.pick(['', `${esDet('def', g, n)} ${p.category.es.sg}`, `${esDet('this', g, n)} ${p.category.es.sg}`]);
    named = true;
    const lead = (s: string) => (subj ? `${subj} ${s}` : s);
    let s: string;
    switch (clauseFor(m, group, gi)) {
      case 'review.clause.think':
        s = `Creo que ${lead(esPreds(group, g, n, false))}.`;
        break;
      case 'review.clause.feels':
        s = `${esCap(lead(esPreds(group, g, n, true)))}.`;
        break;
      case 'review.clause.honestly':
        s = `Sinceramente, ${lead(esPreds(group, g, n, false))}.`;
        break;
      default:
        s = `${esCap(lead(esPreds(group, g, n, false)))}.`;
    }
    if (gi > 0) {
      const prev = groups[gi - 1]!;
      const turn = sign(group[0]!) !== sign(prev[prev.length - 1]!);
      s = connect(turn ? 'Sin embargo' : 'Además', s);
    }
    out.push(s);
  });
  if (m.fact) out.splice(m.opener ? 1 : 0, 0, factEs(m, scope));
  if (m.verdict) {
    const [plain, neg] = ES_VERDICTS[m.verdict.id](esClitic(g, n), pl);
    out.push(m.verdict.negated ? neg! : plain);
  }
  return out.join(' ');
}

function factEs(m: ReviewMeaning, scope: Scope): string {
  const p = m.product;
  const pl = isPlural(p);
  switch (m.fact!) {
    case 'arrived':
      return `${pl ? 'Llegaron' : 'Llegó'} el ${scope.rng.pick(DAYS).es}.`;
    case 'color':
      return `El color es ${m.color.es.msg}.`;
    case 'weight':
      return `${pl ? 'Pesan' : 'Pesa'} ${weightEs(p.weightG)}.`;
  }
}

// ---------------------------------------------------------------- summary

/** Verdict phrases for summaries; `it` is the object pronoun (it/them), `itIs` the subject and verb (it is/they are). */
const VERDICT_SUMMARY: Record<Verdict['id'], (it: string, itIs: string) => [string, string | null]> = {
  love: (it) => [`loves ${it}`, null],
  recommend: (it) => [`recommends ${it}`, `does not recommend ${it}`],
  again: (it) => [`would buy ${it} again`, `would not buy ${it} again`],
  highly: (it) => [`highly recommends ${it}`, null],
  returning: (it) => [`is returning ${it}`, null],
  worth: (_it, itIs) => [`says ${itIs} worth the money`, `says ${itIs} not worth the money`],
  okay: (it) => [`finds ${it} okay`, null],
};

/** The one-line summary of an English review, written from its meaning. */
export function reviewSummary(m: ReviewMeaning): string {
  const label = reviewLabel(m);
  const head = `${capitalize(label)} review of the ${enFullName(m.product)}`;
  let aspects = '';
  m.opinions.forEach((o, i) => {
    if (i === 0) aspects = adjPredEn(o);
    else {
      const turn = sign(o) !== sign(m.opinions[i - 1]!);
      aspects += turn ? ` but ${adjPredEn(o)}` : i === m.opinions.length - 1 ? ` and ${adjPredEn(o)}` : `, ${adjPredEn(o)}`;
    }
  });
  const pl = isPlural(m.product);
  const verdict = m.verdict ? VERDICT_SUMMARY[m.verdict.id](pl ? 'them' : 'it', pl ? 'they are' : 'it is')[m.verdict.negated ? 1 : 0]! : '';
  const body = [aspects, verdict].filter((x) => x !== '').join('; ');
  return `${head}: ${body || 'no clear opinion'}.`;
}

/** Renders in the meaning's language. */
export function renderReview(m: ReviewMeaning, scope: Scope): string {
  return m.lang === 'es' ? renderReviewEs(m, scope) : renderReviewEn(m, scope);
}

