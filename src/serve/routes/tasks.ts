/**
 * lmkit's task endpoints, beyond OpenAI's API: POST /v1/sentiment,
 * /v1/translate and /v1/summarize. Each runs the library pipeline of the same
 * name against the requested model and answers
 *   { object: "list", model, data: [...one result per input...], usage }.
 */
import type { Context } from 'hono';
import { promptsFor } from '../../pipelines/task-prompts.js';
import { SentimentPipeline } from '../../pipelines/sentiment.js';
import { SummarizationPipeline, TranslationPipeline, type TaskAnswer } from '../../pipelines/text-tasks.js';
import { toApiError } from '../http-errors.js';
import { sentimentSchema, summarizeSchema, translateSchema } from '../openai-schema.js';
import { parseBody, readJson, RequestScope, usageOf, type RouteEnv } from './common.js';
import type { Lease } from '../model-pool.js';

const list = (x: string | readonly string[]) => (typeof x === 'string' ? [x] : [...x]);

async function withModel<T>(c: Context, env: RouteEnv, model: string | undefined, fn: (lease: Lease, signal: AbortSignal) => Promise<T>): Promise<T> {
  const lease = await env.pool.acquire(model);
  const scope = new RequestScope(c.req.raw.signal, env.timeoutMs);
  try {
    return await fn(lease, scope.signal);
  } catch (e) {
    scope.throwIfTimedOut();
    throw toApiError(e, { promptParam: 'input', log: env.log });
  } finally {
    scope.finish();
    lease.release();
  }
}

function answersResponse(c: Context, env: RouteEnv, model: string, answers: readonly TaskAnswer[], field: 'translation' | 'summary') {
  const prompt = answers.reduce((s, a) => s + a.promptTokens, 0);
  const completion = answers.reduce((s, a) => s + a.completionTokens, 0);
  env.metrics.promptTokens.inc({ model }, prompt);
  env.metrics.addCompletionTokens(model, completion);
  return c.json({
    object: 'list',
    model,
    data: answers.map((a, index) => ({ index, [field]: a.text, finish_reason: a.finishReason })),
    usage: usageOf(prompt, completion),
  });
}

export async function sentiment(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(sentimentSchema, await readJson(c));
  return withModel(c, env, body.model, async (lease, signal) => {
    const info = lease.engine.info;
    const results = await new SentimentPipeline(lease.engine, promptsFor(info)).classify(list(body.input), {
      signal,
      ...(body.labels ? { labels: body.labels } : {}),
      ...(body.method ? { method: body.method } : {}),
    });
    return c.json({ object: 'list', model: info.id, data: results.map((r, index) => ({ index, ...r })) });
  });
}

export async function translate(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(translateSchema, await readJson(c));
  return withModel(c, env, body.model, async (lease, signal) => {
    const info = lease.engine.info;
    const answers = await new TranslationPipeline(lease.engine, promptsFor(info)).translate(list(body.input), {
      source: body.source,
      target: body.target,
      signal,
      ...(body.max_tokens != null ? { maxTokens: body.max_tokens } : {}),
    });
    return answersResponse(c, env, info.id, answers, 'translation');
  });
}

export async function summarize(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(summarizeSchema, await readJson(c));
  return withModel(c, env, body.model, async (lease, signal) => {
    const info = lease.engine.info;
    const answers = await new SummarizationPipeline(lease.engine, promptsFor(info)).summarize(list(body.input), {
      signal,
      ...(body.max_tokens != null ? { maxTokens: body.max_tokens } : {}),
    });
    return answersResponse(c, env, info.id, answers, 'summary');
  });
}
