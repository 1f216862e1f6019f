/**
 * `lmkit serve`: the OpenAI-compatible HTTP server, the task endpoints and
 * the web playground. Each model runs in its own worker thread; the settings
 * come from flags and, at this boundary only, LMKIT_BACKEND, LMKIT_THREADS
 * and LMKIT_HOME.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError, UsageError } from '../../errors.js';
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { settingsFromEnv } from '../env.js';

const usage = `lmkit serve [flags]

Serves models over HTTP: OpenAI's /v1/chat/completions, /v1/completions,
/v1/embeddings and /v1/models, lmkit's /v1/sentiment, /v1/translate and
/v1/summarize, /health, Prometheus /metrics, and the playground at /.
A request's "model" picks the model (a folder, a GGUF file, 'default' or a
registered name); models load on first use, each in its own worker thread,
and the least recently used is unloaded past --max-models or --memory-budget.

Flags:
  --model M              the default model (default: default, the built-in model)
  --host H               address to listen on (default 127.0.0.1)
  --port N               port (default 8080; 0 picks a free one)
  --allow-model LIST     models requests may name, comma-separated, or '*' (default: '*' on
                         loopback, else only --model)
  --max-models N         models loaded at once (default 2)
  --memory-budget SIZE   most weight bytes loaded at once, e.g. 8GiB (default: no limit)
  --max-batch N          sequences decoded together per model (default 16)
  --max-queue N          requests waiting per model before 429 (default 64)
  --timeout S            per-request time limit in seconds (default 600; 0: none)
  --max-body SIZE        largest request body (default 4MiB)
  --buffer-pool SIZE     freed tensor buffers kept for reuse per model (default 256MiB)
  --default-max-tokens N max_tokens for chat requests that give none (default 512)
  --cors ORIGINS         allowed browser origins, comma-separated, or '*' (default: none)
  --api-keys             require an API key (manage them with 'lmkit keys')
  --preload              load the default model before listening
  --in-process           run models on the HTTP thread instead of worker threads
  --no-playground        do not serve the playground

Environment: LMKIT_BACKEND (js|native|auto), LMKIT_THREADS, LMKIT_HOME (API keys live in
$LMKIT_HOME/keys.sqlite, default ~/.lmkit).`;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** '8GiB', '512MB', '1e9' -> bytes. */
export function parseSize(command: string, flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(command, `--${flag} must be a size such as 512MiB or 8GiB, got '${v}'`);
  const n = Number(m[1]) * unit;
  if (!(n > 0)) throw new UsageError(command, `--${flag} must be positive, got '${v}'`);
  return Math.floor(n);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const command: Command = {
  summary: 'serve models over an OpenAI-compatible HTTP API, with a web playground',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('serve', {
      args: argv,
      options: {
        model: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'allow-model': { type: 'string' },
        'max-models': { type: 'string' },
        'memory-budget': { type: 'string' },
        'max-batch': { type: 'string' },
        'max-queue': { type: 'string' },
        timeout: { type: 'string' },
        'max-body': { type: 'string' },
        'buffer-pool': { type: 'string' },
        'default-max-tokens': { type: 'string' },
        cors: { type: 'string' },
        'api-keys': { type: 'boolean' },
        preload: { type: 'boolean' },
        'in-process': { type: 'boolean' },
        'no-playground': { type: 'boolean' },
      },
    });
    const settings = settingsFromEnv(io.env);
    const host = values.host ?? '127.0.0.1';
    const port = numberFlag('serve', 'port', values.port, { integer: true, min: 0, max: 65535 }) ?? 8080;
    const maxBatch = numberFlag('serve', 'max-batch', values['max-batch'], { integer: true, min: 1 }) ?? 16;
    const maxQueue = numberFlag('serve', 'max-queue', values['max-queue'], { integer: true, min: 0 }) ?? 64;
    const timeoutS = numberFlag('serve', 'timeout', values.timeout, { min: 0 }) ?? 600;
    const maxModels = numberFlag('serve', 'max-models', values['max-models'], { integer: true, min: 1 }) ?? 2;
    const defaultMaxTokens = numberFlag('serve', 'default-max-tokens', values['default-max-tokens'], { integer: true, min: 1 }) ?? 512;
    const memoryBudget = parseSize('serve', 'memory-budget', values['memory-budget']);
    const maxBody = parseSize('serve', 'max-body', values['max-body']) ?? 4 * 2 ** 20;
    const bufferPool = parseSize('serve', 'buffer-pool', values['buffer-pool']);

    /** Files and folders by absolute path; anything else ('default', registered names) as given. */
    const canonical = (name: string) => (existsSync(name) ? resolve(name) : name);
    const defaultModel = canonical(values.model ?? 'default');
    const allowSpec = values['allow-model'] ?? (isLoopback(host) ? '*' : '');
    const allowed = allowSpec === '*' ? null : new Set([defaultModel, ...allowSpec.split(',').filter(Boolean).map((s) => canonical(s.trim()))]);
    const resolveModel = (name: string) => {
      const key = canonical(name);
      if (allowed && !allowed.has(key)) throw new NotFoundError('model', `'${name}' is not served here; this server allows: ${[...allowed].join(', ')}`);
      return key;
    };

    const [{ startServer }, { KeyStore }] = await Promise.all([import('../../serve/server.js'), import('../../serve/keys.js')]);
    const engineOptions = (ref: string) => ({
      ref,
      backend: settings.backend,
      ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
      home: settings.home,
      cacheDir: settings.cacheDir,
      maxBatch,
      maxQueue,
      ...(bufferPool !== undefined ? { maxPooledBytes: bufferPool } : {}),
    });
    let load: (key: string) => Promise<import('../../serve/engine.js').Engine>;
    if (values['in-process']) {
      const { openEngine } = await import('../../serve/open-engine.js');
      load = (ref) => openEngine(ref, { ...engineOptions(ref), warn: (m) => io.stderr.write(m + '\n') });
    } else {
      const [{ workerEngineLoader }, { MODEL_MODULE }] = await Promise.all([import('../../serve/worker/worker-engine.js'), import('../../serve/worker/model-module.js')]);
      load = workerEngineLoader(MODEL_MODULE, engineOptions);
    }
    const keys = values['api-keys'] ? new KeyStore(join(settings.home, 'keys.sqlite')) : null;
    const corsOrigins = values.cors === undefined ? null : values.cors.trim() === '*' ? '*' : values.cors.split(',').map((s) => s.trim()).filter(Boolean);
    const log = (m: string) => io.stderr.write(m + '\n');
    const server = await startServer({
      load,
      defaultModel,
      resolve: resolveModel,
      host,
      port,
      maxModels,
      ...(memoryBudget !== undefined ? { memoryBudget } : {}),
      keys,
      corsOrigins,
      maxBodyBytes: maxBody,
      timeoutMs: timeoutS * 1000,
      defaultMaxTokens,
      playground: !values['no-playground'],
      preload: values.preload ?? false,
      log,
    });
    writeLine(io.stdout, `lmkit serve: listening on ${server.url} (default model ${defaultModel}; API keys ${keys ? 'required' : 'off'}; playground ${values['no-playground'] ? 'off' : `${server.url}/`})`);
    if (!isLoopback(host) && !keys) log(`lmkit serve: warning: listening on ${host} without --api-keys; anyone who can reach it can use it`);

    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    log('lmkit serve: shutting down');
    await server.close();
    keys?.close();
    return 0;
  },
};
export default command;
