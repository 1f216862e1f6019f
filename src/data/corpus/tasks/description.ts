/**
 * Product descriptions: plain documents written from a product's attributes,
 * in English (most) and Spanish, by several templates.
 */
import { aOrAn, capitalize, enList, enVerb } from '../english.js';
import {
  enFullName, esFullName, esFullNameWithDet, esNumber, isPlural, priceEn, priceEs, specFactEn, specPhraseEs,
  specSentenceEn, warrantyEn, warrantyEs, weightEn, weightEs,
} from '../product-text.js';
import type { DraftRecord } from '../record.js';
import type { Scope, TemplateInfo } from '../scope.js';
import { agree, capitalize as esCap, esAdj, esDet, esList } from '../spanish.js';
import type { Product, Spec } from '../world.js';

interface DescTemplate extends TemplateInfo {
  readonly lang: 'en' | 'es';
  render(p: Product): string;
}

/** "40-liter", "2-person", "400-lumen": the spec as a compound adjective, where English has one. */
function specAdjEn(s: Spec): string | null {
  switch (s.kind) {
    case 'persons':
      return `${s.n}-person`;
    case 'liters':
      return `${s.n}-liter`;
    case 'lumens':
      return `${s.n}-lumen`;
    default:
      return null;
  }
}

function specLabelEn(s: Spec): string {
  const f = specFactEn(s);
  switch (s.kind) {
    case 'persons':
      return ` Sleeps: ${f}.`;
    case 'liters':
      return ` Capacity: ${f}.`;
    case 'tempC':
      return ` Comfort rating: ${f}.`;
    case 'lumens':
      return ` Brightness: ${f}.`;
    case 'apparel':
    case 'shoe':
      return ` Sizes: ${f}.`;
    case 'none':
      return '';
  }
}

function specLabelEs(s: Spec): string {
  switch (s.kind) {
    case 'persons':
      return ` Plazas: ${s.n}.`;
    case 'liters':
      return ` Capacidad: ${specPhraseEs(s)!.slice(3)}.`;
    case 'tempC':
      return ` Temperatura de confort: ${s.n} °C.`;
    case 'lumens':
      return ` Potencia: ${s.n} lúmenes.`;
    case 'apparel':
    case 'shoe':
      return ` Tallas: de la ${s.from} a la ${s.to}.`;
    case 'none':
      return '';
  }
}

/** English helpers bound to one product's number (it/they, is/are, weighs/weigh). */
function en(p: Product) {
  const pl = isPlural(p);
  return {
    pl,
    It: pl ? 'They' : 'It',
    it: pl ? 'they' : 'it',
    v: (lemma: string) => enVerb(lemma, pl),
    noun: p.category.en.sg,
    colors: (conj = 'and') => enList(p.colors.map((c) => c.en), conj),
    features: enList(p.features.map((f) => f.en)),
    spec: specSentenceEn(p.spec, pl),
    specs: specSentenceEn(p.spec, pl) ? ` ${specSentenceEn(p.spec, pl)}` : '',
  };
}

const EN: readonly DescTemplate[] = [
  {
    id: 'desc.en.0', lang: 'en',
    render(p) {
      const e = en(p);
      const adj = specAdjEn(p.spec);
      const np = adj ? `${adj} ${e.noun}` : e.noun;
      const pred = e.pl ? np : `${aOrAn(np)} ${np}`;
      return `The ${enFullName(p)} ${e.v('be')} ${pred} made of ${p.material.en}. ${e.It} ${e.v('weigh')} ${weightEn(p.weightG)} and ${e.v('come')} in ${e.colors()}. ${e.It} ${e.v('have')} ${e.features}.${adj ? '' : e.specs} Price: ${priceEn(p)}, with a ${p.warrantyYears}-year warranty.`;
    },
  },
  {
    id: 'desc.en.1', lang: 'en',
    render(p) {
      return `${enFullName(p)}. Material: ${p.material.en}. Weight: ${weightEn(p.weightG)}. Colors: ${p.colors.map((c) => c.en).join(', ')}.${specLabelEn(p.spec)} Features: ${p.features.map((f) => f.en).join(', ')}. Price: ${priceEn(p)}. Warranty: ${warrantyEn(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.en.2', lang: 'en',
    render(p) {
      const e = en(p);
      return `Meet the ${p.model} ${e.noun} from ${p.brand}. Made of ${p.material.en}, ${e.it} ${e.v('weigh')} just ${weightEn(p.weightG)}.${e.specs} Choose from ${e.colors('or')}. ${e.It} ${e.v('come')} with ${e.features}. ${e.It} ${e.v('sell')} for ${priceEn(p)} and ${e.v('be')} covered by a ${p.warrantyYears}-year warranty.`;
    },
  },
  {
    id: 'desc.en.3', lang: 'en',
    render(p) {
      const e = en(p);
      return `${p.brand} makes the ${p.model} ${e.noun} out of ${p.material.en}.${e.specs} ${e.It} ${e.v('weigh')} ${weightEn(p.weightG)} and ${e.v('be')} available in ${e.colors()}. ${e.pl ? `Every pair of ${p.model} ${e.noun}` : `Every ${p.model} ${e.noun}`} comes with a ${p.warrantyYears}-year warranty. Price: ${priceEn(p)}.`;
    },
  },
  {
    id: 'desc.en.4', lang: 'en',
    render(p) {
      const e = en(p);
      const stock = p.stock > 0 ? 'In stock.' : 'Currently out of stock.';
      return `${enFullName(p)}: ${p.material.en}, ${weightEn(p.weightG)}, ${e.colors('or')}.${e.specs} Includes ${e.features}. ${priceEn(p)}. ${capitalize(warrantyEn(p.warrantyYears))} of warranty. ${stock}`;
    },
  },
  {
    id: 'desc.en.5', lang: 'en',
    render(p) {
      const e = en(p);
      const looking = e.pl ? `new ${e.noun}` : `${aOrAn(e.noun)} ${e.noun}`;
      return `Looking for ${looking}? The ${enFullName(p)} ${e.v('be')} made of ${p.material.en} and ${e.v('weigh')} ${weightEn(p.weightG)}.${e.specs} ${e.It} ${e.v('have')} ${e.features}. Colors: ${e.colors()}. ${e.It} ${e.v('cost')} ${priceEn(p)}, and the warranty lasts ${warrantyEn(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.en.6', lang: 'en', heldOut: true, signatures: ['Built for long days outdoors'],
    render(p) {
      const e = en(p);
      return `Built for long days outdoors, the ${enFullName(p)} ${e.v('combine')} ${p.material.en} with ${e.features}.${e.specs} ${e.It} ${e.v('weigh')} ${weightEn(p.weightG)} and ${e.v('cost')} ${priceEn(p)}. Colors on offer: ${e.colors()}. Warranty: ${warrantyEn(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.en.7', lang: 'en', heldOut: true, signatures: ['List price'],
    render(p) {
      const e = en(p);
      const w = weightEn(p.weightG);
      const np = e.pl ? `${w} ${e.noun}` : `${aOrAn(w)} ${w} ${e.noun}`;
      return `Here is the ${p.model} by ${p.brand}: ${np} in ${p.material.en}, offered in ${e.colors()}.${e.specs} List price ${priceEn(p)}; warranty ${warrantyEn(p.warrantyYears)}.`;
    },
  },
];

/** Spanish helpers bound to one product's gender and number. */
function es(p: Product) {
  const g = p.category.es.g;
  const n = esNumber(p);
  const pl = n === 'pl';
  return {
    g, n, pl,
    the: esCap(esFullNameWithDet(p)),
    made: agree(esAdj('hecho'), g, n),
    available: pl ? 'disponibles' : 'disponible',
    v: (sg: string, plural: string) => (pl ? plural : sg),
    colors: esList(p.colors.map((c) => c.es.msg)),
    features: esList(p.features.map((f) => f.es)),
  };
}

/** Specs that read well right after the noun ("una mochila de 40 litros"); sizes get their own sentence. */
function inlineSpecEs(s: Spec): string {
  return s.kind === 'apparel' || s.kind === 'shoe' || s.kind === 'none' ? '' : ` ${specPhraseEs(s)}`;
}

const ES: readonly DescTemplate[] = [
  {
    id: 'desc.es.0', lang: 'es',
    render(p) {
      const s = es(p);
      const sizes = p.spec.kind === 'apparel' || p.spec.kind === 'shoe' ? ` ${s.v('Está disponible', 'Están disponibles')} ${specPhraseEs(p.spec)}.` : '';
      return `${s.the} ${s.v('es', 'son')} ${esDet('indef', s.g, s.n)} ${p.category.es.sg}${inlineSpecEs(p.spec)} ${s.made} de ${p.material.es}. ${s.v('Pesa', 'Pesan')} ${weightEs(p.weightG)} y ${s.v('está', 'están')} ${s.available} en ${s.colors}.${sizes} ${s.v('Incluye', 'Incluyen')} ${s.features}. Precio: ${priceEs(p)}. Garantía de ${warrantyEs(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.es.1', lang: 'es',
    render(p) {
      return `${esCap(esFullName(p))}. Material: ${p.material.es}. Peso: ${weightEs(p.weightG)}. Colores: ${p.colors.map((c) => c.es.msg).join(', ')}.${specLabelEs(p.spec)} Precio: ${priceEs(p)}. Garantía: ${warrantyEs(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.es.2', lang: 'es',
    render(p) {
      const s = es(p);
      return `${p.brand} fabrica ${esDet('def', s.g, s.n)} ${p.category.es.sg} ${p.model} en ${p.material.es}. ${s.v('Pesa', 'Pesan')} ${weightEs(p.weightG)} y ${s.v('cuesta', 'cuestan')} ${priceEs(p)}. ${s.v('Está', 'Están')} ${s.available} en ${s.colors}. ${s.v('Tiene', 'Tienen')} una garantía de ${warrantyEs(p.warrantyYears)}.`;
    },
  },
  {
    id: 'desc.es.3', lang: 'es', heldOut: true, signatures: ['Presentamos'],
    render(p) {
      const s = es(p);
      return `Presentamos ${esDet('def', s.g, s.n)} ${p.category.es.sg} ${p.model} de ${p.brand}, ${s.made} de ${p.material.es} y con ${s.features}. ${s.v('Pesa', 'Pesan')} ${weightEs(p.weightG)} y ${s.v('cuesta', 'cuestan')} ${priceEs(p)}.`;
    },
  },
];

export const DESCRIPTION_TEMPLATES: readonly DescTemplate[] = [...EN, ...ES];

/** Share of descriptions written in Spanish. */
const SPANISH_SHARE = 0.25;

export function generateDescription(scope: Scope): DraftRecord {
  const lang = scope.rng.chance(SPANISH_SHARE) ? 'es' : 'en';
  const t = scope.template(lang === 'es' ? ES : EN);
  const listed = scope.product();
  scope.noteColors(listed.category, listed.colors);
  // Colors and features in any order: the same product is described in more than one way.
  const p: Product = { ...listed, colors: scope.rng.shuffle([...listed.colors]), features: scope.rng.shuffle([...listed.features]) };
  return { task: 'description', input: enFullName(listed), output: t.render(p), lang, kind: `description:${lang}`, template: t.id };
}
