/**
 * POST /v1/completions: OpenAI's (legacy) text completion endpoint, which
 * likelihood-based evaluation relies on: with `echo` and `logprobs` the
 * response carries every prompt token's log-probability (the first has
 * none), and `max_tokens: 0` scores a text without generating, so tools such
 * as lm-evaluation-harness's `local-completions` work over HTTP.
 */
import type { Context } from 'hono';
import type { GenerateRequest, PromptInput, TokenLogprob } from '../engine.js';
import { ApiError, toApiError } from '../http-errors.js';
import { completionSchema, type CompletionBody } from '../openai-schema.js';
import { samplingFromBody, stopList } from './chat.js';
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

function promptsOf(p: CompletionBody['prompt']): PromptInput[] {
  if (typeof p === 'string') return [p];
  if (p.length > 0 && typeof p[0] === 'number') return [p as number[]];
  return p as (string | number[])[];
}

/** OpenAI's completion logprobs: parallel arrays over tokens. */
class LogprobsBuilder {
  readonly tokens: string[] = [];
  readonly token_logprobs: (number | null)[] = [];
  readonly top_logprobs: (Record<string, number> | null)[] = [];
  readonly text_offset: number[] = [];
  private offset = 0;

  constructor(private readonly top: number) {}

  add(t: TokenLogprob): void {
    this.tokens.push(t.text);
    this.token_logprobs.push(t.logprob);
    if (t.logprob === null) this.top_logprobs.push(null);
    else {
      const alts: Record<string, number> = {};
      for (const a of (t.top ?? []).slice(0, this.top)) if (!(a.text in alts)) alts[a.text] = a.logprob;
      this.top_logprobs.push(alts);
    }
    this.text_offset.push(this.offset);
    this.offset += t.text.length;
  }

  toJSON() {
    return { tokens: this.tokens, token_logprobs: this.token_logprobs, top_logprobs: this.top_logprobs, text_offset: this.text_offset };
  }
}

function echoText(prompt: PromptInput, run: ChoiceRun): string {
  if (typeof prompt === 'string') return prompt;
  return (run.start.prompt ?? []).map((t) => t.text).join('');
}

export async function completions(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(completionSchema, await readJson(c));
  const n = body.n ?? 1;
  if (body.best_of != null && body.best_of !== n) {
    throw new ApiError(400, 'best_of other than n is not supported; sample n completions and rank them yourself', 'invalid_request_error', 'best_of', 'unsupported');
  }
  if (body.stream && body.max_tokens === 0) throw new ApiError(400, 'max_tokens 0 needs a non-streaming request', 'invalid_request_error', 'max_tokens', 'invalid_value');
  const prompts = promptsOf(body.prompt);
  const lease = await env.pool.acquire(body.model);
  const scope = new RequestScope(c.req.raw.signal, env.timeoutMs);
  let handedOff = false;
  try {
    const info = lease.engine.info;
    const echo = body.echo ?? false;
    const top = body.logprobs ?? null;
    const reqs: GenerateRequest[] = prompts.flatMap((prompt) =>
      Array.from({ length: n }, (_, j) => ({
        prompt,
        // OpenAI's default for this endpoint is 16 tokens.
        maxTokens: body.max_tokens ?? 16,
        clampToContext: body.max_tokens == null,
        sampling: samplingFromBody(body, j),
        stop: stopList(body.stop),
      ...(body.ignore_eos ? { ignoreEos: true } : {}),
        logprobs: top,
        echo,
      })),
    );
    const t0 = performance.now();
    const runs = await startChoices(lease.engine, reqs, scope).catch((e) => {
      throw toApiError(e, { promptParam: 'prompt', log: env.log });
    });
    let promptTokens = 0;
    for (let i = 0; i < runs.length; i += n) promptTokens += runs[i]!.start.promptTokens;
    env.metrics.promptTokens.inc({ model: info.id }, promptTokens * n);
    const meta = { id: newId('cmpl'), object: 'text_completion', created: nowSeconds(), model: info.id, system_fingerprint: null };
    const promptOf = (run: ChoiceRun) => prompts[Math.floor(run.index / n)]!;

    if (body.stream) {
      handedOff = true;
      const lines = (async function* () {
        const builders = runs.map(() => (top !== null ? new LogprobsBuilder(top) : null));
        let completionTokens = 0;
        let first = true;
        if (echo) {
          for (const run of runs) {
            const lp = builders[run.index];
            for (const t of run.start.prompt ?? []) lp?.add(t);
            yield JSON.stringify({ ...meta, choices: [{ text: echoText(promptOf(run), run), index: run.index, logprobs: lp ? lp.toJSON() : null, finish_reason: null }] });
          }
        }
        for await (const { index, event: ev } of mergeChoices(runs)) {
          if (ev.type === 'token') {
            if (first) {
              env.metrics.ttft.observe({ model: info.id }, (performance.now() - t0) / 1000);
              first = false;
            }
            const lp = top !== null ? new LogprobsBuilder(top) : null;
            lp?.add(ev.token);
            if (ev.text || lp) yield JSON.stringify({ ...meta, choices: [{ text: ev.text, index, logprobs: lp ? lp.toJSON() : null, finish_reason: null }] });
          } else if (ev.type === 'end') {
            completionTokens += ev.completionTokens;
            env.metrics.addCompletionTokens(info.id, ev.completionTokens);
            scope.throwIfTimedOut();
            const finish = ev.finishReason === 'cancelled' ? 'stop' : ev.finishReason;
            yield JSON.stringify({ ...meta, choices: [{ text: ev.text, index, logprobs: null, finish_reason: finish }] });
          }
        }
        if (body.stream_options?.include_usage) yield JSON.stringify({ ...meta, choices: [], usage: usageOf(promptTokens, completionTokens) });
      })();
      return sseResponse(
        lines,
        () => {
          scope.finish();
          lease.release();
        },
        (e) => streamErrorJson(e, env.log),
      );
    }

    const choices = await Promise.all(
      runs.map(async (run) => {
        const lp = top !== null ? new LogprobsBuilder(top) : null;
        let text = echo ? echoText(promptOf(run), run) : '';
        if (echo) for (const t of run.start.prompt ?? []) lp?.add(t);
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
            lp?.add(ev.token);
          } else if (ev.type === 'end') {
            void run.events.return?.();
            text += ev.text;
            env.metrics.addCompletionTokens(info.id, ev.completionTokens);
            const finish = ev.finishReason === 'cancelled' ? 'stop' : ev.finishReason;
            return { completionTokens: ev.completionTokens, choice: { text, index: run.index, logprobs: lp ? lp.toJSON() : null, finish_reason: finish } };
          }
        }
      }),
    );
    scope.throwIfTimedOut();
    return c.json({ ...meta, choices: choices.map((x) => x.choice), usage: usageOf(promptTokens, choices.reduce((s, x) => s + x.completionTokens, 0)) });
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
