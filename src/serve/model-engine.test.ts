/**
 * ModelEngine over a tiny real model folder, against independent references:
 * generation equals src/generate's single-sequence `generate` on the same
 * prompt and seed (alone and while batched with others), echo and scores
 * equal `promptLogprobs` / `logLikelihood`, and batched, padded embeddings
 * equal each input embedded alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from '../generate/generate.js';
import { logLikelihood, promptLogprobs } from '../generate/score.js';
import { collectGeneration } from './engine.js';
import type { ModelEngine } from './model-engine.js';
import { openEngine } from './open-engine.js';
import { writeTinyModel } from './testing/tiny-model.js';

describe('ModelEngine (tiny Llama)', () => {
  let dir: string;
  let engine: ModelEngine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmkit-tiny-'));
    await writeTinyModel(dir);
    engine = await openEngine(dir, { backend: 'js', maxBatch: 8 });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes the model', () => {
    assert.equal(engine.info.id, dir);
    assert.equal(engine.info.contextLength, 256);
    assert.equal(engine.info.eosToken, '<|im_end|>');
    assert.equal(engine.info.chatTemplate, null);
    assert.ok(engine.info.memoryBytes > 10_000);
  });

  it('generates what generate() gives alone, also when batched with other requests', async () => {
    const prompts = ['The tent is', 'Shipping took', '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', 'La tienda'];
    const sampling = (i: number) => ({ temperature: 1, topP: 0.9, seed: 100 + i });
    const steps0 = engine.scheduler.stepCount;
    const together = await Promise.all(
      prompts.map((p, i) => collectGeneration(engine.generate({ prompt: p, maxTokens: 12, sampling: sampling(i), ignoreEos: true, logprobs: 2 }))),
    );
    // Continuous batching: the four requests shared their decode steps (alone they would need 4 x 12).
    assert.ok(engine.scheduler.stepCount - steps0 <= 14, `${engine.scheduler.stepCount - steps0} steps`);
    for (let i = 0; i < prompts.length; i++) {
      const ids = engine.tokenizer.encode(prompts[i]!, { addSpecial: true, parseSpecial: true });
      const ref = await generate(engine.model, engine.tokenizer, ids, { maxTokens: 12, temperature: 1, topP: 0.9, seed: 100 + i, ignoreEos: true, logprobs: 2 });
      assert.equal(together[i]!.text, ref.text);
      assert.deepEqual(
        together[i]!.tokens.map((t) => t.id),
        ref.tokens,
      );
      assert.deepEqual(
        together[i]!.tokens.map((t) => t.logprob),
        ref.logprobs!.map((l) => l.logprob),
      );
      assert.equal(together[i]!.tokens[0]!.top!.length, 2);
      assert.equal(together[i]!.completionTokens, 12);
      assert.equal(together[i]!.promptTokens, ids.length);
    }
  });

  it('recognises special tokens in text prompts', async () => {
    const ids = await engine.tokenize('<|im_start|>user');
    assert.equal(ids[0], engine.tokenizer.encode('<|im_start|>', { parseSpecial: true })[0]);
    assert.equal(engine.tokenizer.decode([ids[0]!]), '<|im_start|>');
  });

  it('echo gives the prompt logprobs promptLogprobs() computes', async () => {
    const r = await collectGeneration(engine.generate({ prompt: 'The tent is light', maxTokens: 0, sampling: { temperature: 0, topP: 1 }, echo: true, logprobs: 3 }));
    const ids = engine.tokenizer.encode('The tent is light', { addSpecial: true, parseSpecial: true });
    const ref = promptLogprobs(engine.model, ids, { top: 3 });
    assert.equal(r.prompt!.length, ids.length);
    assert.equal(r.prompt![0]!.logprob, null);
    for (let i = 1; i < ids.length; i++) {
      assert.equal(r.prompt![i]!.id, ids[i]);
      assert.ok(Math.abs(r.prompt![i]!.logprob! - ref[i]!.logprob) < 1e-5);
      assert.deepEqual(
        r.prompt![i]!.top!.map((t) => t.id),
        ref[i]!.top!.map((t) => t.token),
      );
    }
    assert.equal(r.completionTokens, 0);
    assert.equal(r.finishReason, 'length');
  });

  it('scores continuations as logLikelihood() does', async () => {
    const reqs = [
      { context: 'What is the sentiment of this review? Great value!', continuation: ' positive' },
      { context: 'The tent is', continuation: ' light and easy' },
    ];
    const got = await engine.score(reqs);
    for (let i = 0; i < reqs.length; i++) {
      const ref = logLikelihood(engine.model, engine.tokenizer, reqs[i]!.context, reqs[i]!.continuation);
      assert.ok(Math.abs(got[i]!.logprob - ref.logprob) < 1e-5);
      assert.equal(got[i]!.greedy, ref.isGreedy);
      assert.deepEqual(
        got[i]!.tokens.map((t) => t.id),
        ref.tokens,
      );
    }
  });

  it('embeds a padded batch exactly as each input alone', async () => {
    const texts = ['The tent is light.', 'Great value!', 'Shipping took two days and the sleeping bag was warm.'];
    for (const pooling of ['mean', 'last'] as const) {
      const batch = await engine.embed({ inputs: texts, pooling });
      for (let i = 0; i < texts.length; i++) {
        const alone = (await engine.embed({ inputs: [texts[i]!], pooling })).embeddings[0]!;
        const v = batch.embeddings[i]!;
        assert.equal(v.length, 32);
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
        for (let c = 0; c < v.length; c++) assert.ok(Math.abs(v[c]! - alone[c]!) < 1e-5, `${pooling} input ${i} dim ${c}`);
      }
    }
    const a = (await engine.embed({ inputs: ['Great value!'], pooling: 'mean' })).embeddings[0]!;
    const b = (await engine.embed({ inputs: ['The tent is light.'], pooling: 'mean' })).embeddings[0]!;
    assert.notDeepEqual(Array.from(a), Array.from(b));
  });

  it('a request cancelled while queued ends with start then cancelled; a full queue refuses', async () => {
    const small = await openEngine(dir, { backend: 'js', maxBatch: 1, maxQueue: 1 });
    try {
      const longIt = small.generate({ prompt: 'The tent', maxTokens: 40, sampling: { temperature: 0, topP: 1 }, ignoreEos: true })[Symbol.asyncIterator]();
      // Once its first event arrives it holds the only batch slot.
      assert.equal((await longIt.next()).value?.type, 'start');
      const long = (async () => {
        let n = 0;
        for (let r = await longIt.next(); !r.done; r = await longIt.next()) if (r.value.type === 'end') n = r.value.completionTokens;
        return n;
      })();
      const ac = new AbortController();
      const queued = small.generate({ prompt: 'Shipping', maxTokens: 4, sampling: { temperature: 0, topP: 1 } }, { signal: ac.signal });
      const events: string[] = [];
      const done = (async () => {
        for await (const ev of queued) events.push(ev.type === 'end' ? `end:${ev.finishReason}` : ev.type);
      })();
      await new Promise((r) => setTimeout(r, 20));
      await assert.rejects(collectGeneration(small.generate({ prompt: 'x', maxTokens: 1, sampling: { temperature: 0, topP: 1 } })), { name: 'QueueFullError' });
      ac.abort();
      await done;
      assert.deepEqual(events, ['start', 'end:cancelled']);
      assert.equal(await long, 40);
    } finally {
      await small.close();
    }
  });

  it('refuses prompts that do not fit and has no classification head', async () => {
    await assert.rejects(collectGeneration(engine.generate({ prompt: 'x '.repeat(300), maxTokens: 4, sampling: { temperature: 0, topP: 1 } })), { name: 'ContextLengthError' });
    await assert.rejects(engine.classify(['x']), /no classification head/);
  });
});
