/**
 * The server on a tiny real model loaded in a worker thread, through the
 * official `openai` client: a streamed chat completion arrives in chunks and
 * equals the non-streamed one for the same seed; JSON-schema requests return
 * JSON that validates (ajv) for 20 varied prompts; a forced tool call parses
 * and validates; concurrent requests give what each gives alone; echo
 * logprobs over HTTP equal promptLogprobs() in-process; GET /v1/models lists
 * the loaded model; a GGUF file named in a request loads as a second model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { promptLogprobs } from '../generate/score.js';
import { openEngine } from './open-engine.js';
import { startServer, type RunningServer } from './server.js';
import { writeTinyModel } from './testing/tiny-model.js';
import { workerEngineLoader } from './worker/worker-engine.js';
import { MODEL_MODULE } from './worker/model-module.js';
import { runCli } from '../test-util/cli.js';

describe('server on a tiny model in a worker thread', () => {
  let dir: string;
  let server: RunningServer;
  let client: OpenAI;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lmkit-serve-model-'));
    await writeTinyModel(dir, { contextLength: 1024 });
    const c = await runCli(['convert', dir, join(dir, '..', `${basename(dir)}.gguf`), '--dtype', 'q8_0']);
    assert.equal(c.code, 0, c.stderr);
    server = await startServer({
      load: workerEngineLoader(MODEL_MODULE, (ref) => ({ ref, backend: 'js', maxBatch: 8 })),
      defaultModel: dir,
      port: 0,
      processMetrics: false,
    });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.gguf`, { force: true });
  });

  it('streams in chunks exactly what the non-streamed request returns for the same seed', async () => {
    const params = { model: dir, messages: [{ role: 'user' as const, content: 'Tell me about the tent.' }], seed: 42, max_tokens: 24, temperature: 1, logprobs: true, top_logprobs: 2 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true });
    let text = '';
    let chunks = 0;
    const lps: number[] = [];
    for await (const ch of stream) {
      const c = ch.choices[0];
      if (!c) continue;
      if (c.delta.content) {
        text += c.delta.content;
        chunks++;
      }
      for (const l of c.logprobs?.content ?? []) lps.push(l.logprob);
    }
    assert.ok(chunks > 1, `${chunks} chunks`);
    assert.equal(text, whole.choices[0]!.message.content);
    assert.deepEqual(
      lps,
      whole.choices[0]!.logprobs!.content!.map((l) => l.logprob),
    );
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      [dir],
    );
  });

  it('returns valid JSON for a JSON schema, for 20 varied prompts', async () => {
    const schema = {
      type: 'object',
      properties: {
        product: { type: 'string', maxLength: 12 },
        rating: { enum: [1, 2, 3, 4, 5] },
        tags: { type: 'array', items: { enum: ['light', 'warm', 'dry', 'cheap'] }, maxItems: 3 },
        recommended: { type: 'boolean' },
      },
      required: ['product', 'rating', 'recommended'],
      additionalProperties: false,
    };
    const validate = new Ajv().compile(schema);
    const topics = ['tent', 'boots', 'stove', 'sleeping bag', 'jacket', 'backpack', 'filter', 'lamp', 'map', 'rope'];
    const prompts = topics.flatMap((t) => [`Rate the ${t} as JSON.`, `Describe a ${t} review in JSON, please!`]);
    const answers = await Promise.all(
      prompts.map((p, i) =>
        client.chat.completions.create({
          model: dir,
          messages: [{ role: 'user', content: p }],
          max_tokens: 120,
          temperature: 1,
          seed: i,
          response_format: { type: 'json_schema', json_schema: { name: 'review', schema } },
        }),
      ),
    );
    for (const [i, a] of answers.entries()) {
      const text = a.choices[0]!.message.content!;
      const value = JSON.parse(text) as unknown;
      assert.ok(validate(value), `prompt ${i}: ${text} -> ${JSON.stringify(validate.errors)}`);
    }
    const mode = await client.chat.completions.create({ model: dir, messages: [{ role: 'user', content: 'JSON?' }], max_tokens: 60, seed: 3, response_format: { type: 'json_object' } });
    const v = JSON.parse(mode.choices[0]!.message.content!) as unknown;
    assert.equal(typeof v === 'object' && v !== null && !Array.isArray(v), true);
  });

  it('forces a tool call whose arguments validate against the tool schema', async () => {
    const parameters = { type: 'object', properties: { city: { type: 'string', maxLength: 10 }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false };
    const r = await client.chat.completions.create({
      model: dir,
      messages: [{ role: 'user', content: 'Weather in Paris for 3 days?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 80,
      seed: 5,
    });
    const call = r.choices[0]!.message.tool_calls![0]!;
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    const args = JSON.parse(call.type === 'function' ? call.function.arguments : '') as unknown;
    assert.ok(new Ajv().compile(parameters)(args), JSON.stringify(args));
  });

  it('concurrent requests each get what they get alone', async () => {
    const ask = (i: number) =>
      client.completions.create({ model: dir, prompt: `The tent number ${i} is`, max_tokens: 10, temperature: 0.8, seed: i, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    const together = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i)));
    for (let i = 0; i < 8; i += 3) assert.equal((await ask(i)).choices[0]!.text, together[i]!.choices[0]!.text);
    assert.ok(together.every((r) => r.usage!.completion_tokens === 10));
  });

  it('logit_bias bans and forces tokens', async () => {
    const ask = (bias?: Record<string, number>) =>
      client.completions.create({ model: dir, prompt: 'The tent is', max_tokens: 1, temperature: 0, logprobs: 0, ...(bias ? { logit_bias: bias } : {}) });
    const greedy = (await ask()).choices[0]!.logprobs!.tokens![0]!;
    const local = await openEngine(dir, { backend: 'js' });
    try {
      const [id] = await local.tokenize(greedy);
      const banned = (await ask({ [String(id)]: -100 })).choices[0]!.text;
      assert.notEqual(banned, greedy);
      const [forced] = await local.tokenize(' light');
      assert.equal((await ask({ [String(forced)]: 100 })).choices[0]!.text, local.tokenizer.decode([forced!]));
    } finally {
      await local.close();
    }
  });

  it('echo logprobs over HTTP equal promptLogprobs() in-process', async () => {
    const r = await client.completions.create({ model: dir, prompt: 'Shipping took two days.', max_tokens: 0, echo: true, logprobs: 1 });
    const local = await openEngine(dir, { backend: 'js' });
    try {
      const ids = local.tokenizer.encode('Shipping took two days.', { addSpecial: true, parseSpecial: true });
      const ref = promptLogprobs(local.model, ids);
      const got = r.choices[0]!.logprobs!.token_logprobs!;
      assert.equal(got.length, ids.length);
      assert.equal(got[0], null);
      for (let i = 1; i < ids.length; i++) assert.ok(Math.abs(got[i]! - ref[i]!.logprob) < 1e-5);
      assert.equal(r.choices[0]!.text, 'Shipping took two days.');
    } finally {
      await local.close();
    }
  });

  it('embeddings, sentiment and the Prometheus metrics', async () => {
    const e = await client.embeddings.create({ model: dir, input: ['warm boots', 'a light tent'] });
    assert.equal(e.data[0]!.embedding.length, 32);
    const s = await fetch(`${server.url}/v1/sentiment`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Great value!' }) });
    const sj = (await s.json()) as { data: { label: string; score: number }[] };
    assert.ok(['positive', 'negative', 'neutral'].includes(sj.data[0]!.label));
    const m = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(m, /lmkit_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} \d+/);
    assert.match(m, /lmkit_generated_tokens_total\{model="[^"]+"\} \d+/);
    assert.match(m, /lmkit_time_to_first_token_seconds_bucket/);
    assert.match(m, /lmkit_queue_depth\{model="[^"]+"\} 0/);
    assert.match(m, /lmkit_models_loaded 1/);
  });

  it('serves a second model, a GGUF file, named in the request', async () => {
    const gguf = `${dir}.gguf`;
    const r = await client.chat.completions.create({ model: gguf, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, seed: 1 });
    assert.equal(r.model, gguf);
    assert.equal(r.usage!.completion_tokens <= 4, true);
    const models = (await client.models.list()).data.map((m) => m.id);
    assert.deepEqual(models.sort(), [dir, gguf].sort());
  });
});
