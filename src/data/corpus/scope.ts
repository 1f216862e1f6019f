/**
 * What a task generator may draw from. In 'in' mode (train, validation, and
 * the in-distribution half of test) every draw avoids the held-out entities
 * and templates; in 'out' mode draws lean towards them and every held-out
 * item used is recorded, so a test record knows what it holds out.
 */
import type { Rng } from './rng.js';
import { COLORS, type Category, type Color } from './lexicon.js';
import { pairKey, type Product, type World } from './world.js';

export type Mode = 'in' | 'out';

/** A surface template. Held-out ones carry signatures: fixed text that no other template produces. */
export interface TemplateInfo {
  readonly id: string;
  readonly heldOut?: boolean;
  readonly signatures?: readonly string[];
  /** Relative frequency among the templates of its list (default 1). */
  readonly weight?: number;
}

/** Probability that an 'out' draw takes a held-out option when one is allowed. */
const OUT_BIAS = 0.5;

interface Split<T> {
  readonly open: readonly T[];
  readonly held: readonly T[];
  readonly openWeights: readonly (readonly [T, number])[];
  readonly heldWeights: readonly (readonly [T, number])[];
}

/**
 * One scope serves many records of a (task, split): `reset()` starts a record,
 * and `used` then lists what that record took from the held-out sets.
 */
export class Scope {
  private usedSet = new Set<string>();
  private readonly splits = new Map<readonly TemplateInfo[], Split<TemplateInfo>>();

  constructor(
    readonly world: World,
    readonly rng: Rng,
    public mode: Mode,
  ) {}

  /** Held-out items used since the last reset. */
  get used(): ReadonlySet<string> {
    return this.usedSet;
  }

  /** Starts a new record in `mode`. */
  reset(mode: Mode = this.mode): void {
    this.mode = mode;
    this.usedSet = new Set();
  }

  /** A snapshot of `used`, to undo the draws of a rejected attempt with `restore`. */
  checkpoint(): ReadonlySet<string> {
    return new Set(this.usedSet);
  }

  restore(snapshot: ReadonlySet<string>): void {
    this.usedSet = new Set(snapshot);
  }

  private lean(): boolean {
    return this.mode === 'out' && this.rng.chance(OUT_BIAS);
  }

  /** A product, optionally filtered; records its held-out brand/model word. */
  product(filter?: (p: Product) => boolean): Product {
    const { heldProducts, trainProducts } = this.world;
    let p: Product;
    if (!filter) {
      p = this.lean() ? this.rng.pick(heldProducts) : this.rng.pick(trainProducts);
    } else {
      const pool = this.lean() ? heldProducts.filter(filter) : [];
      p = pool.length > 0 ? this.rng.pick(pool) : this.rng.pick(trainProducts.filter(filter));
    }
    this.noteProduct(p);
    return p;
  }

  /** A second product other than `not` (same filter semantics). */
  otherProduct(not: Product, filter: (p: Product) => boolean = () => true): Product {
    return this.product((p) => p !== not && filter(p));
  }

  noteProduct(p: Product): void {
    if (!p.heldOut) return;
    const h = this.world.heldOut;
    if (h.brands.includes(p.brand)) this.usedSet.add(`brand:${p.brand}`);
    if (h.modelWords.includes(p.modelWord)) this.usedSet.add(`model:${p.modelWord}`);
  }

  template<T extends TemplateInfo>(list: readonly T[]): T {
    let sp = this.splits.get(list);
    if (!sp) {
      const open = list.filter((t) => !t.heldOut);
      const held = list.filter((t) => t.heldOut);
      sp = { open, held, openWeights: open.map((x) => [x, x.weight ?? 1] as const), heldWeights: held.map((x) => [x, x.weight ?? 1] as const) };
      this.splits.set(list, sp);
    }
    const t = (this.lean() && sp.held.length > 0 ? this.rng.weighted(sp.heldWeights) : this.rng.weighted(sp.openWeights)) as T;
    if (t.heldOut) this.usedSet.add(`template:${t.id}`);
    return t;
  }

  /** A customer's first name. */
  name(): string {
    if (this.lean()) {
      const n = this.rng.pick(this.world.heldOut.names);
      this.usedSet.add(`name:${n}`);
      return n;
    }
    return this.rng.pick(this.world.trainNames);
  }

  /** A color for a generic noun phrase of `category`, never a held-out pair in 'in' mode. */
  color(category: Category, exclude: readonly Color[] = []): Color {
    const free = COLORS.filter((c) => !exclude.includes(c));
    const held = free.filter((c) => this.world.heldPairKeys.has(pairKey(category.id, c.id)));
    const c = this.lean() && held.length > 0 ? this.rng.pick(held) : this.rng.pick(free.filter((k) => !held.includes(k)));
    this.noteColors(category, [c]);
    return c;
  }

  /**
   * Records the category/color combinations a record puts together; generators call
   * it for every color they attach to a category (a product's own colors included).
   */
  noteColors(category: Category, colors: readonly Color[]): void {
    for (const c of colors) {
      const key = pairKey(category.id, c.id);
      if (this.world.heldPairKeys.has(key)) this.usedSet.add(`pair:${key}`);
    }
  }
}
