/**
 * English <-> Spanish translation pairs. Each frame builds one meaning and
 * renders it in both languages, so articles, adjectives and past participles
 * agree in gender and number with their noun on the Spanish side.
 */
import { aOrAn, capitalize, enCount, enVerb, enWas, formatUsd } from '../english.js';
import { ADJ_BY_ID, CATEGORIES, DAYS, MATERIAL_BY_ID, type Adjective, type Category } from '../lexicon.js';
import {
  DEGREES, adjPredEn, adjPredEs, copulaEs, degreesFor, npEn, npEs, npGender, npNumber, npPlural, type AdjPred, type Det, type NounPhrase,
} from '../phrases.js';
import { POLICIES } from '../policies.js';
import { priceEn, priceEs, weightEn, weightEs } from '../product-text.js';
import type { DraftRecord } from '../record.js';
import type { Scope, TemplateInfo } from '../scope.js';
import { agree, capitalize as esCap, esAdj, esAnd, esCount, esDet, type EsForms } from '../spanish.js';

interface Pair {
  readonly en: string;
  readonly es: string;
}

interface Frame extends TemplateInfo {
  build(scope: Scope): Pair;
}

const NEUTRAL = ['new', 'old', 'small', 'large'].map((id) => ADJ_BY_ID.get(id)!);

function opinionAdjectives(c: Category): Adjective[] {
  return c.adjectives.map((id) => ADJ_BY_ID.get(id)!);
}

/** A subject noun phrase: a named product, or a determiner + noun with a color or a neutral adjective. */
function subject(scope: Scope, opts: { named?: boolean; dets?: readonly Det[]; cat?: Category } = {}): NounPhrase {
  const rng = scope.rng;
  if (opts.named !== false && !opts.cat && rng.chance(0.25)) {
    const product = scope.product();
    return { cat: product.category, plural: product.category.pluralOnly, det: 'the', product };
  }
  const cat = opts.cat ?? rng.pick(CATEGORIES);
  const plural = cat.pluralOnly || rng.chance(0.35);
  const det = rng.pick(opts.dets ?? (['the', 'the', 'this', 'my', 'our', 'your'] as const));
  const mod = rng.int(3);
  if (mod === 0) return { cat, plural, det, color: scope.color(cat) };
  if (mod === 1) return { cat, plural, det, adj: rng.pick(NEUTRAL) };
  return { cat, plural, det };
}

function adjPred(scope: Scope, adj: Adjective): AdjPred {
  const rng = scope.rng;
  const graded = !adj.en.includes(' ');
  const neg = rng.weighted([['none', 6], ['not', 2], ['notvery', graded ? 1 : 0], ['notatall', graded ? 1 : 0]] as const);
  return { adj, degree: neg === 'none' ? rng.pick(degreesFor(adj)) : DEGREES[0]!, neg };
}

/** English verb phrase "is not very light"; Spanish "no es muy ligera". */
function predicate(np: NounPhrase, p: AdjPred): Pair {
  const en = `${enVerb('be', npPlural(np))} ${adjPredEn(p)}`;
  const es = `${copulaEs(npNumber(np), p.neg !== 'none', p.adj)} ${adjPredEs(p, npGender(np), npNumber(np))}`;
  return { en, es };
}

const sentence = (en: string, es: string): Pair => ({ en: `${capitalize(en)}.`, es: `${esCap(es)}.` });

const PARTICIPLES: readonly { en: string; es: EsForms }[] = [
  { en: 'shipped', es: esAdj('enviado') },
  { en: 'delivered', es: esAdj('entregado') },
  { en: 'returned', es: esAdj('devuelto') },
  { en: 'repaired', es: esAdj('reparado') },
  { en: 'tested', es: esAdj('probado') },
  { en: 'washed', es: esAdj('lavado') },
  { en: 'sold', es: esAdj('vendido') },
  { en: 'packed', es: esAdj('empaquetado') },
];

function time(scope: Scope): Pair {
  const rng = scope.rng;
  if (rng.chance(0.4)) {
    const d = rng.pick(DAYS);
    return { en: `on ${d.en}`, es: `el ${d.es}` };
  }
  return rng.pick([
    { en: 'yesterday', es: 'ayer' },
    { en: 'last week', es: 'la semana pasada' },
    { en: 'this morning', es: 'esta mañana' },
    { en: 'two days ago', es: 'hace dos días' },
    { en: 'last month', es: 'el mes pasado' },
  ]);
}

const TRIPS: readonly Pair[] = [
  { en: 'the weekend', es: 'el fin de semana' },
  { en: 'the winter', es: 'el invierno' },
  { en: 'a long hike', es: 'una caminata larga' },
  { en: 'my next trip', es: 'mi próximo viaje' },
  { en: 'the mountains', es: 'la montaña' },
];

const BUYERS: readonly { en: string; es: Record<'bought' | 'ordered' | 'returned', string> }[] = [
  { en: 'I', es: { bought: 'compré', ordered: 'pedí', returned: 'devolví' } },
  { en: 'we', es: { bought: 'compramos', ordered: 'pedimos', returned: 'devolvimos' } },
  { en: 'she', es: { bought: 'ella compró', ordered: 'ella pidió', returned: 'ella devolvió' } },
  { en: 'they', es: { bought: 'compraron', ordered: 'pidieron', returned: 'devolvieron' } },
  { en: 'my brother', es: { bought: 'mi hermano compró', ordered: 'mi hermano pidió', returned: 'mi hermano devolvió' } },
  { en: 'my sister', es: { bought: 'mi hermana compró', ordered: 'mi hermana pidió', returned: 'mi hermana devolvió' } },
];

/** "two red tents" / "dos tiendas rojas"; pairs for boots and gloves: "a pair of red gloves" / "un par de guantes rojos". */
function counted(scope: Scope, cat: Category, n: number): Pair {
  const color = scope.color(cat);
  const g = cat.es.g;
  if (cat.pluralOnly) {
    const en = `${n === 1 ? 'a pair' : `${enCount(n)} pairs`} of ${color.en} ${cat.en.pl}`;
    const es = `${n === 1 ? 'un par' : `${esCount(n, 'm')} pares`} de ${cat.es.pl} ${agree(color.es, g, 'pl')}`;
    return { en, es };
  }
  if (n === 1) return { en: `${aOrAn(color.en)} ${color.en} ${cat.en.sg}`, es: `${esCount(1, g)} ${cat.es.sg} ${agree(color.es, g, 'sg')}` };
  return { en: `${enCount(n)} ${color.en} ${cat.en.pl}`, es: `${esCount(n, g)} ${cat.es.pl} ${agree(color.es, g, 'pl')}` };
}

const FRAMES: readonly Frame[] = [
  {
    id: 'tr.attr', weight: 3,
    build(scope) {
      const np = subject(scope);
      const pool = [...opinionAdjectives(np.cat), ...NEUTRAL].filter((a) => a !== np.adj);
      const pr = predicate(np, adjPred(scope, scope.rng.pick(pool)));
      return sentence(`${npEn(np)} ${pr.en}`, `${npEs(np)} ${pr.es}`);
    },
  },
  {
    id: 'tr.two', weight: 2,
    build(scope) {
      const np = subject(scope);
      const adjs = opinionAdjectives(np.cat);
      const a = scope.rng.pick(adjs);
      const b = scope.rng.pick(adjs.filter((x) => x.dim !== a.dim));
      const g = npGender(np);
      const n = npNumber(np);
      const same = a.polarity === b.polarity;
      // The verb is repeated when the second adjective takes the other copula: "es ligera y está bien hecha".
      const bEs = a.estar === b.estar ? agree(b.es, g, n) : `${copulaEs(n, false, b)} ${agree(b.es, g, n)}`;
      const en = `${npEn(np)} ${enVerb('be', npPlural(np))} ${a.en} ${same ? 'and' : 'but'} ${b.en}`;
      const es = `${npEs(np)} ${copulaEs(n, false, a)} ${agree(a.es, g, n)} ${same ? esAnd(bEs) : 'pero'} ${bEs}`;
      return sentence(en, es);
    },
  },
  {
    id: 'tr.material', weight: 1.5,
    build(scope) {
      const np = subject(scope);
      const m = MATERIAL_BY_ID.get(np.product ? np.product.material.id : scope.rng.pick(np.cat.materials))!;
      const made = agree(esAdj('hecho'), npGender(np), npNumber(np));
      return sentence(`${npEn(np)} ${enVerb('be', npPlural(np))} made of ${m.en}`, `${npEs(np)} ${npPlural(np) ? 'están' : 'está'} ${made} de ${m.es}`);
    },
  },
  {
    id: 'tr.passive', weight: 2,
    build(scope) {
      const np = subject(scope);
      const part = scope.rng.pick(PARTICIPLES);
      const t = time(scope);
      const es = `${npEs(np)} ${npPlural(np) ? 'fueron' : 'fue'} ${agree(part.es, npGender(np), npNumber(np))} ${t.es}`;
      return sentence(`${npEn(np)} ${enWas(npPlural(np))} ${part.en} ${t.en}`, es);
    },
  },
  {
    id: 'tr.buy', weight: 2,
    build(scope) {
      const rng = scope.rng;
      const who = rng.pick(BUYERS);
      const verb = rng.pick(['bought', 'ordered', 'returned'] as const);
      const obj = counted(scope, rng.pick(CATEGORIES), rng.weighted([[1, 4], [2, 3], [3, 2], [4, 1], [5, 1]] as const));
      return sentence(`${who.en} ${verb} ${obj.en}`, `${who.es[verb]} ${obj.es}`);
    },
  },
  {
    id: 'tr.price', weight: 1,
    build(scope) {
      const np = subject(scope);
      const cents = np.product ? np.product.priceCents : scope.rng.range(np.cat.priceUsd[0], np.cat.priceUsd[1]) * 100;
      const usd = formatUsd(cents).slice(1);
      const p = { en: np.product ? priceEn(np.product) : `${usd} dollars`, es: np.product ? priceEs(np.product) : `${usd} dólares` };
      const pl = npPlural(np);
      return sentence(`${npEn(np)} ${enVerb('cost', pl)} ${p.en}`, `${npEs(np)} ${pl ? 'cuestan' : 'cuesta'} ${p.es}`);
    },
  },
  {
    id: 'tr.weight', weight: 1,
    build(scope) {
      const np = subject(scope);
      const g = np.product ? np.product.weightG : Math.round(scope.rng.range(np.cat.weightG[0], np.cat.weightG[1]) / 10) * 10;
      const grams = g >= 1000 ? Math.round(g / 100) * 100 : g;
      const pl = npPlural(np);
      return sentence(`${npEn(np)} ${enVerb('weigh', pl)} ${weightEn(grams)}`, `${npEs(np)} ${pl ? 'pesan' : 'pesa'} ${weightEs(grams)}`);
    },
  },
  {
    id: 'tr.stock', weight: 1.5,
    build(scope) {
      const np = subject(scope);
      const pl = npPlural(np);
      const esta = pl ? 'están' : 'está';
      const product = np.product;
      if (scope.rng.chance(0.5) && (!product || product.stock === 0)) {
        const out = agree(esAdj('agotado'), npGender(np), npNumber(np));
        return sentence(`${npEn(np)} ${enVerb('be', pl)} out of stock`, `${npEs(np)} ${esta} ${out}`);
      }
      const plain: NounPhrase = { ...np, color: undefined };
      const color = product ? scope.rng.pick(product.colors) : scope.color(np.cat);
      if (product) scope.noteColors(product.category, [color]);
      return sentence(`${npEn(plain)} ${enVerb('be', pl)} available in ${color.en}`, `${npEs(plain)} ${esta} ${pl ? 'disponibles' : 'disponible'} en ${color.es.msg}`);
    },
  },
  {
    id: 'tr.compare', weight: 2,
    build(scope) {
      const rng = scope.rng;
      const cat = rng.pick(CATEGORIES);
      const pl = cat.pluralOnly || rng.chance(0.35);
      const n = pl ? 'pl' : 'sg';
      const g = cat.es.g;
      const adj = rng.pick([...opinionAdjectives(cat), ...NEUTRAL].filter((a) => a.enMore !== null));
      const c1 = scope.color(cat);
      const c2 = scope.color(cat, [c1]);
      const def = esDet('def', g, n);
      const en = `the ${c1.en} ${pl ? cat.en.pl : cat.en.sg} ${enVerb('be', pl)} ${adj.enMore} than the ${c2.en} ${pl ? 'ones' : 'one'}`;
      const es = `${def} ${pl ? cat.es.pl : cat.es.sg} ${agree(c1.es, g, n)} ${copulaEs(n, false)} más ${agree(adj.es, g, n)} que ${def} ${agree(c2.es, g, n)}`;
      return sentence(en, es);
    },
  },
  {
    id: 'tr.policy', weight: 0.5,
    build(scope) {
      const P = POLICIES;
      const day = scope.rng.pick(DAYS.slice(0, 6));
      return scope.rng.pick([
        { en: `You can return any item within ${P.returnDays} days.`, es: `Puede devolver cualquier artículo en un plazo de ${P.returnDays} días.` },
        { en: `Shipping is free on orders over ${P.freeShippingOverUsd} dollars.`, es: `El envío es gratuito en los pedidos de más de ${P.freeShippingOverUsd} dólares.` },
        { en: `Express shipping takes ${P.expressShippingDays[0]} to ${P.expressShippingDays[1]} business days.`, es: `El envío urgente tarda de ${P.expressShippingDays[0]} a ${P.expressShippingDays[1]} días hábiles.` },
        { en: `Our gift cards never expire.`, es: `Nuestras tarjetas regalo no caducan nunca.` },
        { en: `The store is open on ${day.en} from 9 to 7.`, es: `La tienda abre el ${day.es} de 9 a 7.` },
        { en: `We ship to the United States and Canada.`, es: `Enviamos a Estados Unidos y Canadá.` },
      ]);
    },
  },
  {
    id: 'tr.need', weight: 1.5,
    build(scope) {
      const rng = scope.rng;
      const cat = rng.pick(CATEGORIES);
      const adj = rng.pick([...opinionAdjectives(cat).filter((a) => a.polarity > 0), ...NEUTRAL]);
      const trip = rng.pick(TRIPS);
      const we = rng.chance(0.3);
      const g = cat.es.g;
      const n = cat.pluralOnly ? 'pl' : 'sg';
      const enObj = cat.pluralOnly ? `${adj.en} ${cat.en.pl}` : `${aOrAn(adj.en)} ${adj.en} ${cat.en.sg}`;
      const esObj = `${esDet('indef', g, n)} ${cat.pluralOnly ? cat.es.pl : cat.es.sg} ${agree(adj.es, g, n)}`;
      return sentence(`${we ? 'we' : 'I'} need ${enObj} for ${trip.en}`, `${we ? 'necesitamos' : 'necesito'} ${esObj} para ${trip.es}`);
    },
  },
  {
    id: 'tr.like', weight: 1.5,
    build(scope) {
      const np = subject(scope, { named: false, dets: ['the', 'this', 'your'] });
      const pl = npPlural(np);
      const who = scope.rng.pick([
        { en: 'I like', es: pl ? 'me gustan' : 'me gusta' },
        { en: "I don't like", es: pl ? 'no me gustan' : 'no me gusta' },
        { en: 'we like', es: pl ? 'nos gustan' : 'nos gusta' },
      ]);
      return sentence(`${who.en} ${npEn(np)}`, `${who.es} ${npEs(np)}`);
    },
  },
  {
    id: 'tr.question', weight: 1.5,
    build(scope) {
      const rng = scope.rng;
      const cat = rng.pick(CATEGORIES);
      const pl = cat.pluralOnly || rng.chance(0.35);
      const np: NounPhrase = { cat, plural: pl, det: 'this' };
      if (rng.chance(0.5)) {
        const adj = rng.pick(opinionAdjectives(cat).filter((a) => a.polarity > 0));
        return { en: `${pl ? 'Are' : 'Is'} ${npEn(np)} ${adj.en}?`, es: `¿${esCap(copulaEs(pl ? 'pl' : 'sg', false, adj))} ${agree(adj.es, cat.es.g, pl ? 'pl' : 'sg')} ${npEs(np)}?` };
      }
      const color = scope.color(cat);
      return { en: `Do you have ${npEn(np)} in ${color.en}?`, es: `¿Tienen ${npEs(np)} en ${color.es.msg}?` };
    },
  },
  {
    id: 'tr.left', weight: 1,
    build(scope) {
      const rng = scope.rng;
      const obj = counted(scope, rng.pick(CATEGORIES), rng.range(2, 12));
      return sentence(`we have ${obj.en} left`, `nos quedan ${obj.es}`);
    },
  },
  {
    id: 'tr.relative', heldOut: true, signatures: ['that I bought', 'que compré'],
    build(scope) {
      const rng = scope.rng;
      const cat = rng.pick(CATEGORIES);
      const np: NounPhrase = { cat, plural: cat.pluralOnly || rng.chance(0.35), det: 'the' };
      const t = time(scope);
      const pr = predicate(np, adjPred(scope, rng.pick(opinionAdjectives(cat))));
      return sentence(`${npEn(np)} that I bought ${t.en} ${pr.en}`, `${npEs(np)} que compré ${t.es} ${pr.es}`);
    },
  },
  {
    id: 'tr.too', heldOut: true, signatures: [' too ', 'demasiado'],
    build(scope) {
      const np = subject(scope);
      const adj = scope.rng.pick(opinionAdjectives(np.cat).filter((a) => a.polarity < 0));
      const trip = scope.rng.pick(TRIPS);
      const pl = npPlural(np);
      return sentence(`${npEn(np)} ${enVerb('be', pl)} too ${adj.en} for ${trip.en}`, `${npEs(np)} ${copulaEs(npNumber(np), false, adj)} demasiado ${agree(adj.es, npGender(np), npNumber(np))} para ${trip.es}`);
    },
  },
];

export const TRANSLATION_TEMPLATES: readonly TemplateInfo[] = FRAMES;

export function generateTranslation(scope: Scope): DraftRecord {
  const frame = scope.template(FRAMES);
  const pair = frame.build(scope);
  const toSpanish = scope.rng.chance(0.5);
  return {
    task: 'translate',
    input: toSpanish ? pair.en : pair.es,
    output: toSpanish ? pair.es : pair.en,
    lang: toSpanish ? 'en-es' : 'es-en',
    kind: `translate:${toSpanish ? 'en-es' : 'es-en'}`,
    template: frame.id,
  };
}
