import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../errors.js';
import { chrfFromStatistics, chrfStatistics, corpusChrF, sentenceChrF } from './chrf.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('hand-computed: "ab" against "abc" is 700/11', () => {
  // order 1: hyp {a,b} = 2, ref {a,b,c} = 3, match 2; order 2: hyp {ab} = 1, ref {ab,bc} = 2, match 1;
  // order 3: the hypothesis has no trigram, so it is not an effective order; orders 4-6: nothing.
  assert.deepEqual(chrfStatistics('ab', 'abc'), [2, 3, 2, 1, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // P = (2/2 + 1/1) / 2 = 1, R = (2/3 + 1/2) / 2 = 7/12, F2 = 5 P R / (4 P + R) = 7/11
  close(sentenceChrF('ab', 'abc'), 700 / 11);
});

test('hand-computed: "the cat" against "the hat" (whitespace removed)', () => {
  // order 1: 5 of 6 match both ways; order 2: 3 of 5; order 3: 1 of 4; orders 4-6: 0.
  // P = R = (5/6 + 3/5 + 1/4 + 0 + 0 + 0) / 6, so F = P.
  close(sentenceChrF('the cat', 'the hat'), (100 * (5 / 6 + 3 / 5 + 1 / 4)) / 6);
});

test('hand-computed: clipped counts, "aaaa" against "aa" is 78.125', () => {
  // order 1: match min(4, 2) = 2, P = 2/4, R = 1; order 2: match 1, P = 1/3, R = 1;
  // order 3: the reference has no trigram, so the hypothesis count is taken as 0 (not effective).
  const s = chrfStatistics('aaaa', 'aa');
  assert.deepEqual(s.slice(0, 9), [4, 2, 2, 3, 1, 1, 0, 0, 0]);
  close(sentenceChrF('aaaa', 'aa'), 78.125);
});

test('identical strings score 100, an empty hypothesis or reference scores 0', () => {
  assert.equal(sentenceChrF('La tienda roja es muy ligera.', 'La tienda roja es muy ligera.'), 100);
  assert.equal(sentenceChrF('x', 'x'), 100);
  assert.equal(sentenceChrF('', 'La tienda roja.'), 0);
  assert.equal(sentenceChrF('La tienda roja.', ''), 0);
  assert.equal(sentenceChrF('', ''), 0);
  assert.equal(sentenceChrF('abc', 'xyz'), 0);
});

test('whitespace is ignored and characters are code points', () => {
  assert.equal(sentenceChrF('El hornillo\tpesa  1,2 kg.\n', ' El hornillo pesa 1,2 kg.'), 100);
  assert.equal(sentenceChrF('word\u00a0joined\u3000by spaces', 'wordjoinedbyspaces'), 100);
  // One non-BMP character is one unigram, not two UTF-16 units.
  assert.deepEqual(chrfStatistics('\u{1F3D5}', '\u{1F3D5}').slice(0, 6), [1, 1, 1, 0, 0, 0]);
});

test('corpus level sums statistics before scoring (not the mean of sentence scores)', () => {
  const hyps = ['ab', 'the cat'];
  const refs = ['abc', 'the hat'];
  const summed = chrfStatistics('ab', 'abc').map((v, i) => v + chrfStatistics('the cat', 'the hat')[i]!);
  close(corpusChrF(hyps, refs), chrfFromStatistics(summed));
  const mean = (sentenceChrF('ab', 'abc') + sentenceChrF('the cat', 'the hat')) / 2;
  assert.ok(Math.abs(corpusChrF(hyps, refs) - mean) > 1);
});

test('recall weighs more than precision (beta 2)', () => {
  const short = sentenceChrF('La tienda', 'La tienda roja es ligera');
  const long = sentenceChrF('La tienda roja es ligera y muy buena para acampar', 'La tienda roja es ligera');
  assert.ok(long > short, `${long} <= ${short}`);
  assert.ok(sentenceChrF('La tienda', 'La tienda roja es ligera', { beta: 1 }) > short);
});

test('matches sacrebleu 2.6.0 CHRF() on the committed fixture', () => {
  const path = new URL('../../../test/fixtures/chrf/sacrebleu.json', import.meta.url);
  const fx = JSON.parse(readFileSync(path, 'utf8')) as {
    sentence: { hyp: string; ref: string; score: number }[];
    corpus: { hyps: string[]; refs: string[]; score: number }[];
  };
  assert.ok(fx.sentence.length >= 10 && fx.corpus.length >= 3);
  for (const s of fx.sentence) close(sentenceChrF(s.hyp, s.ref), s.score, 1e-9);
  for (const c of fx.corpus) close(corpusChrF(c.hyps, c.refs), c.score, 1e-9);
});

test('bad input is a typed error', () => {
  assert.throws(() => corpusChrF(['a'], []), (e: unknown) => e instanceof InvalidArgumentError && /1 hypotheses but 0 references/.test(e.message));
  assert.throws(() => corpusChrF([], []), InvalidArgumentError);
  assert.throws(() => chrfStatistics('a', 'b', 0), InvalidArgumentError);
  assert.throws(() => chrfFromStatistics([1, 2]), InvalidArgumentError);
});
