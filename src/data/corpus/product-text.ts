/**
 * How a product's name and attributes are written, in English and Spanish.
 * Every task writes facts through these functions, so a support answer, a
 * catalog card and a description always spell a fact the same way.
 */
import { formatUsd } from './english.js';
import { esDecimal, esDet, type EsDet, type GNumber } from './spanish.js';
import type { Product, Spec } from './world.js';

export function isPlural(p: Product): boolean {
  return p.category.pluralOnly;
}

/** "Alderpeak Torvik Lite backpack". */
export function enFullName(p: Product): string {
  return `${p.brand} ${p.model} ${p.category.en.sg}`;
}

/** "Torvik Lite backpack": how customers name a product. */
export function enShortName(p: Product): string {
  return `${p.model} ${p.category.en.sg}`;
}

/** "mochila Torvik Lite de Alderpeak" (no determiner). */
export function esFullName(p: Product): string {
  return `${p.category.es.sg} ${p.model} de ${p.brand}`;
}

export function esNumber(p: Product): GNumber {
  return isPlural(p) ? 'pl' : 'sg';
}

/** "la mochila Torvik Lite de Alderpeak", "las botas Torvik de Alderpeak". */
export function esFullNameWithDet(p: Product, det: EsDet = 'def'): string {
  return `${esDet(det, p.category.es.g, esNumber(p))} ${esFullName(p)}`;
}

export function priceEn(p: Product): string {
  return formatUsd(p.priceCents);
}

/** "129 dólares", "24,95 dólares". */
export function priceEs(p: Product): string {
  const s = formatUsd(p.priceCents).slice(1);
  return `${s.replace('.', ',')} dólares`;
}

/** "850 g", "1.2 kg". */
export function weightEn(grams: number): string {
  return grams < 1000 ? `${grams} g` : `${grams / 1000} kg`;
}

export function weightEs(grams: number): string {
  return grams < 1000 ? `${grams} g` : `${esDecimal(grams / 1000)} kg`;
}

export function warrantyEn(years: number): string {
  return years === 1 ? '1 year' : `${years} years`;
}

export function warrantyEs(years: number): string {
  return years === 1 ? '1 año' : `${years} años`;
}

export function litersEn(n: number): string {
  return n === 1 ? '1 liter' : `${n} liters`;
}

export function tempEn(n: number): string {
  return `${n} °C`;
}

/** The spec as the fact a support answer must contain: "2 people", "40 liters", "-5 °C", "400 lumens", "S to XL". */
export function specFactEn(s: Spec): string | null {
  switch (s.kind) {
    case 'persons':
      return s.n === 1 ? '1 person' : `${s.n} people`;
    case 'liters':
      return litersEn(s.n);
    case 'tempC':
      return tempEn(s.n);
    case 'lumens':
      return `${s.n} lumens`;
    case 'apparel':
      return `${s.from} to ${s.to}`;
    case 'shoe':
      return `${s.from} to ${s.to}`;
    case 'none':
      return null;
  }
}

/** The spec as a catalog-card field: "capacity: 40 liters". */
export function specCardEn(s: Spec): string | null {
  switch (s.kind) {
    case 'persons':
      return `sleeps: ${specFactEn(s)}`;
    case 'liters':
      return `capacity: ${specFactEn(s)}`;
    case 'tempC':
      return `rating: ${specFactEn(s)}`;
    case 'lumens':
      return `brightness: ${specFactEn(s)}`;
    case 'apparel':
    case 'shoe':
      return `sizes: ${specFactEn(s)}`;
    case 'none':
      return null;
  }
}

/** A sentence-ready English spec clause: "It sleeps 2 people.", "It holds 40 liters.". */
export function specSentenceEn(s: Spec, plural: boolean): string | null {
  const it = plural ? 'They' : 'It';
  const v = (sg: string, pl: string) => (plural ? pl : sg);
  switch (s.kind) {
    case 'persons':
      return `${it} ${v('sleeps', 'sleep')} ${specFactEn(s)}.`;
    case 'liters':
      return `${it} ${v('holds', 'hold')} ${specFactEn(s)}.`;
    case 'tempC':
      return `${it} ${v('is', 'are')} rated to ${specFactEn(s)}.`;
    case 'lumens':
      return `${it} ${v('gives', 'give')} ${specFactEn(s)} of light.`;
    case 'apparel':
    case 'shoe':
      return `${it} ${v('comes', 'come')} in sizes ${specFactEn(s)}.`;
    case 'none':
      return null;
  }
}

/** The Spanish spec as a phrase after the noun: "para 2 personas", "de 40 litros". */
export function specPhraseEs(s: Spec): string | null {
  switch (s.kind) {
    case 'persons':
      return s.n === 1 ? 'para 1 persona' : `para ${s.n} personas`;
    case 'liters':
      return s.n === 1 ? 'de 1 litro' : `de ${esDecimal(s.n)} litros`;
    case 'tempC':
      return `con temperatura de confort de ${s.n} °C`;
    case 'lumens':
      return `de ${s.n} lúmenes`;
    case 'apparel':
    case 'shoe':
      return `en tallas de la ${s.from} a la ${s.to}`;
    case 'none':
      return null;
  }
}

/** One line of the catalog as the support assistant sees it. */
export function catalogCard(p: Product): string {
  const fields = [
    enFullName(p),
    `price: ${priceEn(p)}`,
    `weight: ${weightEn(p.weightG)}`,
    `colors: ${p.colors.map((c) => c.en).join(', ')}`,
    `material: ${p.material.en}`,
    specCardEn(p.spec),
    `warranty: ${warrantyEn(p.warrantyYears)}`,
    `stock: ${p.stock > 0 ? `${p.stock} in stock` : 'out of stock'}`,
  ];
  return `- ${fields.filter((f) => f !== null).join(' | ')}`;
}

/** The context block appended to the support system prompt for product questions. */
export function catalogContext(products: readonly Product[]): string {
  return `Catalog:\n${products.map(catalogCard).join('\n')}`;
}
