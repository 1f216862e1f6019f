/**
 * The closed world: a seeded catalog of products with attributes, and the
 * entities held out of training (brands, model words, customer names and
 * category/color pairs) that only the test split may use.
 */
import { Rng } from './rng.js';
import { CATEGORIES, COLORS, MATERIAL_BY_ID, type Category, type Color, type Material, type Phrase } from './lexicon.js';
import { BRANDS, FIRST_NAMES, MODEL_SUFFIXES, MODEL_WORDS } from './names.js';

export type Spec =
  | { readonly kind: 'persons'; readonly n: number }
  | { readonly kind: 'liters'; readonly n: number }
  | { readonly kind: 'tempC'; readonly n: number }
  | { readonly kind: 'lumens'; readonly n: number }
  | { readonly kind: 'apparel'; readonly from: string; readonly to: string }
  | { readonly kind: 'shoe'; readonly from: number; readonly to: number }
  | { readonly kind: 'none' };

export interface Product {
  readonly id: string;
  readonly category: Category;
  readonly brand: string;
  /** The model as named: "Torvik Lite". */
  readonly model: string;
  /** The coined word in the model name ("Torvik"): the unit of holding out. */
  readonly modelWord: string;
  readonly colors: readonly Color[];
  readonly material: Material;
  readonly weightG: number;
  readonly priceCents: number;
  readonly warrantyYears: number;
  readonly stock: number;
  readonly spec: Spec;
  readonly features: readonly Phrase[];
  /** True when the brand or model word is held out: the product appears in the test split only. */
  readonly heldOut: boolean;
}

export interface HeldOutEntities {
  readonly brands: readonly string[];
  readonly modelWords: readonly string[];
  readonly names: readonly string[];
  /** [categoryId, colorId]: "yellow boots" never appears in train or validation text, in either language. */
  readonly pairs: readonly (readonly [string, string])[];
}

export interface World {
  readonly seed: number;
  readonly products: readonly Product[];
  readonly trainProducts: readonly Product[];
  readonly heldProducts: readonly Product[];
  readonly trainNames: readonly string[];
  readonly heldOut: HeldOutEntities;
  /** `${categoryId}/${colorId}` keys of the held-out pairs. */
  readonly heldPairKeys: ReadonlySet<string>;
}

export const PRODUCTS_PER_CATEGORY = 16;
const HELD_BRANDS = 3;
const HELD_MODEL_WORDS = 14;
const HELD_NAMES = 6;
const HELD_PAIRS = 5;

const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

export function pairKey(categoryId: string, colorId: string): string {
  return `${categoryId}/${colorId}`;
}

function makeSpec(c: Category, rng: Rng): Spec {
  switch (c.spec) {
    case 'persons':
      return { kind: 'persons', n: rng.range(1, 4) };
    case 'liters': {
      const options = c.id === 'backpack' ? [18, 20, 22, 25, 28, 30, 32, 35, 38, 40, 45, 50, 55, 60, 65, 70] : c.id === 'bottle' ? [0.5, 0.75, 1, 1.5] : [0.75, 0.9, 1.1, 1.3, 1.6, 2, 2.5];
      return { kind: 'liters', n: rng.pick(options) };
    }
    case 'tempC':
      return { kind: 'tempC', n: rng.pick([-18, -12, -9, -7, -5, -2, 0, 2, 4, 7, 10]) };
    case 'lumens':
      return { kind: 'lumens', n: rng.pick(c.id === 'headlamp' ? [150, 200, 250, 300, 350, 400, 500, 600, 800, 1000, 1200] : [100, 150, 200, 300, 400, 500, 800]) };
    case 'apparel': {
      const from = rng.range(0, 2);
      const to = rng.range(Math.max(from + 2, 3), 5);
      return { kind: 'apparel', from: APPAREL_SIZES[from]!, to: APPAREL_SIZES[to]! };
    }
    case 'shoe':
      return { kind: 'shoe', from: rng.range(36, 40), to: rng.range(44, 47) };
    case 'none':
      return { kind: 'none' };
  }
}

/** Weights are rounded the way a catalog prints them: 10 g steps below 1 kg, 100 g steps above. */
function makeWeight(c: Category, rng: Rng): number {
  const g = rng.range(c.weightG[0], c.weightG[1]);
  return g < 1000 ? Math.max(10, Math.round(g / 10) * 10) : Math.round(g / 100) * 100;
}

/** Prices end in 9 ($129) or, under $60, sometimes in .95 ($24.95). */
function makePrice(c: Category, rng: Rng): number {
  const dollars = rng.range(c.priceUsd[0], c.priceUsd[1]);
  if (dollars < 60 && rng.chance(0.4)) return (dollars - 1) * 100 + 95;
  return (Math.floor(dollars / 10) * 10 + 9) * 100;
}

/** Builds the catalog and chooses the held-out entities for `seed`. */
export function buildWorld(seed: number): World {
  const root = new Rng(seed).fork('world');
  const hold = root.fork('holdout');
  const heldBrands = hold.sample(BRANDS, HELD_BRANDS).sort();
  const heldWords = hold.sample(MODEL_WORDS, HELD_MODEL_WORDS).sort();
  const heldNames = hold.sample(FIRST_NAMES, HELD_NAMES).sort();
  const pairCats = hold.sample(CATEGORIES, HELD_PAIRS);
  const pairs = pairCats.map((c) => [c.id, hold.pick(COLORS).id] as const).sort((a, b) => a[0].localeCompare(b[0]));
  const heldPairKeys = new Set(pairs.map(([c, k]) => pairKey(c, k)));
  const heldBrandSet = new Set(heldBrands);
  const heldWordSet = new Set(heldWords);

  const cat = root.fork('catalog');
  const usedModels = new Set<string>();
  const products: Product[] = [];
  for (const c of CATEGORIES) {
    for (let i = 0; i < PRODUCTS_PER_CATEGORY; i++) {
      const brand = cat.pick(BRANDS);
      let word: string;
      let model: string;
      do {
        word = cat.pick(MODEL_WORDS);
        const suffix = cat.pick(MODEL_SUFFIXES);
        model = suffix ? `${word} ${suffix}` : word;
      } while (usedModels.has(model));
      usedModels.add(model);
      const heldOut = heldBrandSet.has(brand) || heldWordSet.has(word);
      // Training products never carry a held-out color for their category.
      const allowed = heldOut ? COLORS : COLORS.filter((k) => !heldPairKeys.has(pairKey(c.id, k.id)));
      const colors = cat.sample(allowed, cat.weighted([[1, 3], [2, 4], [3, 2]] as const));
      const stock = cat.chance(0.15) ? 0 : cat.range(1, 60);
      products.push({
        id: `${c.id}-${String(i).padStart(2, '0')}`,
        category: c,
        brand,
        model,
        modelWord: word,
        colors,
        material: MATERIAL_BY_ID.get(cat.pick(c.materials))!,
        weightG: makeWeight(c, cat),
        priceCents: makePrice(c, cat),
        warrantyYears: cat.weighted([[1, 2], [2, 4], [3, 2], [5, 1]] as const),
        stock,
        spec: makeSpec(c, cat),
        features: cat.sample(c.features, cat.range(1, Math.min(2, c.features.length))),
        heldOut,
      });
    }
  }
  return {
    seed,
    products,
    trainProducts: products.filter((p) => !p.heldOut),
    heldProducts: products.filter((p) => p.heldOut),
    trainNames: FIRST_NAMES.filter((n) => !heldNames.includes(n)),
    heldOut: { brands: heldBrands, modelWords: heldWords, names: heldNames, pairs },
    heldPairKeys,
  };
}
