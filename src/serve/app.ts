/**
 * The HTTP application: routes, and the middleware around them (metrics,
 * CORS, API keys, body size limit, OpenAI-shaped errors).
 *
 * Built on hono: its handlers take and return web-standard Request/Response,
 * so the whole app is testable in-process with `app.request()` and served on
 * Node by @hono/node-server, whose request signal aborts when the client
 * disconnects (which is how a dropped client cancels its generation). It
 * ships CORS and body-limit middleware and has no dependencies of its own;
 * fastify would have served as well, but brings its own schema and plugin
 * system where zod and plain functions do the job here.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { ApiError, toApiError } from './http-errors.js';
import type { KeyStore } from './keys.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelPool } from './model-pool.js';
import { playgroundAsset } from './playground-assets.js';
import { chatCompletions } from './routes/chat.js';
import type { RouteEnv } from './routes/common.js';
import { completions } from './routes/completions.js';
import { embeddings } from './routes/embeddings.js';
import { sentiment, summarize, translate } from './routes/tasks.js';

export interface AppOptions {
  readonly pool: ModelPool;
  readonly metrics: ServerMetrics;
  /** When set, /v1/* and /metrics need `Authorization: Bearer <key>` with an active key. */
  readonly keys?: KeyStore | null;
  /** Allowed CORS origins ('*' for any); none by default (the playground is same-origin). */
  readonly corsOrigins?: readonly string[] | '*' | null;
  /** Largest request body in bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
  /** Per-request time limit in ms (default 10 minutes; 0: none). */
  readonly timeoutMs?: number;
  /** max_tokens of chat requests that give none (default 512, capped by the context). */
  readonly defaultMaxTokens?: number;
  /** Serve the web playground at / (default true). */
  readonly playground?: boolean;
  readonly log?: (message: string) => void;
}

function errorResponse(c: Context, e: ApiError): Response {
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  return c.json(e.body(), e.status as 400);
}

/** Counts a finished request and its duration; for event streams, when the last byte has gone. */
function observe(metrics: ServerMetrics, route: string, status: number, t0: number): void {
  metrics.requests.inc({ route, status: String(status) });
  metrics.duration.observe({ route }, (performance.now() - t0) / 1000);
}

export function createApp(opts: AppOptions): Hono {
  const log = opts.log ?? (() => undefined);
  const env: RouteEnv = {
    pool: opts.pool,
    metrics: opts.metrics,
    timeoutMs: opts.timeoutMs ?? 600_000,
    defaultMaxTokens: opts.defaultMaxTokens ?? 512,
    log,
  };
  const app = new Hono();
  const started = Date.now();

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== '*' && c.req.routePath !== '/*' ? c.req.routePath : 'other';
    const res = c.res;
    if (res.body && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      opts.metrics.inFlight.inc({ route });
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        opts.metrics.inFlight.dec({ route });
        observe(opts.metrics, route, res.status, t0);
      };
      const counted = res.body.pipeThrough(new TransformStream({ flush: end }));
      // A client that disconnects cancels the stream; count it too.
      c.req.raw.signal.addEventListener('abort', end, { once: true });
      c.res = new Response(counted, { status: res.status, headers: res.headers });
    } else observe(opts.metrics, route, res.status, t0);
  });

  if (opts.corsOrigins) {
    const origin = opts.corsOrigins === '*' ? '*' : [...opts.corsOrigins];
    app.use('*', cors({ origin, allowHeaders: ['Authorization', 'Content-Type'], allowMethods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 }));
  }

  const keys = opts.keys;
  if (keys) {
    const auth = async (c: Context, next: () => Promise<void>) => {
      if (c.req.method === 'OPTIONS') return next();
      const header = c.req.header('authorization') ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new ApiError(401, 'missing API key: send it as "Authorization: Bearer KEY"', 'authentication_error', null, 'missing_api_key');
      const key = m[1]!;
      if (!keys.verify(key)) {
        if (keys.isRevoked(key)) throw new ApiError(401, 'this API key was revoked', 'authentication_error', null, 'revoked_api_key');
        throw new ApiError(401, 'invalid API key', 'authentication_error', null, 'invalid_api_key');
      }
      return next();
    };
    app.use('/v1/*', auth);
    app.use('/metrics', auth);
  }

  const maxSize = opts.maxBodyBytes ?? 4 * 2 ** 20;
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize,
      onError: (c) => errorResponse(c, new ApiError(413, `the request body is larger than ${maxSize} bytes`, 'invalid_request_error', null, 'request_too_large')),
    }),
  );

  app.onError((e, c) => errorResponse(c, toApiError(e, { log })));
  app.notFound((c) => errorResponse(c, new ApiError(404, `no route ${c.req.method} ${c.req.path}`, 'not_found_error', null, 'unknown_route')));

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      uptime_s: Math.round((Date.now() - started) / 1000),
      default_model: opts.pool.defaultModel,
      models: opts.pool.loaded().map((m) => m.id),
      active_requests: opts.pool.activeLeases,
    }),
  );
  app.get('/metrics', async (c) => c.body(await opts.metrics.text(), 200, { 'Content-Type': opts.metrics.contentType }));

  const modelObject = (id: string, created: number, loaded: boolean) => ({ id, object: 'model', created, owned_by: 'lmkit', loaded });
  app.get('/v1/models', (c) => {
    const loaded = opts.pool.loaded();
    const data = loaded.map((m) => modelObject(m.id, m.created, true));
    const def = opts.pool.keyOf(undefined);
    if (!loaded.some((m) => m.id === def)) data.push(modelObject(def, Math.floor(started / 1000), false));
    return c.json({ object: 'list', data });
  });
  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    const m = opts.pool.loaded().find((x) => x.id === id || x.id === opts.pool.keyOf(id));
    if (m) return c.json(modelObject(m.id, m.created, true));
    if (opts.pool.knows(id)) return c.json(modelObject(opts.pool.keyOf(id), Math.floor(started / 1000), false));
    throw new ApiError(404, `model '${id}' is not available`, 'not_found_error', 'model', 'model_not_found');
  });

  app.post('/v1/chat/completions', (c) => chatCompletions(c, env));
  app.post('/v1/completions', (c) => completions(c, env));
  app.post('/v1/embeddings', (c) => embeddings(c, env));
  app.post('/v1/sentiment', (c) => sentiment(c, env));
  app.post('/v1/translate', (c) => translate(c, env));
  app.post('/v1/summarize', (c) => summarize(c, env));

  if (opts.playground ?? true) {
    const serveAsset = async (c: Context, file: string) => {
      const asset = await playgroundAsset(file);
      if (!asset) throw new ApiError(404, `no playground file '${file}'`, 'not_found_error', null, 'unknown_route');
      return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache' });
    };
    app.get('/', (c) => serveAsset(c, 'index.html'));
    app.get('/playground/:file', (c) => serveAsset(c, c.req.param('file')));
  }
  return app;
}
