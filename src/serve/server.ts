/**
 * `startServer`: the app on a socket, with its model pool and metrics.
 *
 * How models are loaded is the caller's choice (`load`): the CLI loads each
 * into its own worker thread (`workerEngineLoader`), tests pass mock or
 * in-process engines. Settings arrive as options; nothing here reads the
 * environment.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp, type AppOptions } from './app.js';
import type { Engine } from './engine.js';
import { ServerMetrics } from './metrics.js';
import { ModelPool, type ModelPoolOptions } from './model-pool.js';

export interface ServerOptions extends Omit<AppOptions, 'pool' | 'metrics'>, Omit<ModelPoolOptions, 'log'> {
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Load the default model before listening (default false: on first use). */
  readonly preload?: boolean;
  /** Export Node process metrics (memory, CPU, event-loop lag) on /metrics (default true). */
  readonly processMetrics?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly app: Hono;
  readonly pool: ModelPool;
  readonly metrics: ServerMetrics;
  /** Stops listening, ends open connections and unloads the models. */
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const pool = new ModelPool({
    load: opts.load,
    defaultModel: opts.defaultModel,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
    ...(opts.maxModels !== undefined ? { maxModels: opts.maxModels } : {}),
    ...(opts.memoryBudget !== undefined ? { memoryBudget: opts.memoryBudget } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const metrics = new ServerMetrics(pool, { processMetrics: opts.processMetrics ?? true });
  if (opts.preload) (await pool.acquire()).release();
  const app = createApp({ ...opts, pool, metrics });
  const host = opts.host ?? '127.0.0.1';
  let server!: ServerType;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 8080 }, resolve);
    server.once('error', reject);
  });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${info.port}`,
    port: info.port,
    host,
    app,
    pool,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Streams in progress would hold close() open; their generations are cancelled by the disconnect.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await pool.close();
    },
  };
}

export type { Engine };
