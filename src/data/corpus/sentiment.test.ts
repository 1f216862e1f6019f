import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCorpus } from './generate.js';
import { ADJ_BY_ID } from './lexicon.js';
import { DEGREE_BY_ID, type AdjPred, type Negation } from './phrases.js';
import { reviewLabel, type Verdict } from './tasks/review.js';

const op = (adj: string, degree = 'plain', neg: Negation = 'none'): AdjPred => ({ adj: ADJ_BY_ID.get(adj)!, degree: DEGREE_BY_ID.get(degree)!, neg });
const label = (opinions: AdjPred[], verdict: Verdict | null = null) => reviewLabel({ opinions, verdict });

test('negation flips a single opinion', () => {
  assert.equal(label([op('comfortable')]), 'positive');
  assert.equal(label([op('comfortable', 'plain', 'not')]), 'negative');
  assert.equal(label([op('heavy')]), 'negative');
  assert.equal(label([op('heavy', 'plain', 'not')]), 'positive');
  assert.equal(label([op('heavy', 'plain', 'notvery')]), 'positive');
  assert.equal(label([op('waterproof', 'plain', 'notatall')]), 'negative');
});

test('intensifiers and downtoners weigh opinions joined by "but"', () => {
  assert.equal(label([op('light'), op('heavy')]), 'neutral'); // +1 -1
  assert.equal(label([op('light', 'very'), op('expensive')]), 'positive'); // +2 -1
  assert.equal(label([op('comfortable'), op('heavy', 'extremely')]), 'negative'); // +1 -3
  assert.equal(label([op('comfortable'), op('heavy', 'abit')]), 'positive'); // +1 -0.5
  assert.equal(label([op('light', 'very'), op('durable', 'plain', 'not'), op('expensive')]), 'neutral'); // +2 -1 -1
  assert.equal(label([]), 'neutral');
});

test('a verdict decides; "okay" makes a review neutral', () => {
  assert.equal(label([op('light', 'very')], { id: 'returning', negated: false }), 'negative');
  assert.equal(label([op('heavy')], { id: 'again', negated: false }), 'positive');
  assert.equal(label([op('heavy')], { id: 'again', negated: true }), 'negative');
  assert.equal(label([op('light', 'extremely')], { id: 'okay', negated: false }), 'neutral');
});

// An independent reading of the English reviews: its own tables of polarity and degree,
// applied to the rendered text with regular expressions.
const POLARITY: Record<string, number> = {
  light: 1, heavy: -1, warm: 1, cold: -1, comfortable: 1, uncomfortable: -1, waterproof: 1, durable: 1, flimsy: -1,
  sturdy: 1, 'well made': 1, 'poorly made': -1, affordable: 1, expensive: -1, compact: 1, bulky: -1, bright: 1, dim: -1,
  quiet: 1, noisy: -1, stable: 1, wobbly: -1, soft: 1, stiff: -1, breathable: 1, 'easy to use': 1, 'hard to use': -1,
};
const DEGREE: Record<string, number> = { quite: 1, very: 2, really: 2, extremely: 3, incredibly: 3, 'a bit': 0.5, slightly: 0.5 };
const VERDICTS: [RegExp, number][] = [
  [/I love (it|them)\./, 1], [/I would recommend (it|them)\./, 1], [/I would not recommend (it|them)\./, -1],
  [/I would buy (it|them) again\./, 1], [/I would not buy (it|them) again\./, -1], [/Highly recommended\./, 1],
  [/I am returning (it|them)\./, -1], [/Worth every penny\./, 1], [/Not worth the money\./, -1], [/(It is|They are) okay\./, 0],
];
const OPINION = new RegExp(
  `\\b(?:(not very|not) )?(?:(${Object.keys(DEGREE).join('|')}) )?(${Object.keys(POLARITY).sort((a, b) => b.length - a.length).join('|')})( at all)?\\b`,
  'g',
);

function readLabel(review: string): string {
  let text = review;
  let verdict: number | null = null;
  for (const [re, v] of VERDICTS) {
    if (re.test(text)) {
      verdict = v;
      text = text.replace(re, '');
    }
  }
  let score = 0;
  for (const m of text.matchAll(OPINION)) {
    const p = POLARITY[m[3]!]!;
    if (m[4]) score += -2 * p;
    else if (m[1] === 'not very') score += -0.5 * p;
    else if (m[1] === 'not') score += -p;
    else score += p * (m[2] ? DEGREE[m[2]]! : 1);
  }
  const s = verdict ?? score;
  return s > 0 ? 'positive' : s < 0 ? 'negative' : 'neutral';
}

test('every English review label agrees with an independent reading of its text', () => {
  const c = generateCorpus({ seed: 4, scale: 0.05 });
  const reviews = [...c.splits.train, ...c.splits.test].filter((r) => r.lang === 'en' && r.label !== undefined);
  assert.ok(reviews.length > 500, `${reviews.length} reviews`);
  const wrong = reviews.filter((r) => readLabel(r.input) !== r.label).map((r) => `${r.label}: ${r.input}`);
  assert.deepEqual(wrong.slice(0, 5), []);
  // Negated and intensified opinions are common, and every label occurs.
  assert.ok(reviews.filter((r) => / not /.test(r.input)).length > reviews.length / 4);
  const counts = { positive: 0, negative: 0, neutral: 0 };
  for (const r of reviews) counts[r.label!]++;
  for (const [k, n] of Object.entries(counts)) assert.ok(n > reviews.length * 0.2, `${k}: ${n}`);
});

test('sentiment outputs are exactly the label; review summaries start with it', () => {
  const c = generateCorpus({ seed: 4, scale: 0.02 });
  for (const r of c.splits.train) {
    if (r.task === 'sentiment') assert.equal(r.output, r.label);
    if (r.kind === 'summary:review') {
      assert.ok(r.output.startsWith(`${r.label![0]!.toUpperCase()}${r.label!.slice(1)} review of the `), r.output);
      assert.doesNotMatch(r.output, /says them|\bit are\b|\bthey is\b/);
    }
  }
});
