/**
 * Sentiment: calibrated label likelihoods and the classification-head path,
 * against a scripted engine whose label log-likelihoods are a fixed per-label
 * bias plus a signal from the review. Contextual calibration must cancel the
 * bias exactly (a content-free input scores uniformly), which the raw softmax
 * does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScoreRequest } from '../serve/engine.js';
import { MockEngine } from '../serve/testing/mock-engine.js';
import { SentimentPipeline, softmax } from './sentiment.js';
import { genericPrompts, promptsFor } from './task-prompts.js';

const BIAS: Record<string, number> = { positive: -3, negative: -2, neutral: 2 };

function scripted(req: ScoreRequest) {
  const ctx = String(req.context);
  const label = String(req.continuation);
  let lp = BIAS[label]!;
  if (ctx.includes('great') && label === 'positive') lp += 2;
  if (ctx.includes('awful') && label === 'negative') lp += 2;
  return { logprob: lp, greedy: false, tokens: [] };
}

describe('SentimentPipeline', () => {
  it('calibration removes the label bias (Calibrate Before Use)', async () => {
    const engine = new MockEngine({ score: scripted });
    const p = new SentimentPipeline(engine, genericPrompts);
    const [great, awful, plain] = await p.classify(['a great tent', 'an awful stove', 'a tent']);
    const e2 = Math.exp(2);
    assert.equal(great!.label, 'positive');
    assert.ok(Math.abs(great!.score - e2 / (e2 + 2)) < 1e-9);
    assert.equal(awful!.label, 'negative');
    for (const l of ['positive', 'negative', 'neutral']) assert.ok(Math.abs(plain!.scores[l]! - 1 / 3) < 1e-9);
    const sum = Object.values(great!.scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
    assert.equal(great!.method, 'likelihood');

    // Uncalibrated, the bias wins everywhere.
    const raw = await p.classify(['a great tent'], { calibrate: false });
    assert.equal(raw[0]!.label, 'neutral');
    const expected = softmax([BIAS.positive! + 2, BIAS.negative!, BIAS.neutral!]);
    assert.ok(Math.abs(raw[0]!.scores.positive! - expected[0]!) < 1e-12);
  });

  it('scores each label as the answer to the rendered task prompt, and measures the prior once', async () => {
    const engine = new MockEngine({ score: scripted });
    const p = new SentimentPipeline(engine, genericPrompts);
    await p.classify(['fine']);
    await p.classify(['also fine']);
    const scoreCalls = engine.calls.filter((c) => c.method === 'score');
    // First call: 1 review x 3 labels, then the prior: 3 content-free inputs x 3 labels; second call reuses the prior.
    assert.deepEqual(
      scoreCalls.map((c) => c.request.length),
      [3, 9, 3],
    );
    const first = (scoreCalls[0]!.request as ScoreRequest[])[0]!;
    assert.equal(first.context, '<|im_start|>user\nWhat is the sentiment of this review? Answer with one word: positive, negative or neutral.\n\nReview: fine<|im_end|>\n<|im_start|>assistant\n');
    assert.deepEqual(
      (scoreCalls[0]!.request as ScoreRequest[]).map((r) => r.continuation),
      ['positive', 'negative', 'neutral'],
    );
  });

  it('asks the built-in model with its trained prompt', async () => {
    const engine = new MockEngine({ score: scripted, info: { builtIn: true } });
    await new SentimentPipeline(engine, promptsFor(engine.info)).classify(['Warm boots.']);
    const first = (engine.calls.find((c) => c.method === 'score')!.request as ScoreRequest[])[0]!;
    assert.equal(first.context, '<|im_start|>user\nWhat is the sentiment of this review? Warm boots.<|im_end|>\n<|im_start|>assistant\n');
  });

  it('uses a classification head when the model has one', async () => {
    const engine = new MockEngine({ info: { classifierLabels: ['negative', 'positive'] }, classify: (t) => (t.includes('good') ? [0.1, 0.9] : [0.8, 0.2]) });
    const p = new SentimentPipeline(engine, genericPrompts);
    const [a, b] = await p.classify(['good', 'bad']);
    assert.deepEqual(a, { label: 'positive', score: 0.9, scores: { negative: 0.1, positive: 0.9 }, method: 'head' });
    assert.equal(b!.label, 'negative');
    assert.equal(engine.calls.filter((c) => c.method === 'score').length, 0);
    // Custom labels fall back to likelihoods; asking a headless model for the head is an error.
    const custom = await p.classify(['good'], { labels: ['joy', 'anger'] });
    assert.equal(custom[0]!.method, 'likelihood');
    await assert.rejects(new SentimentPipeline(new MockEngine(), genericPrompts).classify(['x'], { method: 'head' }), /has no classification head/);
  });
});
