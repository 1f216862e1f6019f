import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { accuracy } from './accuracy.js';
import { allFactsStated, factMatch, factRecall, factTokens } from './fact-recall.js';

test('tokens: money, minus signs, ranges, thousands separators', () => {
  assert.deepEqual(factTokens('It costs $129.00.'), ['it', 'costs', '$129']);
  assert.deepEqual(factTokens('129 dollars'), ['$129']);
  assert.deepEqual(factTokens('$1,299'), ['$1299']);
  assert.deepEqual(factTokens('rated to -5 °C'), ['rated', 'to', '-5', 'c']);
  assert.deepEqual(factTokens('3-5 business days'), ['3', '5', 'business', 'days']);
  assert.deepEqual(factTokens('3 to 5 business days'), ['3', '5', 'business', 'days']);
  assert.deepEqual(factTokens('sizes S to XL'), ['sizes', 's', 'to', 'xl']);
  assert.deepEqual(factTokens('1.2kg'), ['1.2', 'kg']);
});

test('a fact matches the same value however it is spelled', () => {
  assert.ok(factMatch('The Torvik backpack costs $129.', '$129'));
  assert.ok(factMatch('That one is 129 dollars.', '$129'));
  assert.ok(factMatch('It weighs 1.2kg.', '1.2 kg'));
  assert.ok(factMatch('Standard shipping takes 3–5 business days.', '3 to 5 business days'));
  assert.ok(factMatch('Email HELP@tallpine.example today', 'help@tallpine.example'));
  assert.ok(factMatch('It comes in Green and black.', 'green'));
});

test('a fact never matches a different number or a partial word', () => {
  assert.ok(!factMatch('It costs $1290.', '$129'));
  assert.ok(!factMatch('It costs $12.90.', '$129'));
  assert.ok(!factMatch('It costs 129 euros... no, $130.', '$129'));
  assert.ok(!factMatch('It is rated to 5 °C.', '-5 °C'));
  assert.ok(!factMatch('It comes in greenish tones.', 'green'));
  assert.ok(!factMatch('No, it only comes in red.', 'yes'));
  assert.ok(!factMatch('We have 14 in stock.', '41'));
});

test('factRecall is the share of facts stated; allFactsStated needs every one', () => {
  assert.equal(factRecall('It costs $129 and weighs 1.2 kg.', ['$129', '1.2 kg']), 1);
  assert.equal(factRecall('It costs $129.', ['$129', '1.2 kg']), 0.5);
  assert.equal(factRecall('I do not know.', ['$129']), 0);
  assert.ok(allFactsStated('Yes, we have 27 in stock.', ['yes', '27']));
  assert.ok(!allFactsStated('Yes, we have some in stock.', ['yes', '27']));
  assert.throws(() => factRecall('x', []), InvalidArgumentError);
  assert.throws(() => factRecall('x', ['...']), (e: unknown) => e instanceof InvalidArgumentError && /no words or numbers/.test(e.message));
});

test('accuracy counts exact matches; null predictions are wrong', () => {
  assert.equal(accuracy(['positive', 'negative', null, 'neutral'], ['positive', 'neutral', 'neutral', 'neutral']), 0.5);
  assert.equal(accuracy([1, 2, 3], [1, 2, 3]), 1);
  assert.throws(() => accuracy(['a'], ['a', 'b']), (e: unknown) => e instanceof InvalidArgumentError && /1 predictions but 2 gold labels/.test(e.message));
  assert.throws(() => accuracy([], []), InvalidArgumentError);
});
