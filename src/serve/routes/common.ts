/**
 * What every route shares: reading and validating the JSON body, a request's
 * cancellation scope (client disconnect or time limit), starting n
 * generations so that errors surface before the first byte is sent, merging
 * their event streams, and the server-sent-events response.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Engine, GenerateEvent, GenerateRequest } from '../engine.js';
import { ApiError, fromZodError, RequestTimeoutError, toApiError } from '../http-errors.js';
import type { ServerMetrics } from '../metrics.js';
import type { ModelPool } from '../model-pool.js';

/** What the routes need from the server. */
export interface RouteEnv {
  readonly pool: ModelPool;
  readonly metrics: ServerMetrics;
  /** Per-request time limit in ms (0: none). */
  readonly timeoutMs: number;
  /** max_tokens when a generation request gives none (also capped by the context). */
  readonly defaultMaxTokens: number;
  readonly log: (message: string) => void;
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ApiError(400, 'the request body is empty; send a JSON object', 'invalid_request_error', null, 'invalid_json');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `the body is not valid JSON: ${(e as Error).message}`, 'invalid_request_error', null, 'invalid_json');
  }
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'the body must be a JSON object', 'invalid_request_error', null, 'invalid_json');
  }
  const r = schema.safeParse(body);
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

/**
 * A request's cancellation: aborts when the client disconnects or the time
 * limit passes. `finish()` must be called when the response is done.
 */
export class RequestScope {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | null;
  private readonly onClientAbort = () => this.controller.abort(new Error('client disconnected'));
  timedOut = false;

  constructor(
    private readonly client: AbortSignal,
    readonly timeoutMs: number,
  ) {
    if (client.aborted) this.controller.abort(new Error('client disconnected'));
    else client.addEventListener('abort', this.onClientAbort, { once: true });
    this.timer =
      timeoutMs > 0
        ? setTimeout(() => {
            this.timedOut = true;
            this.controller.abort(new RequestTimeoutError(timeoutMs));
          }, timeoutMs)
        : null;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    this.controller.abort(new Error('request abandoned'));
  }

  /** Throws the timeout (504) when the time limit is why the work was cancelled. */
  throwIfTimedOut(): void {
    if (this.timedOut) throw new RequestTimeoutError(this.timeoutMs);
  }

  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.client.removeEventListener('abort', this.onClientAbort);
  }
}

export type StartEvent = Extract<GenerateEvent, { type: 'start' }>;

export interface ChoiceRun {
  readonly index: number;
  readonly events: AsyncIterator<GenerateEvent>;
  readonly start: StartEvent;
}

/**
 * Submits the generations and waits for each to be accepted (its start
 * event). If any is refused, the others are cancelled and the error thrown,
 * so the client gets a proper status instead of a broken stream.
 */
export async function startChoices(engine: Engine, reqs: readonly GenerateRequest[], scope: RequestScope): Promise<ChoiceRun[]> {
  const iters = reqs.map((r) => engine.generate(r, { signal: scope.signal })[Symbol.asyncIterator]());
  const settled = await Promise.allSettled(iters.map((it) => it.next()));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    scope.abort();
    await Promise.allSettled(iters.map((it, i) => (settled[i]!.status === 'fulfilled' ? drain(it) : undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  return iters.map((it, i) => {
    const first = (settled[i] as PromiseFulfilledResult<IteratorResult<GenerateEvent>>).value;
    if (first.done || first.value.type !== 'start') throw new Error('engine generation did not begin with a start event');
    return { index: i, events: it, start: first.value };
  });
}

async function drain(it: AsyncIterator<GenerateEvent>): Promise<void> {
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    if (r.value.type === 'end') {
      await it.return?.();
      return;
    }
  }
}

/** Interleaves the choices' events in arrival order, each tagged with its choice index. */
export async function* mergeChoices(runs: readonly ChoiceRun[]): AsyncGenerator<{ index: number; event: GenerateEvent }> {
  const pending = new Map<number, Promise<{ index: number; r: IteratorResult<GenerateEvent> }>>();
  const pull = (run: ChoiceRun) => pending.set(run.index, run.events.next().then((r) => ({ index: run.index, r })));
  for (const run of runs) pull(run);
  while (pending.size > 0) {
    const { index, r } = await Promise.race(pending.values());
    pending.delete(index);
    if (r.done) continue;
    yield { index, event: r.value };
    if (r.value.type !== 'end') pull(runs[index]!);
    else void runs[index]!.events.return?.();
  }
}

/**
 * A server-sent-events response whose `data:` lines come from `lines`. Pulled
 * lazily, so a slow client slows generation's bookkeeping rather than
 * buffering it. `done` runs once, however the stream ends. An error after the
 * headers went out becomes an OpenAI error event, and the stream closes.
 */
export function sseResponse(lines: AsyncIterable<string>, done: () => void, onError: (e: unknown) => string): Response {
  const enc = new TextEncoder();
  const it = lines[Symbol.asyncIterator]();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const r = await it.next();
        if (r.done) {
          ctrl.enqueue(enc.encode('data: [DONE]\n\n'));
          ctrl.close();
          finish();
        } else ctrl.enqueue(enc.encode(`data: ${r.value}\n\n`));
      } catch (e) {
        ctrl.enqueue(enc.encode(`data: ${onError(e)}\n\n`));
        ctrl.close();
        finish();
      }
    },
    async cancel() {
      finish();
      await it.return?.();
    },
  });
  return new Response(body, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' },
  });
}

/** Error JSON for a stream already under way. */
export function streamErrorJson(e: unknown, log: (m: string) => void): string {
  return JSON.stringify(toApiError(e, { log }).body());
}

export function usageOf(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
