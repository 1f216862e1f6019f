/**
 * POST /v1/chat/completions: OpenAI's chat endpoint, streaming (server-sent
 * events) and not. The chat pipeline renders the prompt and decides the
 * constraint; this file maps request fields to generation requests and
 * events to OpenAI's response and chunk objects.
 */
import type { Context } from 'hono';
import type { ChatMessage, ToolCall } from '../../pipelines/chat-template.js';
import { prepareChat, type PreparedChat, type ResponseFormat, type ToolChoice } from '../../pipelines/chat.js';
import { ToolCallStreamSplitter } from '../../pipelines/tool-calls.js';
import type { GenerateRequest, ModelInfo, SamplingOptions, TokenLogprob } from '../engine.js';
import { toApiError } from '../http-errors.js';
import { chatCompletionSchema, type ChatCompletionBody } from '../openai-schema.js';
import {
  mergeChoices,
  newId,
  nowSeconds,
  parseBody,
  readJson,
  RequestScope,
  sseResponse,
  startChoices,
  streamErrorJson,
  usageOf,
  type ChoiceRun,
  type RouteEnv,
} from './common.js';

type Content = string | readonly { type: 'text'; text: string }[] | null | undefined;

function textOf(c: Content): string | null {
  if (c === null || c === undefined) return null;
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

function toMessages(body: ChatCompletionBody): ChatMessage[] {
  return body.messages.map((m) => {
    const base = { role: m.role, content: textOf(m.content) };
    if (m.role === 'assistant') return { ...base, ...(m.name ? { name: m.name } : {}), ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}) };
    if (m.role === 'tool') return { ...base, tool_call_id: m.tool_call_id };
    return { ...base, ...(m.name ? { name: m.name } : {}) };
  });
}

export function samplingFromBody(
  body: { temperature?: number | null; top_p?: number | null; top_k?: number | null; seed?: number | null; presence_penalty?: number | null; frequency_penalty?: number | null; logit_bias?: Record<string, number> | null },
  choice: number,
): SamplingOptions {
  return {
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    ...(body.top_k != null ? { topK: body.top_k } : {}),
    // Each of n choices gets its own seed, so they differ yet each is reproducible.
    ...(body.seed != null ? { seed: body.seed + choice } : {}),
    ...(body.presence_penalty ? { presencePenalty: body.presence_penalty } : {}),
    ...(body.frequency_penalty ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...(body.logit_bias && Object.keys(body.logit_bias).length > 0 ? { logitBias: Object.fromEntries(Object.entries(body.logit_bias).map(([k, v]) => [Number(k), v])) } : {}),
  };
}

export function stopList(stop: string | readonly string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : [...stop];
}

function logprobEntry(t: TokenLogprob) {
  return {
    token: t.text,
    logprob: t.logprob ?? 0,
    bytes: [...t.bytes],
    top_logprobs: (t.top ?? []).map((a) => ({ token: a.text, logprob: a.logprob, bytes: [...a.bytes] })),
  };
}

function responseFormatOf(body: ChatCompletionBody): ResponseFormat | undefined {
  const f = body.response_format;
  if (!f) return undefined;
  if (f.type === 'json_schema') return { type: 'json_schema', ...(f.json_schema.schema ? { schema: f.json_schema.schema } : {}) };
  return f;
}

function toolCallDeltas(calls: readonly ToolCall[]) {
  return calls.map((c, i) => ({ index: i, id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } }));
}

export async function chatCompletions(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(chatCompletionSchema, await readJson(c));
  const lease = await env.pool.acquire(body.model);
  const scope = new RequestScope(c.req.raw.signal, env.timeoutMs);
  let handedOff = false;
  try {
    const info = lease.engine.info;
    const prep = prepareChat(info, toMessages(body), {
      ...(body.tools ? { tools: body.tools } : {}),
      ...(body.tool_choice ? { toolChoice: body.tool_choice as ToolChoice } : {}),
      ...(responseFormatOf(body) ? { responseFormat: responseFormatOf(body)! } : {}),
    });
    const n = body.n ?? 1;
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const reqs: GenerateRequest[] = Array.from({ length: n }, (_, i) => ({
      prompt: prep.prompt,
      // The template writes BOS itself where the model wants it.
      addSpecial: false,
      maxTokens: maxTokens ?? env.defaultMaxTokens,
      clampToContext: maxTokens == null,
      sampling: samplingFromBody(body, i),
      stop: stopList(body.stop),
      ...(body.ignore_eos ? { ignoreEos: true } : {}),
      logprobs: body.logprobs ? (body.top_logprobs ?? 0) : null,
      constraint: prep.constraint,
    }));
    const t0 = performance.now();
    const runs = await startChoices(lease.engine, reqs, scope).catch((e) => {
      throw toApiError(e, { promptParam: 'messages', log: env.log });
    });
    const promptTokens = runs[0]!.start.promptTokens;
    env.metrics.promptTokens.inc({ model: info.id }, promptTokens * n);
    const meta = { id: newId('chatcmpl'), created: nowSeconds(), model: info.id };
    if (body.stream) {
      handedOff = true;
      const lines = streamChat(runs, prep, body, meta, info, env, t0, scope);
      return sseResponse(
        lines,
        () => {
          scope.finish();
          lease.release();
        },
        (e) => streamErrorJson(e, env.log),
      );
    }
    const choices = await Promise.all(runs.map((run) => collectChoice(run, prep, body, info, env, t0)));
    scope.throwIfTimedOut();
    const completionTokens = choices.reduce((s, ch) => s + ch.completionTokens, 0);
    return c.json({
      ...meta,
      object: 'chat.completion',
      system_fingerprint: null,
      choices: choices.map((ch) => ch.choice),
      usage: usageOf(promptTokens, completionTokens),
    });
  } catch (e) {
    scope.abort();
    throw e;
  } finally {
    if (!handedOff) {
      scope.finish();
      lease.release();
    }
  }
}

async function collectChoice(run: ChoiceRun, prep: PreparedChat, body: ChatCompletionBody, info: ModelInfo, env: RouteEnv, t0: number) {
  let text = '';
  const logprobs: ReturnType<typeof logprobEntry>[] = [];
  let first = true;
  for (;;) {
    const r = await run.events.next();
    if (r.done) throw new Error('generation ended without an end event');
    const ev = r.value;
    if (ev.type === 'token') {
      if (first) {
        env.metrics.ttft.observe({ model: info.id }, (performance.now() - t0) / 1000);
        first = false;
      }
      text += ev.text;
      if (body.logprobs) logprobs.push(logprobEntry(ev.token));
    } else if (ev.type === 'end') {
      void run.events.return?.();
      text += ev.text;
      env.metrics.addCompletionTokens(info.id, ev.completionTokens);
      const answer = prep.readAnswer(text);
      const calls = answer.toolCalls;
      return {
        completionTokens: ev.completionTokens,
        choice: {
          index: run.index,
          message: { role: 'assistant', content: answer.content, refusal: null, ...(calls.length > 0 ? { tool_calls: calls } : {}) },
          logprobs: body.logprobs ? { content: logprobs, refusal: null } : null,
          finish_reason: calls.length > 0 ? 'tool_calls' : ev.finishReason === 'cancelled' ? 'stop' : ev.finishReason,
        },
      };
    }
  }
}

async function* streamChat(
  runs: readonly ChoiceRun[],
  prep: PreparedChat,
  body: ChatCompletionBody,
  meta: { id: string; created: number; model: string },
  info: ModelInfo,
  env: RouteEnv,
  t0: number,
  scope: RequestScope,
): AsyncGenerator<string> {
  const base = { ...meta, object: 'chat.completion.chunk', system_fingerprint: null };
  const chunk = (index: number, delta: object, extra: { logprobs?: object | null; finish_reason?: string | null } = {}) =>
    JSON.stringify({ ...base, choices: [{ index, delta, logprobs: extra.logprobs ?? null, finish_reason: extra.finish_reason ?? null }] });
  // Tool calls are parsed from the whole answer; a forced call's JSON is not content at all.
  const splitters = runs.map(() => (prep.toolsActive && !prep.forcedCall ? new ToolCallStreamSplitter(body.tools ?? undefined) : null));
  const held = runs.map(() => '');
  for (const run of runs) yield chunk(run.index, { role: 'assistant', content: '' });
  let first = true;
  let completionTokens = 0;
  for await (const { index, event: ev } of mergeChoices(runs)) {
    if (ev.type === 'token') {
      if (first) {
        env.metrics.ttft.observe({ model: info.id }, (performance.now() - t0) / 1000);
        first = false;
      }
      let text = ev.text;
      if (prep.forcedCall) {
        held[index] += text;
        text = '';
      } else if (splitters[index]) text = splitters[index]!.push(text);
      const logprobs = body.logprobs ? { content: [logprobEntry(ev.token)], refusal: null } : null;
      if (text || logprobs) yield chunk(index, { content: text }, { logprobs });
    } else if (ev.type === 'end') {
      completionTokens += ev.completionTokens;
      env.metrics.addCompletionTokens(info.id, ev.completionTokens);
      let calls: readonly ToolCall[] = [];
      let rest = ev.text;
      if (prep.forcedCall) {
        const answer = prep.readAnswer(held[index] + ev.text);
        calls = answer.toolCalls;
        rest = answer.content ?? '';
      } else if (splitters[index]) {
        splitters[index]!.push(ev.text);
        const fin = splitters[index]!.finish();
        calls = fin.toolCalls;
        rest = fin.content;
      }
      if (rest) yield chunk(index, { content: rest });
      if (calls.length > 0) yield chunk(index, { tool_calls: toolCallDeltas(calls) });
      scope.throwIfTimedOut();
      const finish = calls.length > 0 ? 'tool_calls' : ev.finishReason === 'cancelled' ? 'stop' : ev.finishReason;
      yield chunk(index, {}, { finish_reason: finish });
    }
  }
  if (body.stream_options?.include_usage) {
    yield JSON.stringify({ ...base, choices: [], usage: usageOf(runs[0]!.start.promptTokens, completionTokens) });
  }
}
