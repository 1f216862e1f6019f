/**
 * The words of the shop's world in English and Spanish: colors, materials,
 * adjectives (with sentiment polarity) and the product categories (with
 * grammatical gender and number, specs, features, parts). All lists are the
 * project's own.
 */
import { esAdj, esAdjPhrase, type EsForms, type Gender } from './spanish.js';

export interface Color {
  readonly id: string;
  readonly en: string;
  readonly es: EsForms;
}

export const COLORS: readonly Color[] = [
  { id: 'red', en: 'red', es: esAdj('rojo') },
  { id: 'blue', en: 'blue', es: esAdj('azul') },
  { id: 'green', en: 'green', es: esAdj('verde') },
  { id: 'black', en: 'black', es: esAdj('negro') },
  { id: 'white', en: 'white', es: esAdj('blanco') },
  { id: 'gray', en: 'gray', es: esAdj('gris') },
  { id: 'yellow', en: 'yellow', es: esAdj('amarillo') },
  { id: 'brown', en: 'brown', es: esAdj('marrón') },
  { id: 'purple', en: 'purple', es: esAdj('morado') },
  { id: 'silver', en: 'silver', es: esAdj('plateado') },
];

export interface Material {
  readonly id: string;
  readonly en: string;
  /** The noun used after "de": hecho de nailon. */
  readonly es: string;
}

export const MATERIALS: readonly Material[] = [
  { id: 'nylon', en: 'nylon', es: 'nailon' },
  { id: 'ripstop', en: 'ripstop nylon', es: 'nailon ripstop' },
  { id: 'polyester', en: 'polyester', es: 'poliéster' },
  { id: 'canvas', en: 'canvas', es: 'lona' },
  { id: 'leather', en: 'leather', es: 'cuero' },
  { id: 'suede', en: 'suede', es: 'ante' },
  { id: 'merino', en: 'merino wool', es: 'lana merino' },
  { id: 'down', en: 'goose down', es: 'plumón de ganso' },
  { id: 'synthetic', en: 'synthetic fiber', es: 'fibra sintética' },
  { id: 'aluminum', en: 'aluminum', es: 'aluminio' },
  { id: 'titanium', en: 'titanium', es: 'titanio' },
  { id: 'steel', en: 'stainless steel', es: 'acero inoxidable' },
  { id: 'plastic', en: 'plastic', es: 'plástico' },
  { id: 'foam', en: 'foam', es: 'espuma' },
  { id: 'carbon', en: 'carbon fiber', es: 'fibra de carbono' },
];

export type Polarity = 1 | -1 | 0;

export interface Adjective {
  readonly id: string;
  readonly en: string;
  /** Comparative ("lighter", "more comfortable"); null where English has none that reads well. */
  readonly enMore: string | null;
  readonly es: EsForms;
  readonly polarity: Polarity;
  /** Adjectives sharing a dimension are antonyms: one review never uses two of them. */
  readonly dim: string;
  /** Spanish predicates it with "estar" (está bien hecha), not "ser". */
  readonly estar: boolean;
}

function adj(id: string, en: string, enMore: string | null, es: EsForms, polarity: Polarity, dim: string, estar = false): Adjective {
  return { id, en, enMore, es, polarity, dim, estar };
}

export const ADJECTIVES: readonly Adjective[] = [
  adj('light', 'light', 'lighter', esAdj('ligero'), 1, 'weight'),
  adj('heavy', 'heavy', 'heavier', esAdj('pesado'), -1, 'weight'),
  adj('warm', 'warm', 'warmer', esAdj('cálido'), 1, 'warmth'),
  adj('cold', 'cold', 'colder', esAdj('frío'), -1, 'warmth'),
  adj('comfortable', 'comfortable', 'more comfortable', esAdj('cómodo'), 1, 'comfort'),
  adj('uncomfortable', 'uncomfortable', 'more uncomfortable', esAdj('incómodo'), -1, 'comfort'),
  adj('waterproof', 'waterproof', null, esAdj('impermeable'), 1, 'water'),
  adj('durable', 'durable', 'more durable', esAdj('resistente'), 1, 'build'),
  adj('flimsy', 'flimsy', 'flimsier', esAdj('frágil'), -1, 'build'),
  adj('sturdy', 'sturdy', 'sturdier', esAdj('robusto'), 1, 'build'),
  adj('wellmade', 'well made', null, esAdjPhrase('hecho', 'bien', false), 1, 'quality', true),
  adj('poorlymade', 'poorly made', null, esAdjPhrase('hecho', 'mal', false), -1, 'quality', true),
  adj('affordable', 'affordable', 'more affordable', esAdj('asequible'), 1, 'price'),
  adj('expensive', 'expensive', 'more expensive', esAdj('caro'), -1, 'price'),
  adj('compact', 'compact', 'more compact', esAdj('compacto'), 1, 'bulk'),
  adj('bulky', 'bulky', 'bulkier', esAdj('voluminoso'), -1, 'bulk'),
  adj('bright', 'bright', 'brighter', esAdj('luminoso'), 1, 'light-output'),
  adj('dim', 'dim', 'dimmer', esAdj('tenue'), -1, 'light-output'),
  adj('quiet', 'quiet', 'quieter', esAdj('silencioso'), 1, 'noise'),
  adj('noisy', 'noisy', 'noisier', esAdj('ruidoso'), -1, 'noise'),
  adj('stable', 'stable', 'more stable', esAdj('estable'), 1, 'stability'),
  adj('wobbly', 'wobbly', 'wobblier', esAdj('inestable'), -1, 'stability'),
  adj('soft', 'soft', 'softer', esAdj('suave'), 1, 'feel'),
  adj('stiff', 'stiff', 'stiffer', esAdj('rígido'), -1, 'feel'),
  adj('breathable', 'breathable', 'more breathable', esAdj('transpirable'), 1, 'breath'),
  adj('easy', 'easy to use', null, esAdjPhrase('fácil', 'de usar'), 1, 'use'),
  adj('hard', 'hard to use', null, esAdjPhrase('difícil', 'de usar'), -1, 'use'),
  // Neutral descriptors: used in translation, never as an opinion in reviews.
  adj('new', 'new', 'newer', esAdj('nuevo'), 0, 'age'),
  adj('old', 'old', 'older', esAdj('viejo'), 0, 'age'),
  adj('small', 'small', 'smaller', esAdj('pequeño'), 0, 'size'),
  adj('large', 'large', 'larger', esAdj('grande'), 0, 'size'),
];

export const ADJ_BY_ID: ReadonlyMap<string, Adjective> = new Map(ADJECTIVES.map((a) => [a.id, a]));

export type SpecKind = 'persons' | 'liters' | 'tempC' | 'lumens' | 'apparel' | 'shoe' | 'none';

/** A bilingual phrase (a product feature). */
export interface Phrase {
  readonly en: string;
  readonly es: string;
}

/** A part that can break, for support tickets: "the zipper was broken". */
export interface Part {
  readonly en: string;
  readonly damage: string;
}

export interface Category {
  readonly id: string;
  readonly en: { readonly sg: string; readonly pl: string };
  readonly es: { readonly sg: string; readonly pl: string; readonly g: Gender };
  /** Sold and named as a pair (boots, gloves): always plural in both languages. */
  readonly pluralOnly: boolean;
  readonly spec: SpecKind;
  readonly weightG: readonly [number, number];
  readonly priceUsd: readonly [number, number];
  readonly materials: readonly string[];
  /** Opinion adjectives that make sense for this category (ids into ADJECTIVES). */
  readonly adjectives: readonly string[];
  readonly features: readonly Phrase[];
  readonly parts: readonly Part[];
  /** Accessories shipped in the box, for "arrived without the ..." tickets. */
  readonly accessories: readonly string[];
}

function cat(c: Omit<Category, 'pluralOnly'> & { pluralOnly?: boolean }): Category {
  return { pluralOnly: false, ...c };
}

const p = (en: string, es: string): Phrase => ({ en, es });
const part = (en: string, damage: string): Part => ({ en, damage });

export const CATEGORIES: readonly Category[] = [
  cat({
    id: 'tent', en: { sg: 'tent', pl: 'tents' }, es: { sg: 'tienda', pl: 'tiendas', g: 'f' }, spec: 'persons',
    weightG: [900, 4500], priceUsd: [119, 479], materials: ['nylon', 'ripstop', 'polyester', 'canvas'],
    adjectives: ['light', 'heavy', 'waterproof', 'sturdy', 'flimsy', 'compact', 'bulky', 'stable', 'wellmade', 'poorlymade', 'affordable', 'expensive', 'easy', 'hard'],
    features: [p('two doors', 'dos puertas'), p('a full rainfly', 'un doble techo completo'), p('aluminum poles', 'varillas de aluminio'), p('mesh pockets', 'bolsillos de malla')],
    parts: [part('zipper', 'broken'), part('pole', 'bent'), part('rainfly', 'torn')], accessories: ['stakes', 'stuff sack'],
  }),
  cat({
    id: 'backpack', en: { sg: 'backpack', pl: 'backpacks' }, es: { sg: 'mochila', pl: 'mochilas', g: 'f' }, spec: 'liters',
    weightG: [500, 2400], priceUsd: [45, 259], materials: ['nylon', 'ripstop', 'polyester', 'canvas'],
    adjectives: ['light', 'heavy', 'comfortable', 'uncomfortable', 'durable', 'flimsy', 'waterproof', 'compact', 'bulky', 'wellmade', 'poorlymade', 'affordable', 'expensive'],
    features: [p('a padded hip belt', 'un cinturón acolchado'), p('a rain cover', 'una funda para la lluvia'), p('two side pockets', 'dos bolsillos laterales'), p('a hydration sleeve', 'un compartimento para hidratación')],
    parts: [part('zipper', 'broken'), part('shoulder strap', 'torn'), part('buckle', 'cracked')], accessories: ['rain cover'],
  }),
  cat({
    id: 'sleepingbag', en: { sg: 'sleeping bag', pl: 'sleeping bags' }, es: { sg: 'saco de dormir', pl: 'sacos de dormir', g: 'm' }, spec: 'tempC',
    weightG: [600, 2200], priceUsd: [79, 419], materials: ['down', 'synthetic', 'polyester'],
    adjectives: ['warm', 'cold', 'light', 'heavy', 'comfortable', 'compact', 'bulky', 'soft', 'affordable', 'expensive', 'wellmade'],
    features: [p('a draft collar', 'un cuello térmico'), p('a compression sack', 'una bolsa de compresión'), p('a two-way zipper', 'una cremallera de dos sentidos')],
    parts: [part('zipper', 'broken'), part('seam', 'torn')], accessories: ['compression sack'],
  }),
  cat({
    id: 'jacket', en: { sg: 'jacket', pl: 'jackets' }, es: { sg: 'chaqueta', pl: 'chaquetas', g: 'f' }, spec: 'apparel',
    weightG: [200, 1000], priceUsd: [59, 349], materials: ['nylon', 'polyester', 'ripstop', 'down', 'synthetic'],
    adjectives: ['warm', 'cold', 'waterproof', 'breathable', 'light', 'heavy', 'comfortable', 'stiff', 'soft', 'wellmade', 'poorlymade', 'affordable', 'expensive'],
    features: [p('an adjustable hood', 'una capucha ajustable'), p('taped seams', 'costuras selladas'), p('two hand pockets', 'dos bolsillos para las manos')],
    parts: [part('zipper', 'broken'), part('sleeve', 'torn'), part('seam', 'torn')], accessories: [],
  }),
  cat({
    id: 'boots', en: { sg: 'boots', pl: 'boots' }, es: { sg: 'botas', pl: 'botas', g: 'f' }, pluralOnly: true, spec: 'shoe',
    weightG: [800, 1800], priceUsd: [89, 259], materials: ['leather', 'suede', 'synthetic'],
    adjectives: ['comfortable', 'uncomfortable', 'waterproof', 'heavy', 'light', 'durable', 'stiff', 'breathable', 'wellmade', 'poorlymade', 'affordable', 'expensive'],
    features: [p('a grippy rubber sole', 'una suela de goma con buen agarre'), p('a padded collar', 'un collarín acolchado'), p('a waterproof membrane', 'una membrana impermeable')],
    parts: [part('sole', 'loose'), part('lace', 'torn'), part('eyelet', 'broken')], accessories: ['spare laces'],
  }),
  cat({
    id: 'headlamp', en: { sg: 'headlamp', pl: 'headlamps' }, es: { sg: 'linterna frontal', pl: 'linternas frontales', g: 'f' }, spec: 'lumens',
    weightG: [50, 200], priceUsd: [15, 89], materials: ['plastic', 'aluminum'],
    adjectives: ['bright', 'dim', 'light', 'comfortable', 'compact', 'easy', 'hard', 'durable', 'waterproof', 'affordable', 'expensive'],
    features: [p('a red light mode', 'un modo de luz roja'), p('a rechargeable battery', 'una batería recargable'), p('a tilting head', 'un cabezal inclinable')],
    parts: [part('switch', 'broken'), part('head strap', 'torn'), part('battery cover', 'cracked')], accessories: ['charging cable'],
  }),
  cat({
    id: 'stove', en: { sg: 'stove', pl: 'stoves' }, es: { sg: 'hornillo', pl: 'hornillos', g: 'm' }, spec: 'none',
    weightG: [80, 900], priceUsd: [29, 159], materials: ['steel', 'titanium', 'aluminum'],
    adjectives: ['light', 'heavy', 'compact', 'stable', 'wobbly', 'noisy', 'quiet', 'easy', 'hard', 'durable', 'affordable', 'expensive'],
    features: [p('a piezo igniter', 'un encendido piezoeléctrico'), p('a wind shield', 'un paravientos'), p('folding pot supports', 'soportes plegables')],
    parts: [part('igniter', 'broken'), part('burner', 'cracked'), part('valve', 'stuck')], accessories: ['carry case'],
  }),
  cat({
    id: 'bottle', en: { sg: 'water bottle', pl: 'water bottles' }, es: { sg: 'botella de agua', pl: 'botellas de agua', g: 'f' }, spec: 'liters',
    weightG: [90, 450], priceUsd: [12, 45], materials: ['steel', 'aluminum', 'plastic'],
    adjectives: ['light', 'heavy', 'durable', 'compact', 'bulky', 'affordable', 'expensive', 'wellmade', 'poorlymade'],
    features: [p('a leakproof lid', 'una tapa antigoteo'), p('a wide mouth', 'una boca ancha'), p('double walls', 'doble pared')],
    parts: [part('lid', 'cracked'), part('seal', 'loose')], accessories: [],
  }),
  cat({
    id: 'pad', en: { sg: 'sleeping pad', pl: 'sleeping pads' }, es: { sg: 'esterilla', pl: 'esterillas', g: 'f' }, spec: 'none',
    weightG: [300, 1300], priceUsd: [35, 189], materials: ['foam', 'nylon', 'polyester'],
    adjectives: ['comfortable', 'uncomfortable', 'light', 'heavy', 'compact', 'bulky', 'warm', 'cold', 'noisy', 'quiet', 'durable', 'affordable'],
    features: [p('a one-way valve', 'una válvula antirretorno'), p('a stuff sack', 'una bolsa de transporte')],
    parts: [part('valve', 'broken'), part('seam', 'leaking')], accessories: ['repair kit'],
  }),
  cat({
    id: 'gloves', en: { sg: 'gloves', pl: 'gloves' }, es: { sg: 'guantes', pl: 'guantes', g: 'm' }, pluralOnly: true, spec: 'apparel',
    weightG: [50, 250], priceUsd: [19, 95], materials: ['leather', 'merino', 'polyester'],
    adjectives: ['warm', 'cold', 'waterproof', 'comfortable', 'stiff', 'soft', 'breathable', 'durable', 'wellmade', 'affordable', 'expensive'],
    features: [p('touchscreen fingertips', 'yemas táctiles'), p('a warm lining', 'un forro cálido')],
    parts: [part('seam', 'torn'), part('cuff', 'torn')], accessories: [],
  }),
  cat({
    id: 'hammock', en: { sg: 'hammock', pl: 'hammocks' }, es: { sg: 'hamaca', pl: 'hamacas', g: 'f' }, spec: 'none',
    weightG: [300, 1200], priceUsd: [29, 139], materials: ['nylon', 'polyester'],
    adjectives: ['comfortable', 'uncomfortable', 'light', 'compact', 'sturdy', 'flimsy', 'easy', 'affordable'],
    features: [p('a bug net', 'una mosquitera'), p('tree straps', 'correas para árboles')],
    parts: [part('strap', 'torn'), part('carabiner', 'bent')], accessories: ['tree straps'],
  }),
  cat({
    id: 'filter', en: { sg: 'water filter', pl: 'water filters' }, es: { sg: 'filtro de agua', pl: 'filtros de agua', g: 'm' }, spec: 'none',
    weightG: [50, 500], priceUsd: [25, 119], materials: ['plastic'],
    adjectives: ['light', 'compact', 'easy', 'hard', 'durable', 'flimsy', 'affordable', 'expensive'],
    features: [p('a replaceable cartridge', 'un cartucho reemplazable'), p('a squeeze pouch', 'una bolsa flexible')],
    parts: [part('cartridge', 'cracked'), part('hose', 'split')], accessories: ['cleaning syringe'],
  }),
  cat({
    id: 'chair', en: { sg: 'camp chair', pl: 'camp chairs' }, es: { sg: 'silla plegable', pl: 'sillas plegables', g: 'f' }, spec: 'none',
    weightG: [800, 3000], priceUsd: [35, 149], materials: ['aluminum', 'steel', 'polyester'],
    adjectives: ['comfortable', 'uncomfortable', 'stable', 'wobbly', 'light', 'heavy', 'compact', 'bulky', 'sturdy', 'flimsy'],
    features: [p('a cup holder', 'un portavasos'), p('a carry bag', 'una bolsa de transporte')],
    parts: [part('leg', 'bent'), part('seat fabric', 'torn')], accessories: ['carry bag'],
  }),
  cat({
    id: 'fleece', en: { sg: 'fleece', pl: 'fleeces' }, es: { sg: 'forro polar', pl: 'forros polares', g: 'm' }, spec: 'apparel',
    weightG: [200, 600], priceUsd: [39, 139], materials: ['polyester', 'merino'],
    adjectives: ['warm', 'cold', 'soft', 'stiff', 'breathable', 'light', 'comfortable', 'wellmade', 'poorlymade', 'affordable'],
    features: [p('a full zip', 'una cremallera completa'), p('thumb loops', 'presillas para los pulgares')],
    parts: [part('zipper', 'broken'), part('cuff', 'torn')], accessories: [],
  }),
  cat({
    id: 'pot', en: { sg: 'cooking pot', pl: 'cooking pots' }, es: { sg: 'olla', pl: 'ollas', g: 'f' }, spec: 'liters',
    weightG: [100, 600], priceUsd: [19, 89], materials: ['titanium', 'aluminum', 'steel'],
    adjectives: ['light', 'heavy', 'durable', 'flimsy', 'compact', 'bulky', 'affordable', 'expensive'],
    features: [p('a lid with a strainer', 'una tapa con colador'), p('a measuring scale', 'una escala de medida')],
    parts: [part('handle', 'loose'), part('lid', 'bent')], accessories: [],
  }),
  cat({
    id: 'lantern', en: { sg: 'lantern', pl: 'lanterns' }, es: { sg: 'farol', pl: 'faroles', g: 'm' }, spec: 'lumens',
    weightG: [100, 600], priceUsd: [18, 85], materials: ['plastic', 'aluminum'],
    adjectives: ['bright', 'dim', 'light', 'heavy', 'compact', 'durable', 'easy', 'affordable', 'expensive'],
    features: [p('three light modes', 'tres modos de luz'), p('a hanging hook', 'un gancho para colgar')],
    parts: [part('switch', 'broken'), part('hook', 'bent')], accessories: ['charging cable'],
  }),
  cat({
    id: 'poles', en: { sg: 'trekking poles', pl: 'trekking poles' }, es: { sg: 'bastones de trekking', pl: 'bastones de trekking', g: 'm' }, pluralOnly: true, spec: 'none',
    weightG: [300, 700], priceUsd: [39, 179], materials: ['aluminum', 'carbon'],
    adjectives: ['light', 'heavy', 'sturdy', 'flimsy', 'durable', 'comfortable', 'compact', 'affordable', 'expensive'],
    features: [p('cork grips', 'empuñaduras de corcho'), p('flick locks', 'cierres rápidos')],
    parts: [part('lock', 'broken'), part('tip', 'bent')], accessories: ['snow baskets'],
  }),
  cat({
    id: 'socks', en: { sg: 'hiking socks', pl: 'hiking socks' }, es: { sg: 'calcetines de montaña', pl: 'calcetines de montaña', g: 'm' }, pluralOnly: true, spec: 'apparel',
    weightG: [50, 150], priceUsd: [12, 29], materials: ['merino', 'nylon', 'polyester'],
    adjectives: ['warm', 'soft', 'comfortable', 'uncomfortable', 'breathable', 'durable', 'affordable'],
    features: [p('a cushioned sole', 'una planta acolchada'), p('a seamless toe', 'una puntera sin costuras')],
    parts: [part('heel', 'worn through'), part('seam', 'torn')], accessories: [],
  }),
];

export const CATEGORY_BY_ID: ReadonlyMap<string, Category> = new Map(CATEGORIES.map((c) => [c.id, c]));
export const COLOR_BY_ID: ReadonlyMap<string, Color> = new Map(COLORS.map((c) => [c.id, c]));
export const MATERIAL_BY_ID: ReadonlyMap<string, Material> = new Map(MATERIALS.map((m) => [m.id, m]));

export interface Day {
  readonly en: string;
  readonly es: string;
}

export const DAYS: readonly Day[] = [
  { en: 'Monday', es: 'lunes' },
  { en: 'Tuesday', es: 'martes' },
  { en: 'Wednesday', es: 'miércoles' },
  { en: 'Thursday', es: 'jueves' },
  { en: 'Friday', es: 'viernes' },
  { en: 'Saturday', es: 'sábado' },
  { en: 'Sunday', es: 'domingo' },
];
