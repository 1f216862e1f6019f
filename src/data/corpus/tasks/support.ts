/**
 * Customer-support chats. A customer asks about a product (the catalog cards
 * of that product and up to two others are appended to the system prompt) or
 * about a store policy (learnt by heart: the policies are the same in every
 * corpus). The answer states the right fact, and the record lists the facts in
 * `facts`, spelled as the catalog or the policy spells them.
 */
import { aOrAn, enList, enVerb, formatUsd } from '../english.js';
import { COLORS, type Color } from '../lexicon.js';
import { POLICIES, SHOP } from '../policies.js';
import {
  catalogContext, enShortName, isPlural, priceEn, specFactEn, warrantyEn, weightEn,
} from '../product-text.js';
import type { DraftRecord } from '../record.js';
import type { Scope, TemplateInfo } from '../scope.js';
import type { Product } from '../world.js';

/** How a question names the product, with the agreement it needs. */
interface Named {
  readonly short: string;
  readonly pl: boolean;
  v(lemma: string): string;
  readonly It: string;
  readonly itIs: string;
}

function named(p: Product): Named {
  const pl = isPlural(p);
  return { short: enShortName(p), pl, v: (l) => enVerb(l, pl), It: pl ? 'They' : 'It', itIs: pl ? "They're" : "It's" };
}

interface Ask {
  readonly color?: Color;
}

interface Question extends TemplateInfo {
  q(n: Named, a: Ask): string;
}

interface Answer {
  readonly text: string;
  readonly facts: readonly string[];
}

interface ProductKind {
  readonly id: string;
  applies(p: Product): boolean;
  readonly questions: readonly Question[];
  prepare?(scope: Scope, p: Product): Ask;
  /** `form` picks among equivalent answer wordings. */
  answer(p: Product, n: Named, a: Ask, form: number): Answer;
}

const q = (id: string, f: (n: Named, a: Ask) => string, held?: string): Question =>
  held ? { id: `support.${id}`, q: f, heldOut: true, signatures: [held] } : { id: `support.${id}`, q: f };

const always = () => true;

const PRODUCT_KINDS: readonly ProductKind[] = [
  {
    id: 'price', applies: always,
    questions: [
      q('price.0', (n) => `How much ${n.v('be')} the ${n.short}?`),
      q('price.1', (n) => `What ${n.v('do')} the ${n.short} cost?`),
      q('price.2', (n) => `What's the price of the ${n.short}?`),
      q('price.3', (n) => `How much do you charge for the ${n.short}?`),
      q('price.4', (n) => `Could you tell me the price of the ${n.short}?`, 'Could you tell me the price'),
    ],
    answer: (p, n, _a, form) => ({
      text: [`The ${n.short} ${n.v('cost')} ${priceEn(p)}.`, `${n.itIs} ${priceEn(p)}.`, `The ${n.short} ${n.v('be')} priced at ${priceEn(p)}.`][form % 3]!,
      facts: [priceEn(p)],
    }),
  },
  {
    id: 'weight', applies: always,
    questions: [
      q('weight.0', (n) => `How much ${n.v('do')} the ${n.short} weigh?`),
      q('weight.1', (n) => `What is the weight of the ${n.short}?`),
      q('weight.2', (n) => `${n.pl ? 'Are' : 'Is'} the ${n.short} heavy?`),
      q('weight.3', (n) => `How heavy ${n.v('be')} the ${n.short}?`, 'How heavy'),
    ],
    answer: (p, n, _a, form) => ({
      text: [`The ${n.short} ${n.v('weigh')} ${weightEn(p.weightG)}.`, `${n.It} ${n.v('weigh')} ${weightEn(p.weightG)}.`][form % 2]!,
      facts: [weightEn(p.weightG)],
    }),
  },
  {
    id: 'colors', applies: always,
    questions: [
      q('colors.0', (n) => `What colors ${n.v('do')} the ${n.short} come in?`),
      q('colors.1', (n) => `Which colors ${n.v('be')} the ${n.short} available in?`),
      q('colors.2', (n) => `What color options are there for the ${n.short}?`, 'What color options'),
    ],
    answer: (p, n, _a, form) => {
      const list = enList(p.colors.map((c) => c.en));
      const text = [`The ${n.short} ${n.v('come')} in ${list}.`, `${n.itIs} available in ${list}.`][form % 2]!;
      return { text, facts: p.colors.map((c) => c.en) };
    },
  },
  {
    id: 'hascolor', applies: always,
    questions: [
      q('hascolor.0', (n, a) => `${n.pl ? 'Do' : 'Does'} the ${n.short} come in ${a.color!.en}?`),
      q('hascolor.1', (n, a) => `Do you have the ${n.short} in ${a.color!.en}?`),
      q('hascolor.2', (n, a) => `Is there ${aOrAn(a.color!.en)} ${a.color!.en} version of the ${n.short}?`, 'version of the'),
    ],
    prepare(scope, p) {
      // Half the time a color the product has, half the time one it lacks.
      const has = scope.rng.chance(0.5) || p.colors.length === COLORS.length;
      if (has) return { color: scope.rng.pick(p.colors) };
      return { color: scope.color(p.category, p.colors) };
    },
    answer: (p, n, a, form) => {
      const c = a.color!;
      if (p.colors.includes(c)) {
        return { text: [`Yes, the ${n.short} ${n.v('come')} in ${c.en}.`, `Yes, we have ${n.pl ? 'them' : 'it'} in ${c.en}.`][form % 2]!, facts: ['yes', c.en] };
      }
      const list = enList(p.colors.map((k) => k.en));
      return { text: `No, the ${n.short} only ${n.v('come')} in ${list}.`, facts: ['no', ...p.colors.map((k) => k.en)] };
    },
  },
  {
    id: 'stock', applies: always,
    questions: [
      q('stock.0', (n) => `${n.pl ? 'Are' : 'Is'} the ${n.short} in stock?`),
      q('stock.1', (n) => `Do you have the ${n.short} in stock?`),
      q('stock.2', (n) => `Can I order the ${n.short} now?`),
      q('stock.3', (n) => `${n.pl ? 'Are' : 'Is'} the ${n.short} available right now?`, 'available right now'),
    ],
    answer: (p, n, _a, form) => {
      if (p.stock === 0) {
        return { text: [`Sorry, the ${n.short} ${n.v('be')} out of stock right now.`, `Sorry, ${n.pl ? "they're" : "it's"} out of stock at the moment.`][form % 2]!, facts: ['out of stock'] };
      }
      return { text: [`Yes, we have ${p.stock} in stock.`, `Yes, there ${p.stock === 1 ? 'is' : 'are'} ${p.stock} in stock right now.`][form % 2]!, facts: ['yes', String(p.stock)] };
    },
  },
  {
    id: 'material', applies: always,
    questions: [
      q('material.0', (n) => `What ${n.v('be')} the ${n.short} made of?`),
      q('material.1', (n) => `What material ${n.v('be')} the ${n.short}?`),
      q('material.2', (n) => `Which material ${n.v('do')} the ${n.short} use?`, 'Which material'),
    ],
    answer: (p, n, _a, form) => ({
      text: [`The ${n.short} ${n.v('be')} made of ${p.material.en}.`, `${n.itIs} made of ${p.material.en}.`][form % 2]!,
      facts: [p.material.en],
    }),
  },
  {
    id: 'warranty', applies: always,
    questions: [
      q('warranty.0', (n) => `How long is the warranty on the ${n.short}?`),
      q('warranty.1', (n) => `${n.pl ? 'Do' : 'Does'} the ${n.short} have a warranty?`),
      q('warranty.2', (n) => `What warranty comes with the ${n.short}?`, 'What warranty comes with'),
    ],
    answer: (p, n, _a, form) => ({
      text: [`The ${n.short} ${n.v('be')} covered for ${warrantyEn(p.warrantyYears)}.`, `Yes, ${n.pl ? 'they come' : 'it comes'} with a warranty of ${warrantyEn(p.warrantyYears)}.`][form % 2]!,
      facts: [warrantyEn(p.warrantyYears)],
    }),
  },
  {
    id: 'brand', applies: always,
    questions: [
      q('brand.0', (n) => `Who makes the ${n.short}?`),
      q('brand.1', (n) => `What brand ${n.v('be')} the ${n.short}?`),
      q('brand.2', (n) => `Which company makes the ${n.short}?`, 'Which company makes'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('be')} made by ${p.brand}.`, facts: [p.brand] }),
  },
  {
    id: 'capacity', applies: (p) => p.spec.kind === 'liters',
    questions: [
      q('capacity.0', (n) => `What is the capacity of the ${n.short}?`),
      q('capacity.1', (n) => `How many liters ${n.v('do')} the ${n.short} hold?`),
      q('capacity.2', (n) => `How big ${n.v('be')} the ${n.short}?`, 'How big'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('hold')} ${specFactEn(p.spec)}.`, facts: [specFactEn(p.spec)!] }),
  },
  {
    id: 'persons', applies: (p) => p.spec.kind === 'persons',
    questions: [
      q('persons.0', (n) => `How many people ${n.v('do')} the ${n.short} sleep?`),
      q('persons.1', (n) => `How many people fit in the ${n.short}?`),
      q('persons.2', (n) => `How many campers can share the ${n.short}?`, 'How many campers'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('sleep')} ${specFactEn(p.spec)}.`, facts: [specFactEn(p.spec)!] }),
  },
  {
    id: 'rating', applies: (p) => p.spec.kind === 'tempC',
    questions: [
      q('rating.0', (n) => `What is the temperature rating of the ${n.short}?`),
      q('rating.1', (n) => `How cold can it get with the ${n.short}?`),
      q('rating.2', (n) => `How warm ${n.v('be')} the ${n.short}?`, 'How warm'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('be')} rated to ${specFactEn(p.spec)}.`, facts: [specFactEn(p.spec)!] }),
  },
  {
    id: 'lumens', applies: (p) => p.spec.kind === 'lumens',
    questions: [
      q('lumens.0', (n) => `How bright ${n.v('be')} the ${n.short}?`),
      q('lumens.1', (n) => `How many lumens ${n.v('do')} the ${n.short} have?`),
      q('lumens.2', (n) => `What is the light output of the ${n.short}?`, 'light output'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('give')} ${specFactEn(p.spec)}.`, facts: [specFactEn(p.spec)!] }),
  },
  {
    id: 'sizes', applies: (p) => p.spec.kind === 'apparel' || p.spec.kind === 'shoe',
    questions: [
      q('sizes.0', (n) => `What sizes ${n.v('do')} the ${n.short} come in?`),
      q('sizes.1', (n) => `Which sizes are available for the ${n.short}?`),
      q('sizes.2', (n) => `What is the size range of the ${n.short}?`, 'size range'),
    ],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('come')} in sizes ${specFactEn(p.spec)}.`, facts: [specFactEn(p.spec)!] }),
  },
  {
    id: 'priceweight', applies: always,
    questions: [q('priceweight.0', (n) => `How much ${n.v('be')} the ${n.short} and how much ${n.pl ? 'do they' : 'does it'} weigh?`)],
    answer: (p, n) => ({ text: `The ${n.short} ${n.v('cost')} ${priceEn(p)} and ${n.v('weigh')} ${weightEn(p.weightG)}.`, facts: [priceEn(p), weightEn(p.weightG)] }),
  },
];

interface PolicyQuestion extends TemplateInfo {
  readonly text: string;
}

interface PolicyKind {
  readonly id: string;
  readonly questions: readonly PolicyQuestion[];
  readonly answer: Answer;
}

const P = POLICIES;
const days = (d: readonly [number, number]) => `${d[0]} to ${d[1]} business days`;
const pq = (id: string, text: string, held?: string): PolicyQuestion =>
  held ? { id: `support.${id}`, text, heldOut: true, signatures: [held] } : { id: `support.${id}`, text };

const POLICY_KINDS: readonly PolicyKind[] = [
  {
    id: 'returns',
    questions: [pq('returns.0', 'What is your return policy?'), pq('returns.1', 'Can I return something I bought?'), pq('returns.2', 'How many days do I have to return an item?'), pq('returns.3', 'Is there a time limit on returns?', 'time limit on returns')],
    answer: { text: `You can return unused items within ${P.returnDays} days of delivery for a full refund.`, facts: [`${P.returnDays} days`] },
  },
  {
    id: 'refund',
    questions: [pq('refund.0', 'How long does a refund take?'), pq('refund.1', 'When will I get my money back after a return?'), pq('refund.2', 'How fast are refunds processed?', 'How fast are refunds')],
    answer: { text: `Refunds are issued within ${P.refundBusinessDays} business days after we receive the return.`, facts: [`${P.refundBusinessDays} business days`] },
  },
  {
    id: 'shipping',
    questions: [pq('shipping.0', 'How much is shipping?'), pq('shipping.1', 'What does standard shipping cost?'), pq('shipping.2', 'What are your shipping fees?', 'shipping fees')],
    answer: { text: `Standard shipping costs ${formatUsd(P.standardShippingCents)}, and it is free on orders over $${P.freeShippingOverUsd}.`, facts: [formatUsd(P.standardShippingCents), `$${P.freeShippingOverUsd}`] },
  },
  {
    id: 'delivery',
    questions: [pq('delivery.0', 'How long does delivery take?'), pq('delivery.1', 'When will my order arrive?'), pq('delivery.2', 'How many days does shipping take?', 'How many days does shipping take')],
    answer: { text: `Standard shipping takes ${days(P.standardShippingDays)}.`, facts: [days(P.standardShippingDays)] },
  },
  {
    id: 'express',
    questions: [pq('express.0', 'Do you offer express shipping?'), pq('express.1', 'Can I get my order faster?'), pq('express.2', 'Is there a faster delivery option?', 'faster delivery option')],
    answer: { text: `Yes, express shipping costs ${formatUsd(P.expressShippingCents)} and takes ${days(P.expressShippingDays)}.`, facts: [formatUsd(P.expressShippingCents), days(P.expressShippingDays)] },
  },
  {
    id: 'freeshipping',
    questions: [pq('freeshipping.0', 'Do you offer free shipping?'), pq('freeshipping.1', 'Is shipping ever free?'), pq('freeshipping.2', 'When is shipping free?', 'When is shipping free')],
    answer: { text: `Shipping is free on orders over $${P.freeShippingOverUsd}.`, facts: [`$${P.freeShippingOverUsd}`] },
  },
  {
    id: 'hours',
    questions: [pq('hours.0', 'What are your opening hours?'), pq('hours.1', 'When is the store open?'), pq('hours.2', 'What time does the store open?', 'What time does the store open')],
    answer: { text: `We are open ${P.weekHours.days} from ${P.weekHours.open} to ${P.weekHours.close}, and on Sunday from ${P.sundayHours.open} to ${P.sundayHours.close}.`, facts: [P.weekHours.open, P.weekHours.close] },
  },
  {
    id: 'sunday',
    questions: [pq('sunday.0', 'Are you open on Sunday?'), pq('sunday.1', 'What are your Sunday hours?'), pq('sunday.2', 'Can I visit the store on Sunday?', 'visit the store on Sunday')],
    answer: { text: `Yes, on Sunday we are open from ${P.sundayHours.open} to ${P.sundayHours.close}.`, facts: [P.sundayHours.open, P.sundayHours.close] },
  },
  {
    id: 'email',
    questions: [pq('email.0', 'How can I contact you?'), pq('email.1', 'What is your email address?'), pq('email.2', 'Where can I send an email?', 'Where can I send an email')],
    answer: { text: `You can email us at ${SHOP.email} or call ${SHOP.phone}.`, facts: [SHOP.email] },
  },
  {
    id: 'phone',
    questions: [pq('phone.0', 'What is your phone number?'), pq('phone.1', 'Can I call you?'), pq('phone.2', 'Is there a number I can call?', 'a number I can call')],
    answer: { text: `You can call us at ${SHOP.phone}.`, facts: [SHOP.phone] },
  },
  {
    id: 'warrantypolicy',
    questions: [pq('warrantypolicy.0', 'What does the warranty cover?'), pq('warrantypolicy.1', 'Is normal wear covered by the warranty?'), pq('warrantypolicy.2', 'What is not covered by the warranty?', 'not covered by the warranty')],
    answer: { text: 'The warranty covers manufacturing defects, but not normal wear and tear.', facts: ['manufacturing defects'] },
  },
  {
    id: 'exchange',
    questions: [pq('exchange.0', 'Can I exchange an item for a different size?'), pq('exchange.1', 'Do you do exchanges?'), pq('exchange.2', 'Can I swap my order for another color?', 'swap my order')],
    answer: { text: `Yes, size and color exchanges are free within ${P.exchangeDays} days.`, facts: ['free', `${P.exchangeDays} days`] },
  },
  {
    id: 'giftcards',
    questions: [pq('giftcards.0', 'Do your gift cards expire?'), pq('giftcards.1', 'How long is a gift card valid?'), pq('giftcards.2', 'Is there an expiry date on gift cards?', 'expiry date')],
    answer: { text: 'No, our gift cards never expire.', facts: ['never expire'] },
  },
  {
    id: 'repairs',
    questions: [pq('repairs.0', 'Do you repair zippers?'), pq('repairs.1', 'Can you fix a broken zipper?'), pq('repairs.2', 'Do you offer repairs?', 'Do you offer repairs')],
    answer: { text: `Yes, we replace broken zippers for $${P.zipperRepairUsd}.`, facts: [`$${P.zipperRepairUsd}`] },
  },
  {
    id: 'countries',
    questions: [pq('countries.0', 'Do you ship internationally?'), pq('countries.1', 'Can you ship to Canada?'), pq('countries.2', 'Which countries do you ship to?', 'Which countries')],
    answer: { text: `We ship to ${enList(P.shipsTo)}.`, facts: ['United States', 'Canada'] },
  },
];

const OPENERS = ['', '', '', 'Hi! ', 'Hello. ', 'Hi there. ', 'Good morning! ', 'Quick question: '];
const CLOSERS = ['', '', '', ' Thanks!', ' Thank you.'];

/** Every question template of the task, for the manifest and the held-out tests. */
export const SUPPORT_TEMPLATES: readonly TemplateInfo[] = [...PRODUCT_KINDS.flatMap((k) => k.questions), ...POLICY_KINDS.flatMap((k) => k.questions)];

/** Share of support questions about store policies rather than products. */
const POLICY_SHARE = 0.22;

function decorate(scope: Scope, question: string): string {
  return `${scope.rng.pick(OPENERS)}${question}${scope.rng.pick(CLOSERS)}`;
}

export function generateSupport(scope: Scope): DraftRecord {
  const rng = scope.rng;
  if (rng.chance(POLICY_SHARE)) {
    const kind = rng.pick(POLICY_KINDS);
    const t = scope.template(kind.questions);
    return { task: 'support', input: decorate(scope, t.text), output: kind.answer.text, facts: kind.answer.facts, lang: 'en', kind: `policy:${kind.id}`, template: t.id };
  }
  const p = scope.product();
  const kinds = PRODUCT_KINDS.filter((k) => k.applies(p));
  const kind = rng.pick(kinds);
  const n = named(p);
  const ask = kind.prepare?.(scope, p) ?? {};
  const t = scope.template(kind.questions);
  const answer = kind.answer(p, n, ask, rng.int(6));
  // The product's card, with up to two others: the assistant must pick the right one.
  const cards = [p];
  const others = rng.weighted([[0, 5], [1, 4], [2, 1]] as const);
  for (let i = 0; i < others; i++) {
    const sameCategory = rng.chance(0.5);
    cards.push(scope.otherProduct(p, (o) => !cards.includes(o) && (!sameCategory || o.category === p.category)));
  }
  rng.shuffle(cards);
  for (const c of cards) scope.noteColors(c.category, c.colors);
  return {
    task: 'support', input: decorate(scope, t.q(n, ask)), output: answer.text, facts: answer.facts, lang: 'en',
    context: catalogContext(cards), kind: `product:${kind.id}`, template: t.id,
  };
}
