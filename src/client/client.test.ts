/** lmkit/client against a server on a mock engine: requests, typed results, errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../serve/server.js';
import { MockEngine } from '../serve/testing/mock-engine.js';

describe('lmkit/client', () => {
  let server: RunningServer;
  let engine: MockEngine;
  before(async () => {
    engine = new MockEngine({ info: { contextLength: 2048 }, respond: () => [' Hola', ' mundo', '.'] });
    server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
  });
  after(async () => server.close());

  it('is importable as lmkit/client and calls the task endpoints', async () => {
    const { LmkitClient, LmkitApiError } = await import('lmkit/client');
    const lm = new LmkitClient({ baseURL: `${server.url}/v1` });
    const s = await lm.sentiment(['great', 'bad']);
    assert.equal(s.length, 2);
    assert.equal(s[1]!.index, 1);
    assert.ok(['positive', 'negative', 'neutral'].includes(s[0]!.label));
    assert.ok(Math.abs(Object.values(s[0]!.scores).reduce((a, b) => a + b, 0) - 1) < 1e-9);

    const t = await lm.translate('Hello world.', { source: 'en', target: 'es' });
    assert.deepEqual(t, [{ index: 0, translation: 'Hola mundo.', finish_reason: 'stop' }]);
    assert.match(String(engine.generateCalls().at(-1)!.prompt), /from English to Spanish/);
    assert.equal(engine.generateCalls().at(-1)!.sampling.temperature, 0);

    const sum = await lm.summarize(['a', 'b'], { maxTokens: 2 });
    assert.deepEqual(
      sum.map((x) => x.summary),
      ['Hola mundo', 'Hola mundo'],
    );
    assert.equal((await lm.health()).status, 'ok');
    assert.equal((await lm.models())[0]!.id, 'mock');

    await assert.rejects(lm.translate('x', { source: 'english!', target: 'es' }), (e: unknown) => e instanceof LmkitApiError && e.status === 400 && e.param === 'source');
  });
});
