import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFactsStated, factMatch } from '../../eval/metrics/fact-recall.js';
import { formatUsd } from './english.js';
import { generateCorpus } from './generate.js';
import { POLICIES, SHOP } from './policies.js';
import { SUPPORT_SYSTEM, buildPrompt } from './prompts.js';
import type { Product } from './world.js';

const corpus = generateCorpus({ seed: 9, scale: 0.06 });
const support = [...corpus.splits.train, ...corpus.splits.valid, ...corpus.splits.test].filter((r) => r.task === 'support');
const byName = new Map<string, Product>(corpus.world.products.map((p) => [`${p.brand} ${p.model} ${p.category.en.sg}`, p]));

/** The card of the product the question names: "- Brand Model noun | price: ...". */
function namedCard(question: string, context: string): { line: string; product: Product } {
  const hits = context
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((line) => ({ line, name: line.slice(2, line.indexOf(' | ')) }))
    .filter(({ name }) => question.includes(`the ${name.slice(name.indexOf(' ') + 1)}`));
  assert.equal(hits.length, 1, `question '${question}' should name exactly one card of:\n${context}`);
  const product = byName.get(hits[0]!.name);
  assert.ok(product, `card '${hits[0]!.name}' is not in the catalog`);
  return { line: hits[0]!.line, product };
}

test('every support answer states its facts', () => {
  assert.ok(support.length > 700);
  for (const r of support) {
    assert.ok(r.facts && r.facts.length > 0);
    assert.ok(allFactsStated(r.output, r.facts!), `'${r.output}' misses one of ${JSON.stringify(r.facts)}`);
  }
});

test('product facts come from the card of the product asked about, and the card from the catalog', () => {
  const product = support.filter((r) => r.kind.startsWith('product:'));
  assert.ok(product.length > 500);
  const seenPrice = new Map<string, string>();
  for (const r of product) {
    assert.ok(r.context?.startsWith('Catalog:\n- '), r.kind);
    const { line, product: p } = namedCard(r.input, r.context!);
    assert.ok(line.includes(`price: ${formatUsd(p.priceCents)}`) && line.includes(`material: ${p.material.en}`), line);
    for (const f of r.facts!) if (f !== 'yes' && f !== 'no') assert.ok(factMatch(line, f), `fact '${f}' not on the card ${line}`);
    if (r.kind === 'product:hascolor') {
      const asked = r.facts!.includes('yes');
      assert.equal(r.output.startsWith('Yes'), asked);
      if (!asked) assert.deepEqual(r.facts!.slice(1), p.colors.map((c) => c.en));
    }
    if (r.kind === 'product:price') {
      const prev = seenPrice.get(p.id);
      if (prev) assert.equal(r.facts![0], prev, `two prices for ${p.id}`);
      seenPrice.set(p.id, r.facts![0]!);
    }
    if (r.kind === 'product:stock') assert.deepEqual(r.facts, p.stock === 0 ? ['out of stock'] : ['yes', String(p.stock)]);
  }
});

test('policy answers carry the store policies and no catalog', () => {
  const sheet = [
    `${POLICIES.returnDays} days`, `${POLICIES.refundBusinessDays} business days`, formatUsd(POLICIES.standardShippingCents),
    `$${POLICIES.freeShippingOverUsd}`, formatUsd(POLICIES.expressShippingCents), '3 to 5 business days', '1 to 2 business days',
    POLICIES.weekHours.open, POLICIES.weekHours.close, POLICIES.sundayHours.open, POLICIES.sundayHours.close,
    SHOP.email, SHOP.phone, 'manufacturing defects', 'free', 'never expire', `$${POLICIES.zipperRepairUsd}`, 'United States', 'Canada',
  ];
  const policy = support.filter((r) => r.kind.startsWith('policy:'));
  assert.ok(policy.length > 100);
  const kinds = new Set<string>();
  for (const r of policy) {
    assert.equal(r.context, undefined);
    kinds.add(r.kind);
    for (const f of r.facts!) assert.ok(sheet.includes(f), `fact '${f}' is not a store policy`);
  }
  assert.ok(kinds.size >= 12, `${kinds.size} policy kinds`);
});

test('the support prompt is the fixed system prompt, then the catalog, then the question', () => {
  const r = support.find((x) => x.context !== undefined)!;
  const prompt = buildPrompt(r);
  assert.ok(prompt.startsWith(`<|im_start|>system\n${SUPPORT_SYSTEM}\n\nCatalog:\n- `));
  assert.ok(prompt.endsWith(`<|im_start|>user\n${r.input}<|im_end|>\n<|im_start|>assistant\n`));
  assert.ok(SUPPORT_SYSTEM.includes(SHOP.name));
});
