/**
 * The hono app in-process (`app.request`, no socket): CORS preflight and
 * headers, health, metrics counting requests by route and status, the
 * playground's files with their content types.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from './app.js';
import { ServerMetrics } from './metrics.js';
import { ModelPool } from './model-pool.js';
import { MockEngine } from './testing/mock-engine.js';

function app(opts: Partial<Parameters<typeof createApp>[0]> = {}) {
  const pool = new ModelPool({ load: async () => new MockEngine(), defaultModel: 'mock' });
  const metrics = new ServerMetrics(pool);
  return { app: createApp({ pool, metrics, ...opts }), metrics, pool };
}

describe('app', () => {
  it('answers CORS preflights for allowed origins only', async () => {
    const { app: a } = app({ corsOrigins: ['http://shop.example'] });
    const pre = await a.request('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: 'http://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://shop.example');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    const other = await a.request('/health', { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const none = await app().app.request('/health', { headers: { origin: 'http://shop.example' } });
    assert.equal(none.headers.get('access-control-allow-origin'), null);
  });

  it('counts requests by route and status', async () => {
    const { app: a, metrics } = app();
    await a.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), headers: { 'content-type': 'application/json' } });
    await a.request('/v1/chat/completions', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } });
    const health = (await (await a.request('/health')).json()) as { status: string; models: string[]; active_requests: number };
    assert.deepEqual([health.status, health.models, health.active_requests], ['ok', ['mock'], 0]);
    const text = await metrics.text();
    assert.match(text, /lmkit_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} 1/);
    assert.match(text, /lmkit_http_requests_total\{route="\/v1\/chat\/completions",status="400"\} 1/);
    assert.match(text, /lmkit_generated_tokens_total\{model="mock"\} 2/);
    assert.match(text, /lmkit_http_request_duration_seconds_count\{route="\/v1\/chat\/completions"\} 2/);
  });

  it('serves the playground', async () => {
    const { app: a } = app();
    const index = await a.request('/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await index.text(), /<script type="module" src="\/playground\/app.js">/);
    assert.match((await a.request('/playground/app.js')).headers.get('content-type') ?? '', /javascript/);
    assert.match((await a.request('/playground/style.css')).headers.get('content-type') ?? '', /text\/css/);
    assert.equal((await a.request('/playground/..%2Fapp.ts')).status, 404);
    assert.equal((await app({ playground: false }).app.request('/')).status, 404);
  });
});
