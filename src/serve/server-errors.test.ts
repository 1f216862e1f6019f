/**
 * Bad input and overload: each answers with OpenAI's error JSON and the right
 * status, and the server goes on serving. Also API keys (missing, invalid,
 * revoked), the body limit, the full queue, request timeouts and a client
 * that disconnects mid-stream (its generation is cancelled).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { NotFoundError } from '../errors.js';
import { KeyStore } from './keys.js';
import { startServer, type RunningServer } from './server.js';
import { MockEngine } from './testing/mock-engine.js';

async function post(url: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { error?: { message: string; type: string; param: string | null; code: string | null } } };
}

const chat = (extra: object = {}) => ({ model: 'mock', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra });

describe('server errors', () => {
  let server: RunningServer;
  let engine: MockEngine;
  let url: string;

  before(async () => {
    engine = new MockEngine({ info: { contextLength: 64 } });
    server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, maxBodyBytes: 2048, processMetrics: false });
    url = server.url;
  });
  after(async () => server.close());

  async function stillServes() {
    const r = await post(`${url}/v1/chat/completions`, chat());
    assert.equal(r.status, 200);
  }

  it('malformed JSON: 400 invalid_json', async () => {
    const r = await post(`${url}/v1/chat/completions`, '{"model": "mock", "messages": [');
    assert.equal(r.status, 400);
    assert.equal(r.json.error!.type, 'invalid_request_error');
    assert.equal(r.json.error!.code, 'invalid_json');
    await stillServes();
  });

  it('a known field with the wrong type: 400 naming the field', async () => {
    const r = await post(`${url}/v1/chat/completions`, chat({ temperature: 'hot' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error!.param, 'temperature');
    assert.match(r.json.error!.message, /^temperature: /);
    const m = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 42 }] });
    assert.equal(m.status, 400);
    assert.equal(m.json.error!.param, 'messages[0].content');
    const role = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'wizard', content: 'x' }] });
    assert.equal(role.status, 400);
    assert.match(role.json.error!.message, /expected role/);
    await stillServes();
  });

  it('an unknown field is a 400 naming it; OpenAI fields that do not apply are accepted', async () => {
    const r = await post(`${url}/v1/chat/completions`, chat({ max_token: 5 }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error!.param, 'max_token');
    assert.equal(r.json.error!.code, 'unknown_parameter');
    assert.match(r.json.error!.message, /Unrecognized request argument supplied: max_token/);
    const ok = await post(`${url}/v1/chat/completions`, chat({ store: false, metadata: { a: 'b' }, service_tier: 'auto' }));
    assert.equal(ok.status, 200);
    await stillServes();
  });

  it('max_tokens of -1: 400 on max_tokens', async () => {
    const r = await post(`${url}/v1/chat/completions`, chat({ max_tokens: -1 }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error!.param, 'max_tokens');
    const c = await post(`${url}/v1/completions`, { prompt: 'x', max_tokens: -1 });
    assert.equal(c.status, 400);
    assert.equal(c.json.error!.param, 'max_tokens');
    await stillServes();
  });

  it('a prompt longer than the context: 400 context_length_exceeded', async () => {
    const r = await post(`${url}/v1/completions`, { prompt: 'x'.repeat(100), max_tokens: 1 });
    assert.equal(r.status, 400);
    assert.equal(r.json.error!.code, 'context_length_exceeded');
    assert.equal(r.json.error!.param, 'prompt');
    const c = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'y'.repeat(100) }] });
    assert.equal(c.status, 400);
    assert.equal(c.json.error!.param, 'messages');
    await stillServes();
  });

  it('a body over the limit: 413', async () => {
    const r = await post(`${url}/v1/chat/completions`, chat({ messages: [{ role: 'user', content: 'z'.repeat(4000) }] }));
    assert.equal(r.status, 413);
    assert.equal(r.json.error!.code, 'request_too_large');
    await stillServes();
  });

  it('an unknown model: 404 model_not_found', async () => {
    const s2 = await startServer({
      load: async () => engine,
      defaultModel: 'mock',
      resolve: (n) => {
        if (n !== 'mock') throw new NotFoundError('model', `no model '${n}'`);
        return n;
      },
      port: 0,
      processMetrics: false,
    });
    try {
      const r = await post(`${s2.url}/v1/chat/completions`, chat({ model: 'nope' }));
      assert.equal(r.status, 404);
      assert.equal(r.json.error!.code, 'model_not_found');
      assert.equal((await post(`${s2.url}/v1/chat/completions`, chat())).status, 200);
    } finally {
      await s2.close();
    }
  });

  it('unknown routes: 404 in OpenAI shape', async () => {
    const r = await post(`${url}/v1/nothing`, {});
    assert.equal(r.status, 404);
    assert.equal(r.json.error!.type, 'not_found_error');
  });
});

describe('server overload, timeouts and disconnects', () => {
  it('a full queue answers 429 with Retry-After, and the server recovers', async () => {
    const engine = new MockEngine({ tokenDelayMs: 20, capacity: 2 });
    const server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
    try {
      const slow = [post(`${server.url}/v1/chat/completions`, chat({ max_tokens: 10 })), post(`${server.url}/v1/chat/completions`, chat({ max_tokens: 10 }))];
      await new Promise((r) => setTimeout(r, 30));
      const r = await post(`${server.url}/v1/chat/completions`, chat());
      assert.equal(r.status, 429);
      assert.equal(r.json.error!.type, 'rate_limit_error');
      assert.equal(r.headers.get('retry-after'), '1');
      for (const s of await Promise.all(slow)) assert.equal(s.status, 200);
      assert.equal((await post(`${server.url}/v1/chat/completions`, chat())).status, 200);
    } finally {
      await server.close();
    }
  });

  it('a request past its time limit: 504, and its generation is cancelled', async () => {
    const engine = new MockEngine({ tokenDelayMs: 50 });
    const server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, timeoutMs: 100, processMetrics: false });
    try {
      const r = await post(`${server.url}/v1/chat/completions`, chat({ max_tokens: 20 }));
      assert.equal(r.status, 504);
      assert.equal(r.json.error!.type, 'timeout_error');
      assert.equal(engine.cancelled, 1);
    } finally {
      await server.close();
    }
  });

  it('a client that disconnects mid-stream cancels its generation', async () => {
    const engine = new MockEngine({ tokenDelayMs: 30 });
    const server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
    try {
      const ac = new AbortController();
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat({ max_tokens: 20, stream: true })),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      await reader.cancel().catch(() => undefined);
      for (let i = 0; i < 50 && engine.cancelled === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(engine.cancelled, 1);
      assert.equal((await engine.stats()).running, 0);
      // The stream's lease and in-flight count were returned.
      for (let i = 0; i < 50 && !/lmkit_requests_in_flight\{route="\/v1\/chat\/completions"\} 0/.test(await server.metrics.text()); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(await server.metrics.text(), /lmkit_requests_in_flight\{route="\/v1\/chat\/completions"\} 0/);
      assert.equal(server.pool.activeLeases, 0);
    } finally {
      await server.close();
    }
  });
});

describe('API keys', () => {
  let dir: string;
  let keys: KeyStore;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmkit-keys-'));
    keys = new KeyStore(join(dir, 'keys.sqlite'));
    server = await startServer({ load: async () => new MockEngine(), defaultModel: 'mock', port: 0, keys, processMetrics: false });
  });
  after(async () => {
    await server.close();
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only hashes; the key works until revoked', async () => {
    const { key, record } = keys.create('ci');
    assert.match(key, /^lmk-[A-Za-z0-9_-]{43}$/);
    assert.equal(keys.list()[0]!.prefix, key.slice(0, 8));
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
    const ok = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });
    assert.equal(ok.choices.length, 1);
    assert.notEqual(keys.list()[0]!.lastUsedAt, null);

    const missing = await post(`${server.url}/v1/chat/completions`, chat());
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error!.code, 'missing_api_key');
    const wrong = await post(`${server.url}/v1/chat/completions`, chat(), { authorization: 'Bearer lmk-nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error!.code, 'invalid_api_key');

    keys.revoke(record.id);
    await assert.rejects(
      client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.AuthenticationError && e.code === 'revoked_api_key',
    );
    // Health stays open; the server still answers a fresh key.
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const fresh = keys.create('ci2').key;
    assert.equal((await post(`${server.url}/v1/chat/completions`, chat(), { authorization: `Bearer ${fresh}` })).status, 200);
  });
});
