/**
 * The server through the official `openai` npm client, against a MockEngine
 * that records what the server asked of it: request mapping (fields to the
 * generation request, the chat template), response shapes (the SDK parses
 * them), streaming, logprobs, echo, embeddings and tool calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startServer, type RunningServer } from './server.js';
import { MockEngine } from './testing/mock-engine.js';

describe('server via the openai client (mock engine)', () => {
  let server: RunningServer;
  let engine: MockEngine;
  let client: OpenAI;
  let respond: ((prompt: string) => string[]) | null = null;

  before(async () => {
    engine = new MockEngine({
      info: { id: 'mock', contextLength: 4096 },
      respond: (req) => (respond ? respond(String(req.prompt)) : ['Hello', ',', ' world', '!', ' How', ' are', ' you', '?']),
    });
    server = await startServer({ load: async () => engine, defaultModel: 'mock', port: 0, processMetrics: false });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => server.close());

  it('lists the model', async () => {
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['mock'],
    );
  });

  it('maps a chat request onto a generation request with the ChatML template', async () => {
    const n = engine.calls.length;
    const r = await client.chat.completions.create({
      model: 'mock',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 5,
      temperature: 0.5,
      top_p: 0.9,
      seed: 7,
      stop: ['?'],
    });
    const req = engine.generateCalls()[engine.generateCalls().length - 1]!;
    assert.equal(engine.calls.length, n + 1);
    assert.equal(req.prompt, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    assert.equal(req.maxTokens, 5);
    assert.deepEqual(req.sampling, { temperature: 0.5, topP: 0.9, seed: 7 });
    assert.deepEqual(req.stop, ['?']);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0]!.message.content, 'Hello, world! How');
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.equal(r.usage?.completion_tokens, 5);
    assert.equal(r.usage?.prompt_tokens, req.prompt.length);
  });

  it('streams the same text as the non-streamed answer, in several chunks', async () => {
    const params = { model: 'mock', messages: [{ role: 'user' as const, content: 'Tell me' }], seed: 3, max_tokens: 20 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const ch of stream) {
      if (ch.usage) usage = ch.usage;
      const choice = ch.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        chunks++;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    assert.ok(chunks > 1, `expected several content chunks, got ${chunks}`);
    assert.equal(text, whole.choices[0]!.message.content);
    assert.equal(finish, whole.choices[0]!.finish_reason);
    assert.deepEqual(usage, whole.usage);
  });

  it('takes an answer passed back as received (extra keys inside messages)', async () => {
    const first = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'a' }], max_tokens: 2 });
    const msg = first.choices[0]!.message;
    assert.equal(msg.refusal, null);
    const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'a' }, msg, { role: 'user', content: 'b' }], max_tokens: 2 });
    assert.equal(r.choices.length, 1);
    assert.match(String(engine.generateCalls().at(-1)!.prompt), /<\|im_start\|>assistant\nHello,<\|im_end\|>\n<\|im_start\|>user\nb/);
  });

  it('stops before a stop string that spans tokens', async () => {
    const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], stop: 'o, w' });
    assert.equal(r.choices[0]!.message.content, 'Hell');
    assert.equal(r.choices[0]!.finish_reason, 'stop');
  });

  it('returns n choices, each with its own seed', async () => {
    const before = engine.generateCalls().length;
    const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], n: 3, seed: 10, max_tokens: 2 });
    assert.deepEqual(
      r.choices.map((c) => c.index),
      [0, 1, 2],
    );
    const seeds = engine
      .generateCalls()
      .slice(before)
      .map((q) => q.sampling.seed);
    assert.deepEqual(seeds, [10, 11, 12]);
  });

  it('returns per-token logprobs with top alternatives', async () => {
    const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], max_tokens: 3, logprobs: true, top_logprobs: 2 });
    const lp = r.choices[0]!.logprobs!.content!;
    assert.equal(lp.length, 3);
    assert.equal(lp[0]!.token, 'Hello');
    assert.equal(lp[0]!.top_logprobs.length, 2);
    assert.deepEqual(lp[0]!.bytes, [...Buffer.from('Hello')]);
    assert.equal(engine.generateCalls().at(-1)!.logprobs, 2);
  });

  it('passes response_format through as a constraint', async () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    await client.chat.completions.create({
      model: 'mock',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 2,
      response_format: { type: 'json_schema', json_schema: { name: 'thing', schema } },
    });
    assert.deepEqual(engine.generateCalls().at(-1)!.constraint, { type: 'json_schema', schema });
    await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], max_tokens: 2, response_format: { type: 'json_object' } });
    assert.deepEqual(engine.generateCalls().at(-1)!.constraint, { type: 'json_object' });
  });

  it('completions: echo with prompt logprobs, and max_tokens 0 for scoring', async () => {
    const r = await client.completions.create({ model: 'mock', prompt: 'abc', max_tokens: 0, echo: true, logprobs: 1 });
    const ch = r.choices[0]!;
    assert.equal(ch.text, 'abc');
    assert.deepEqual(ch.logprobs!.tokens, ['a', 'b', 'c']);
    assert.deepEqual(ch.logprobs!.token_logprobs, [null, -1, -1]);
    assert.equal(ch.logprobs!.top_logprobs![0], null);
    assert.deepEqual(ch.logprobs!.text_offset, [0, 1, 2]);
    assert.equal(r.usage?.completion_tokens, 0);
    const g = await client.completions.create({ model: 'mock', prompt: ['p1', 'p2'], max_tokens: 2, echo: true });
    assert.deepEqual(
      g.choices.map((c) => c.text),
      ['p1Hello,', 'p2Hello,'],
    );
  });

  it('completions stream', async () => {
    const s = await client.completions.create({ model: 'mock', prompt: 'abc', max_tokens: 4, stream: true });
    let text = '';
    for await (const ch of s) text += ch.choices[0]?.text ?? '';
    assert.equal(text, 'Hello, world!');
  });

  it('embeddings as floats and as base64 (the SDK default) agree', async () => {
    const b64 = await client.embeddings.create({ model: 'mock', input: ['one', 'two'] });
    const floats = await client.embeddings.create({ model: 'mock', input: ['one', 'two'], encoding_format: 'float' });
    assert.equal(b64.data.length, 2);
    for (let i = 0; i < 2; i++) {
      const a = b64.data[i]!.embedding;
      const b = floats.data[i]!.embedding;
      assert.equal(a.length, 8);
      for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-6);
    }
    assert.equal(b64.usage.prompt_tokens, 6);
  });

  it('parses tool calls, streamed and not', async () => {
    respond = () => ['<tool', '_call>{"name": "get_weather", ', '"arguments": {"city": "Paris"}}', '</tool_call>'];
    try {
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const r = await client.chat.completions.create({ model: 'mock', messages, tools });
      const prompt = String(engine.generateCalls().at(-1)!.prompt);
      assert.match(prompt, /<tools>\n\{"type": "function", "function": \{"name": "get_weather"/);
      const msg = r.choices[0]!.message;
      assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
      assert.equal(msg.content, null);
      const call = msg.tool_calls![0]!;
      assert.equal(call.type, 'function');
      assert.equal(call.type === 'function' && call.function.name, 'get_weather');
      assert.deepEqual(call.type === 'function' && JSON.parse(call.function.arguments), { city: 'Paris' });

      const stream = client.chat.completions.stream({ model: 'mock', messages, tools });
      let content = '';
      stream.on('content', (d) => (content += d));
      const final = await stream.finalChatCompletion();
      assert.equal(content, '');
      const sc = final.choices[0]!.message.tool_calls![0]!;
      assert.deepEqual(sc.type === 'function' && JSON.parse(sc.function.arguments), { city: 'Paris' });

      // A follow-up turn with the call and its result renders through the template.
      await client.chat.completions.create({
        model: 'mock',
        messages: [...messages, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: '18C, sunny' }],
        tools,
      });
      const p2 = String(engine.generateCalls().at(-1)!.prompt);
      assert.match(p2, /<\|im_start\|>assistant\n<tool_call>\{"name": "get_weather", "arguments": \{"city": "Paris"\}\}<\/tool_call><\|im_end\|>\n<\|im_start\|>tool\n18C, sunny<\|im_end\|>/);
    } finally {
      respond = null;
    }
  });

  it('forces a tool call with tool_choice required: constraint to the call schema', async () => {
    respond = () => ['{"name": "get_weather", "arguments": {"city": "Oslo"}}'];
    try {
      const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
      const r = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'Oslo?' }], tools, tool_choice: 'required' });
      const req = engine.generateCalls().at(-1)!;
      assert.ok(String(req.prompt).endsWith('<|im_start|>assistant\n<tool_call>\n'));
      assert.equal(req.constraint?.type, 'json_schema');
      const call = r.choices[0]!.message.tool_calls![0]!;
      assert.deepEqual(call.type === 'function' && JSON.parse(call.function.arguments), { city: 'Oslo' });
    } finally {
      respond = null;
    }
  });
});
