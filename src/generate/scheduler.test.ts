import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, LmkitError } from '../errors.js';
import { createRuntime } from '../tensor/index.js';
import { QueueFullError } from './errors.js';
import { generate } from './generate.js';
import { choiceSeed } from './sampling.js';
import { Scheduler, type SchedulerEvent } from './scheduler.js';
import { promptLogprobs } from './score.js';
import { ByteTokenizer } from './testing/byte-tokenizer.js';
import { TinyAttentionLM } from './testing/toy-lm.js';
import type { GenerateOptions, GenerateResult } from './types.js';

const rt = createRuntime({ backend: 'js' });
const tok = new ByteTokenizer();

const requests: (GenerateOptions & { prompt: string })[] = [
  { prompt: 'Once upon a time', seed: 1, maxTokens: 20 },
  { prompt: 'x', seed: 2, maxTokens: 9, temperature: 0 },
  { prompt: 'The quick brown fox jumps over', seed: 3, maxTokens: 15, topK: 5, logprobs: 2 },
  { prompt: 'Hello', seed: 4, maxTokens: 25, stop: ['e', 'a'], temperature: 1.5 },
  { prompt: 'A somewhat longer prompt that needs a few prefill chunks', seed: 5, maxTokens: 12, topP: 0.8 },
  { prompt: 'q', seed: 6, maxTokens: 30, frequencyPenalty: 0.5, presencePenalty: 0.3 },
  { prompt: 'Count: 1 2 3', seed: 7, maxTokens: 5, minP: 0.1 },
];

async function alone(model: TinyAttentionLM, r: GenerateOptions & { prompt: string }): Promise<GenerateResult> {
  return generate(model, tok, r.prompt, r);
}

test('concurrent requests give exactly what each gives alone, in batched steps mixing prefill and decode', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 11 });
  const want = [];
  for (const r of requests) want.push(await alone(model, r));
  model.calls.length = 0;
  const sched = new Scheduler(model, tok, { maxBatch: 4, prefillChunk: 16 });
  const handles = requests.map((r) => sched.submit(r));
  sched.runUntilIdle();
  const got = await Promise.all(handles.map((h) => h.results));
  assert.deepEqual(got.map((g) => g[0]), want);
  const rows = model.calls.map((c) => c.length);
  assert.ok(Math.max(...rows) === 4, `at most maxBatch sequences per step (${rows})`);
  assert.ok(model.calls.some((c) => c.some((n) => n > 1) && c.some((n) => n === 1)), 'a prefill rides with decode tokens');
  assert.ok(model.calls.every((c) => c.filter((n) => n > 1).reduce((a, b) => a + b, 0) <= 16), 'prefill budget per step');
  assert.ok(sched.stepCount < want.reduce((n, r) => n + r.tokens.length + 2, 0), 'fewer steps than running them one by one');
  assert.equal(sched.active, 0);
  assert.ok(model.caches.every((c) => c.disposed));
});

test('events: one prompt event, then pieces whose text joins to the result, then done', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 12 });
  const sched = new Scheduler(model, tok);
  const seen: SchedulerEvent[] = [];
  const h = sched.submit({ prompt: 'Hi', seed: 3, maxTokens: 8 }, (e) => seen.push(e));
  sched.runUntilIdle();
  const events: SchedulerEvent[] = [];
  for await (const e of h) events.push(e);
  assert.deepEqual(events, seen);
  assert.equal(events[0]!.type, 'prompt');
  const done = events.at(-1)!;
  assert.equal(done.type, 'done');
  const text = events.flatMap((e) => (e.type === 'piece' ? [e.piece.text] : [])).join('');
  assert.equal(text, (done as { result: GenerateResult }).result.text);
});

test('n choices share one prefill; choice i equals a lone run with the i-th choice seed', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 13 });
  const opts = { seed: 42, maxTokens: 10, temperature: 1 };
  const want = [];
  for (let i = 0; i < 3; i++) want.push(await generate(model, tok, 'Tell me', { ...opts, seed: choiceSeed(42, i) }));
  model.calls.length = 0;
  const sched = new Scheduler(model, tok);
  const h = sched.submit({ prompt: 'Tell me', n: 3, ...opts });
  sched.runUntilIdle();
  assert.deepEqual(await h.results, want);
  assert.deepEqual(model.calls[0], [7], 'the shared prefix (all but the last prompt token) once');
  assert.deepEqual(model.calls[1], [1, 1, 1]);
  assert.ok(model.caches.every((c) => c.disposed));
});

test('echo: prompt logprobs match promptLogprobs, with n = 1 and n > 1, and with maxTokens 0', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 14 });
  const ids = tok.encode('score this prompt', { addSpecial: true });
  const want = promptLogprobs(model, ids, { top: 2 });
  for (const n of [1, 2]) {
    for (const maxTokens of [0, 3]) {
      const sched = new Scheduler(model, tok, { prefillChunk: 5 });
      const events: SchedulerEvent[] = [];
      const h = sched.submit({ prompt: 'score this prompt', echo: true, logprobs: 2, n, maxTokens, seed: 1 }, (e) => events.push(e));
      sched.runUntilIdle();
      const results = await h.results;
      const prompt = events.find((e) => e.type === 'prompt') as Extract<SchedulerEvent, { type: 'prompt' }>;
      assert.deepEqual(prompt.tokens, ids);
      assert.equal(prompt.logprobs!.length, ids.length);
      prompt.logprobs!.forEach((lp, i) => {
        if (i === 0) return assert.equal(lp, null);
        assert.equal(lp!.token, want[i]!.token);
        assert.ok(Math.abs(lp!.logprob - want[i]!.logprob) < 1e-5, `n ${n} position ${i}`);
        assert.deepEqual(lp!.top!.map((t) => t.token), want[i]!.top!.map((t) => t.token));
      });
      assert.equal(results.length, n);
      for (const r of results) assert.equal(r.tokens.length, maxTokens);
      if (maxTokens === 0) assert.ok(events.every((e) => e.type !== 'piece'));
    }
  }
});

test('cancel frees the slot and the cache at the next step; the request ends with abort', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 15 });
  const sched = new Scheduler(model, tok, { maxBatch: 1 });
  const a = sched.submit({ prompt: 'first', seed: 1, maxTokens: 50, ignoreEos: true });
  const b = sched.submit({ prompt: 'second', seed: 2, maxTokens: 3 });
  sched.runStep();
  sched.runStep();
  assert.equal(sched.active, 1);
  assert.equal(sched.queued, 1, 'b waits for the only slot');
  a.cancel();
  sched.runStep();
  const [ra] = await a.results;
  assert.equal(ra!.finishReason, 'abort');
  assert.equal(ra!.tokens.length, 2);
  assert.equal(sched.queued, 0, 'b took the freed slot');
  assert.equal(model.caches[0]!.disposed, true);
  sched.runUntilIdle();
  assert.equal((await b.results)[0]!.tokens.length, 3);
});

test('an aborted signal and a consumer that stops iterating both cancel', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 16 });
  const sched = new Scheduler(model, tok);
  sched.start();
  try {
    const ac = new AbortController();
    const a = sched.submit({ prompt: 'one', seed: 1, maxTokens: 200, ignoreEos: true, signal: ac.signal });
    const b = sched.submit({ prompt: 'two', seed: 2, maxTokens: 200, ignoreEos: true });
    let pieces = 0;
    for await (const e of a) if (e.type === 'piece' && ++pieces === 3) ac.abort();
    assert.equal((await a.results)[0]!.finishReason, 'abort');
    for await (const e of b) if (e.type === 'piece') break;
    assert.equal((await b.results)[0]!.finishReason, 'abort');
    const c = await sched.submit({ prompt: 'three', seed: 3, maxTokens: 4 }).results;
    assert.equal(c[0]!.tokens.length <= 4, true);
  } finally {
    await sched.stop();
  }
  assert.equal(sched.active, 0);
});

test('a full queue throws QueueFullError (code overloaded); bad requests throw at submit', () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 17 });
  const sched = new Scheduler(model, tok, { maxQueue: 2 });
  sched.submit({ prompt: 'a' });
  sched.submit({ prompt: 'b' });
  assert.throws(
    () => sched.submit({ prompt: 'c' }),
    (e: unknown) => e instanceof QueueFullError && LmkitError.isInstance(e) && e.code === 'overloaded' && e.message === '[scheduler] 2 requests are already waiting (maxQueue 2); retry later',
  );
  const s2 = new Scheduler(model, tok, { maxBatch: 2 });
  assert.throws(() => s2.submit({ prompt: 'a', n: 3 }), (e: unknown) => e instanceof InvalidArgumentError && /n: expected an integer in \[1, maxBatch = 2\]/.test(e.message));
  assert.throws(() => s2.submit({ prompt: 'a', temperature: -1 }), /temperature/);
  assert.throws(() => s2.submit({ prompt: 'a', responseFormat: { type: 'json_schema', schema: { type: 'string', pattern: 'x' } } }), /keyword 'pattern'/);
});

test('JSON-schema requests batched with free-text ones still produce valid JSON', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 18 });
  const sched = new Scheduler(model, tok);
  const schema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { type: 'integer' } }, required: ['ok', 'n'] };
  const hs = [0, 1, 2].map((i) => sched.submit({ prompt: 'json:', seed: i, maxTokens: 30, responseFormat: { type: 'json_schema', schema } }));
  const free = sched.submit({ prompt: 'free', seed: 9, maxTokens: 10 });
  sched.runUntilIdle();
  for (const h of hs) {
    const v = JSON.parse((await h.results)[0]!.text) as { ok: unknown; n: unknown };
    assert.equal(typeof v.ok, 'boolean');
    assert.ok(Number.isInteger(v.n));
  }
  assert.equal((await free.results)[0]!.tokens.length, 10);
});

test('admission is first come, first served', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 19 });
  const sched = new Scheduler(model, tok, { maxBatch: 1 });
  const order: number[] = [];
  const hs = [0, 1, 2, 3].map((i) => sched.submit({ prompt: `p${i}`, seed: i, maxTokens: 3 }));
  hs.forEach((h, i) => void h.results.then(() => order.push(i)));
  sched.runUntilIdle();
  await Promise.all(hs.map((h) => h.results));
  assert.deepEqual(order, [0, 1, 2, 3]);
});

test('a failing model step fails the requests in it and the scheduler keeps serving', async () => {
  const model = new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 20 });
  const step = model.step.bind(model);
  let fail = true;
  model.step = (batch) => {
    if (fail) {
      fail = false;
      throw new Error('device lost');
    }
    return step(batch);
  };
  const sched = new Scheduler(model, tok);
  const events: SchedulerEvent[] = [];
  const a = sched.submit({ prompt: 'a', seed: 1, maxTokens: 3 }, (e) => events.push(e));
  sched.runUntilIdle();
  await assert.rejects(a.results, /device lost/);
  assert.equal(events.at(-1)!.type, 'error');
  const b = sched.submit({ prompt: 'b', seed: 1, maxTokens: 3 });
  sched.runUntilIdle();
  assert.equal((await b.results)[0]!.tokens.length, 3);
  assert.equal(sched.active, 0);
});
