/**
 * pipeline(task, { model }) on a tiny model folder: each task returns its
 * pipeline type and runs end to end; a string model is loaded and unloaded
 * by the pipeline, an Engine passed in is left open.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockEngine } from '../serve/testing/mock-engine.js';
import { writeTinyModel } from '../serve/testing/tiny-model.js';
import { pipeline } from './pipeline.js';
import { cosineSimilarity } from './text-generation.js';

describe('pipeline()', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmkit-pipe-'));
    await writeTinyModel(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('text generation and chat, streamed and not', async () => {
    const gen = await pipeline('text-generation', { model: dir, backend: 'js' });
    try {
      const r = await gen.generate('The tent is', { maxTokens: 8, sampling: { temperature: 0 } });
      let streamed = '';
      for await (const p of gen.stream('The tent is', { maxTokens: 8, sampling: { temperature: 0 } })) streamed += p;
      assert.equal(streamed, r.text);
      assert.ok(r.completionTokens <= 8);
      const chat = await pipeline('chat', { model: gen.engine });
      const reply = await chat.chat([{ role: 'user', content: 'Hi' }], { maxTokens: 6, sampling: { temperature: 0 } });
      assert.equal(reply.message.role, 'assistant');
      assert.equal(typeof reply.message.content, 'string');
      const json = await chat.chat([{ role: 'user', content: 'JSON please' }], { maxTokens: 40, sampling: { seed: 1 }, responseFormat: { type: 'json_object' } });
      assert.equal(typeof JSON.parse(json.message.content!), 'object');
      await chat.close();
      // The chat pipeline did not own the engine: the generation pipeline can still use it.
      assert.equal((await gen.generate('x', { maxTokens: 1 })).completionTokens, 1);
    } finally {
      await gen.close();
    }
  });

  it('translation, summarization, sentiment and embeddings', async () => {
    const tr = await pipeline('translation', { model: dir, backend: 'js' });
    try {
      const one = await tr.translate('The tent is light.', { source: 'en', target: 'es', maxTokens: 6 });
      assert.equal(typeof one.text, 'string');
      const many = await tr.translate(['a', 'b'], { source: 'en', target: 'fr', maxTokens: 3 });
      assert.equal(many.length, 2);
      const sum = await pipeline('summarization', { model: tr.engine });
      assert.equal(typeof (await sum.summarize('A long text.', { maxTokens: 4 })).text, 'string');
      const senti = await pipeline('sentiment-analysis', { model: tr.engine });
      const s = await senti.classify('Great boots!');
      assert.ok(['positive', 'negative', 'neutral'].includes(s.label));
      const emb = await pipeline('embeddings', { model: tr.engine });
      const [a, b, c] = await emb.embed(['warm boots', 'warm boots', 'a stove']);
      assert.ok(Math.abs(cosineSimilarity(a!, b!) - 1) < 1e-6);
      assert.ok(cosineSimilarity(a!, c!) < 0.9999);
    } finally {
      await tr.close();
    }
  });

  it('takes an Engine and rejects unknown tasks', async () => {
    const engine = new MockEngine({ respond: () => ['ok'] });
    const p = await pipeline('text-generation', { model: engine });
    assert.equal((await p.generate('x')).text, 'ok');
    await p.close();
    assert.equal(engine.closed, false);
    await assert.rejects(pipeline('nope' as 'chat', { model: engine }), /unknown task 'nope'/);
  });
});
