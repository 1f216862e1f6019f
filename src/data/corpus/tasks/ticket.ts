/**
 * Support tickets: a customer's message about an order (damaged, wrong color
 * or size, late, missing part, stopped working) with a request, and the
 * one-line summary written from the same meaning.
 */
import { aOrAn, enVerb, enWas } from '../english.js';
import type { Color, Part } from '../lexicon.js';
import { enFullName, isPlural } from '../product-text.js';
import type { Scope, TemplateInfo } from '../scope.js';
import type { Product } from '../world.js';

export type Issue =
  | { readonly kind: 'damaged'; readonly part: Part }
  | { readonly kind: 'wrongcolor'; readonly ordered: Color; readonly got: Color }
  | { readonly kind: 'wrongsize'; readonly ordered: string; readonly got: string }
  | { readonly kind: 'late'; readonly days: number }
  | { readonly kind: 'missing'; readonly accessory: string }
  | { readonly kind: 'broken'; readonly uses: number };

export type Request = 'replacement' | 'refund' | 'exchange' | 'tracking' | 'repair' | 'send';

export interface TicketMeaning {
  readonly name: string;
  readonly product: Product;
  readonly order: number;
  readonly issue: Issue;
  readonly request: Request;
  readonly template: TemplateInfo;
  /** Which of two wordings the issue sentence uses. */
  readonly wording: number;
}

export const TICKET_TEMPLATES: readonly TemplateInfo[] = [
  { id: 'ticket.0' },
  { id: 'ticket.1' },
  { id: 'ticket.2' },
  { id: 'ticket.3' },
  { id: 'ticket.4', heldOut: true, signatures: ['To whom it may concern'] },
];

const REQUESTS: Record<Issue['kind'], readonly Request[]> = {
  damaged: ['replacement', 'refund', 'repair'],
  wrongcolor: ['exchange', 'refund'],
  wrongsize: ['exchange', 'refund'],
  late: ['tracking', 'refund'],
  missing: ['send'],
  broken: ['replacement', 'refund', 'repair'],
};

const WORKS = new Set(['headlamp', 'lantern', 'stove', 'filter']);
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

function sizeRange(p: Product): string[] {
  const s = p.spec;
  if (s.kind === 'apparel') return SIZES.slice(SIZES.indexOf(s.from), SIZES.indexOf(s.to) + 1);
  if (s.kind === 'shoe') return Array.from({ length: s.to - s.from + 1 }, (_, i) => String(s.from + i));
  return [];
}

export function drawTicket(scope: Scope): TicketMeaning {
  const rng = scope.rng;
  const template = scope.template(TICKET_TEMPLATES);
  const name = scope.name();
  const product = scope.product();
  const kinds: Issue['kind'][] = ['damaged', 'wrongcolor', 'late'];
  if (sizeRange(product).length >= 2) kinds.push('wrongsize');
  if (product.category.accessories.length > 0) kinds.push('missing');
  if (WORKS.has(product.category.id)) kinds.push('broken');
  const kind = rng.pick(kinds);
  let issue: Issue;
  switch (kind) {
    case 'damaged':
      issue = { kind, part: rng.pick(product.category.parts) };
      break;
    case 'wrongcolor': {
      const ordered = rng.pick(product.colors);
      const others = product.colors.filter((c) => c !== ordered);
      const got = others.length > 0 && rng.chance(0.6) ? rng.pick(others) : scope.color(product.category, product.colors);
      scope.noteColors(product.category, [ordered, got]);
      issue = { kind, ordered, got };
      break;
    }
    case 'wrongsize': {
      const [ordered, got] = rng.sample(sizeRange(product), 2) as [string, string];
      issue = { kind, ordered, got };
      break;
    }
    case 'late':
      issue = { kind, days: rng.range(6, 21) };
      break;
    case 'missing':
      issue = { kind, accessory: rng.pick(product.category.accessories) };
      break;
    case 'broken':
      issue = { kind, uses: rng.range(2, 9) };
      break;
  }
  return { name, product, order: rng.range(10000, 99999), issue, request: rng.pick(REQUESTS[kind]), template, wording: rng.int(2) };
}

/** The issue as a clause about the product, in the ticket's words. */
function issueClause(t: TicketMeaning): string {
  const p = t.product;
  const pl = isPlural(p);
  const the = `the ${enFullName(p)}`;
  const i = t.issue;
  const w = t.wording;
  switch (i.kind) {
    case 'damaged':
      return w === 0 ? `${the} arrived with ${aOrAn(i.part.damage)} ${i.part.damage} ${i.part.en}` : `the ${i.part.en} of ${the} was ${i.part.damage} when ${pl ? 'they' : 'it'} arrived`;
    case 'wrongcolor':
      return w === 0 ? `I received ${the} in ${i.got.en} instead of ${i.ordered.en}` : `I ordered ${the} in ${i.ordered.en} but got ${pl ? `a ${i.got.en} pair` : `${aOrAn(i.got.en)} ${i.got.en} one`}`;
    case 'wrongsize':
      return w === 0 ? `I received ${the} in size ${i.got} instead of ${i.ordered}` : `I ordered size ${i.ordered} of ${the} but received size ${i.got}`;
    case 'late':
      return w === 0 ? `${the} ${enVerb('have', pl)} not arrived after ${i.days} days` : `I am still waiting for ${the} after ${i.days} days`;
    case 'missing':
      return w === 0 ? `${the} arrived without the ${i.accessory}` : `the ${i.accessory} ${enWas(i.accessory.endsWith('s'))} missing from the box of ${the}`;
    case 'broken':
      return w === 0 ? `${the} stopped working after ${i.uses} uses` : `${the} no longer ${enVerb('work', pl)} after only ${i.uses} trips`;
  }
}

/** [imperative phrase, noun phrase] of a request. */
function requestWords(t: TicketMeaning): [string, string] {
  const it = isPlural(t.product) ? 'them' : 'it';
  switch (t.request) {
    case 'replacement':
      return ['send me a replacement', 'a replacement'];
    case 'refund':
      return ['refund my money', 'a refund'];
    case 'exchange':
      return [`exchange ${it}`, 'an exchange'];
    case 'tracking':
      return ['tell me where my package is', 'a tracking update'];
    case 'repair':
      return [`repair ${it}`, 'a repair'];
    case 'send':
      return [`send the missing ${(t.issue as { accessory: string }).accessory}`, `the missing ${(t.issue as { accessory: string }).accessory}`];
  }
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export function renderTicket(t: TicketMeaning): string {
  const issue = issueClause(t);
  const [doIt, want] = requestWords(t);
  switch (t.template.id) {
    case 'ticket.0':
      return `Hello, my name is ${t.name}. My order number is ${t.order}, and ${issue}. Could you ${doIt}? Thanks.`;
    case 'ticket.1':
      return `Hi, this is about order #${t.order}. ${cap(issue)}. I would like ${want}. Regards, ${t.name}`;
    case 'ticket.2':
      return `${t.name} here. ${cap(issue)}. Order number: ${t.order}. Please ${doIt}.`;
    case 'ticket.3':
      return `Dear support team, ${issue}. My order number is ${t.order}. Please ${doIt}. Best, ${t.name}`;
    default:
      return `To whom it may concern: ${issue} (order ${t.order}). I am asking you to ${doIt}. Sincerely, ${t.name}`;
  }
}

/** The one-line summary of a ticket, from its meaning. */
export function ticketSummary(t: TicketMeaning): string {
  const p = enFullName(t.product);
  const pl = isPlural(t.product);
  const want = requestWords(t)[1];
  const i = t.issue;
  const order = `(order #${t.order})`;
  switch (i.kind) {
    case 'damaged':
      return `${t.name} reports ${aOrAn(i.part.damage)} ${i.part.damage} ${i.part.en} on the ${p} ${order} and asks for ${want}.`;
    case 'wrongcolor':
      return `${t.name} received the ${p} in ${i.got.en} instead of ${i.ordered.en} ${order} and asks for ${want}.`;
    case 'wrongsize':
      return `${t.name} received the ${p} in size ${i.got} instead of ${i.ordered} ${order} and asks for ${want}.`;
    case 'late':
      return `${t.name} reports that the ${p} ${enVerb('have', pl)} not arrived after ${i.days} days ${order} and asks for ${want}.`;
    case 'missing':
      return `${t.name} reports that the ${p} arrived without the ${i.accessory} ${order} and asks for ${want}.`;
    case 'broken':
      return `${t.name} reports that the ${p} stopped working ${order} and asks for ${want}.`;
  }
}
