import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { GENERATORS, generateCorpus, splitCounts } from './generate.js';
import { Rng } from './rng.js';
import { Scope } from './scope.js';
import { COLOR_BY_ID, CATEGORY_BY_ID } from './lexicon.js';
import { SPLITS, TASKS, type CorpusRecord } from './record.js';
import { agree } from './spanish.js';
import { splitJsonl, splitText } from './write.js';

const bytesOf = (c: ReturnType<typeof generateCorpus>) => SPLITS.map((s) => splitText(c.splits[s]) + splitJsonl(c.splits[s])).join('\u0000');

test('same seed gives byte-identical output; another seed gives other output', () => {
  const a = bytesOf(generateCorpus({ seed: 5, scale: 0.02 }));
  const b = bytesOf(generateCorpus({ seed: 5, scale: 0.02 }));
  const c = bytesOf(generateCorpus({ seed: 6, scale: 0.02 }));
  assert.ok(a.length > 100_000);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('scale sets the counts per task and split', () => {
  const c = generateCorpus({ seed: 2, scale: 0.02 });
  for (const task of TASKS) {
    const want = splitCounts(task, 0.02);
    for (const split of SPLITS) {
      assert.equal(c.splits[split].filter((r) => r.task === task).length, want[split], `${task}/${split}`);
      for (const r of c.splits[split]) assert.equal(r.split, split);
    }
  }
  assert.throws(() => generateCorpus({ scale: 0 }), InvalidArgumentError);
  assert.throws(() => generateCorpus({ seed: -3 }), (e: unknown) => e instanceof InvalidArgumentError && /seed/.test(e.message));
});

// One corpus for the split checks below.
const corpus = generateCorpus({ seed: 1, scale: 0.05 });
const trainText = [...corpus.splits.train, ...corpus.splits.valid].map((r) => r.text).join('\n');
const key = (r: CorpusRecord) => (r.task === 'description' ? `${r.task}|${r.output}` : `${r.task}|${r.context ?? ''}|${r.input}`);

test('validation and test never repeat a training prompt, nor each other', () => {
  const train = new Set(corpus.splits.train.map(key));
  const valid = new Set(corpus.splits.valid.map(key));
  for (const r of corpus.splits.valid) assert.ok(!train.has(key(r)), `valid repeats train: ${r.input}`);
  for (const r of corpus.splits.test) {
    assert.ok(!train.has(key(r)) && !valid.has(key(r)), `test repeats train/valid: ${r.input}`);
  }
});

test('held-out brands, model words and customer names never occur in train or valid text', () => {
  const h = corpus.heldOut;
  assert.ok(h.brands.length >= 2 && h.modelWords.length >= 10 && h.names.length >= 4);
  for (const word of [...h.brands, ...h.modelWords, ...h.names]) {
    assert.ok(!new RegExp(`\\b${word}\\b`).test(trainText), `held-out '${word}' found in training text`);
  }
  // ...and each kind does occur in the test split.
  const testText = corpus.splits.test.map((r) => r.text).join('\n');
  assert.ok(h.brands.some((b) => testText.includes(b)));
  assert.ok(h.modelWords.some((w) => testText.includes(w)));
  assert.ok(h.names.some((n) => testText.includes(n)));
});

test('held-out category/color pairs never appear together in train or valid, in either language', () => {
  for (const [catId, colorId] of corpus.heldOut.pairs) {
    const cat = CATEGORY_BY_ID.get(catId)!;
    const color = COLOR_BY_ID.get(colorId)!;
    const forms = [`${color.en} ${cat.en.sg}`, `${color.en} ${cat.en.pl}`];
    for (const n of ['sg', 'pl'] as const) forms.push(`${n === 'sg' ? cat.es.sg : cat.es.pl} ${agree(color.es, cat.es.g, n)}`);
    for (const f of forms) assert.ok(!new RegExp(`\\b${f}\\b`, 'i').test(trainText), `held-out pair '${f}' found in training text`);
  }
  // No training product carries a held-out color of its category.
  for (const p of corpus.world.trainProducts) {
    for (const [catId, colorId] of corpus.heldOut.pairs) assert.ok(!(p.category.id === catId && p.colors.some((c) => c.id === colorId)));
  }
});

test('held-out templates never occur in train or valid text, and do occur in test', () => {
  const templates = corpus.heldOut.templates;
  assert.ok(templates.length >= 20);
  for (const task of TASKS) assert.ok(templates.some((t) => t.task === task), `no held-out template for ${task}`);
  const usedInTest = new Set(corpus.splits.test.flatMap((r) => r.holdout));
  let seen = 0;
  for (const t of templates) {
    assert.ok(t.signatures.length > 0, t.id);
    for (const sig of t.signatures) assert.ok(!trainText.includes(sig), `signature '${sig}' of ${t.id} found in training text`);
    if (usedInTest.has(`template:${t.id}`)) seen++;
  }
  assert.ok(seen >= 5, `only ${seen} of ${templates.length} held-out templates reach this small test split`);
});

test('every held-out template is reachable in held-out mode and never in-distribution', () => {
  const world = corpus.world;
  for (const task of TASKS) {
    const want = corpus.heldOut.templates.filter((t) => t.task === task).map((t) => `template:${t.id}`);
    const got = new Set<string>();
    const out = new Scope(world, new Rng(`reach/${task}`), 'out');
    for (let i = 0; i < 1500 && want.some((w) => !got.has(w)); i++) {
      out.reset('out');
      GENERATORS[task](out);
      for (const u of out.used) got.add(u);
    }
    for (const w of want) assert.ok(got.has(w), `${task}: ${w} never drawn`);
  }
});

test('half the test split uses held-out items, and every tag is true of the record', () => {
  const h = corpus.heldOut;
  const out = corpus.splits.test.filter((r) => r.holdout.length > 0);
  const n = corpus.splits.test.length;
  assert.ok(out.length >= n * 0.45 && out.length <= n * 0.55, `${out.length} of ${n}`);
  for (const r of corpus.splits.train) assert.deepEqual(r.holdout, []);
  const sigs = new Map(h.templates.map((t) => [t.id, t.signatures]));
  for (const r of out) {
    for (const tag of r.holdout) {
      const [kind, value] = [tag.slice(0, tag.indexOf(':')), tag.slice(tag.indexOf(':') + 1)];
      if (kind === 'brand') assert.ok(h.brands.includes(value) && r.text.includes(value), tag);
      else if (kind === 'model') assert.ok(h.modelWords.includes(value) && r.text.includes(value), tag);
      else if (kind === 'name') assert.ok(h.names.includes(value) && r.text.includes(value), tag);
      else if (kind === 'pair') assert.ok(h.pairs.some(([c, k]) => `${c}/${k}` === value), tag);
      else if (kind === 'template') assert.ok(sigs.get(value)!.some((s) => r.text.includes(s)), `${tag} not visible in: ${r.text}`);
      else assert.fail(`unknown tag ${tag}`);
    }
  }
});

test('test records use the canonical prompt; training mixes paraphrases in', () => {
  for (const r of corpus.splits.test) assert.equal(r.variant, 0);
  const chats = corpus.splits.train.filter((r) => r.task === 'translate' || r.task === 'sentiment' || r.task === 'summary');
  const canonical = chats.filter((r) => r.variant === 0).length / chats.length;
  assert.ok(canonical > 0.5 && canonical < 0.7, `canonical share ${canonical}`);
});
