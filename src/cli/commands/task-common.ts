/**
 * What `lmkit translate`, `lmkit sentiment` and `lmkit summarize` share:
 * reading inputs (arguments, stdin, or JSON lines), running them through the
 * task locally (the library pipelines on a model loaded in this process) or
 * on a server (`--url`, through lmkit/client), and printing results as text,
 * one JSON object (--json), or one JSON line per input (--jsonl).
 */
import { LmkitClient } from '../../client/index.js';
import { UsageError } from '../../errors.js';
import type { SentimentResult } from '../../pipelines/sentiment.js';
import type { Engine } from '../../serve/engine.js';
import { readAll, writeLine, type CliIo } from '../command.js';

/** The three tasks, wherever they run. */
export interface TaskRunner {
  sentiment(texts: string[], opts: { labels?: string[]; method?: 'auto' | 'likelihood' | 'head' }): Promise<Omit<SentimentResult, 'method'>[]>;
  translate(texts: string[], opts: { source: string; target: string; maxTokens?: number }): Promise<string[]>;
  summarize(texts: string[], opts: { maxTokens?: number }): Promise<string[]>;
  readonly model: string;
  close(): Promise<void>;
}

export const COMMON_OPTIONS = {
  model: { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
  'max-tokens': { type: 'string' },
  batch: { type: 'string' },
} as const;

export const COMMON_USAGE = `  --model M       model folder, GGUF file, registered name or 'default' (default: default)
  --url URL       use a running 'lmkit serve' instead of loading the model here
  --api-key KEY   the server's API key (default: $LMKIT_API_KEY)
  --json          print one JSON object
  --jsonl         batch: each stdin line is a JSON string; print one JSON result per line
  --batch N       inputs sent together in --jsonl mode (default 16)`;

/** Inputs: the positional words as one text, else stdin (one text, or one JSON string per line with --jsonl). */
export async function readInputs(command: string, positionals: string[], jsonl: boolean, io: CliIo): Promise<string[]> {
  if (jsonl) {
    if (positionals.length > 0) throw new UsageError(command, '--jsonl reads its inputs from stdin; drop the arguments');
    const lines = (await readAll(io.stdin)).split('\n');
    const out: string[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new UsageError(command, `stdin line ${i + 1} is not JSON; --jsonl expects one JSON string per line`);
      }
      if (typeof v !== 'string') throw new UsageError(command, `stdin line ${i + 1} is ${Array.isArray(v) ? 'an array' : typeof v}; --jsonl expects one JSON string per line`);
      out.push(v);
    });
    return out;
  }
  const text = positionals.length > 0 ? positionals.join(' ') : (await readAll(io.stdin)).trim();
  if (text === '') throw new UsageError(command, 'give the text as arguments or on stdin');
  return [text];
}

/** Runs `fn` over the inputs in batches, printing each result as soon as its batch is done. */
export async function runBatched<R>(inputs: string[], batch: number, fn: (xs: string[]) => Promise<R[]>, print: (r: R) => void): Promise<void> {
  for (let i = 0; i < inputs.length; i += batch) {
    for (const r of await fn(inputs.slice(i, i + batch))) print(r);
  }
}

export function remoteRunner(url: string, apiKey: string | undefined, model: string | undefined): TaskRunner {
  const lm = new LmkitClient({ baseURL: url, ...(apiKey ? { apiKey } : {}), ...(model ? { model } : {}) });
  return {
    model: model ?? 'default',
    async sentiment(texts, opts) {
      return (await lm.sentiment(texts, opts)).map(({ label, score, scores }) => ({ label, score, scores }));
    },
    async translate(texts, opts) {
      return (await lm.translate(texts, opts)).map((r) => r.translation);
    },
    async summarize(texts, opts) {
      return (await lm.summarize(texts, opts)).map((r) => r.summary);
    },
    async close() {},
  };
}

/** The runner for a model loaded in this process. */
export async function localRunner(model: string, io: CliIo): Promise<TaskRunner> {
  const [{ openEngine }, { settingsFromEnv }, { promptsFor }, { SentimentPipeline }, { TranslationPipeline, SummarizationPipeline }] = await Promise.all([
    import('../../serve/open-engine.js'),
    import('../env.js'),
    import('../../pipelines/task-prompts.js'),
    import('../../pipelines/sentiment.js'),
    import('../../pipelines/text-tasks.js'),
  ]);
  const s = settingsFromEnv(io.env);
  const engine: Engine = await openEngine(model, {
    backend: s.backend,
    ...(s.threads !== undefined ? { threads: s.threads } : {}),
    home: s.home,
    cacheDir: s.cacheDir,
    warn: (m) => io.stderr.write(m + '\n'),
  });
  const prompts = promptsFor(engine.info);
  return {
    model: engine.info.id,
    async sentiment(texts, opts) {
      return new SentimentPipeline(engine, prompts).classify(texts, opts);
    },
    async translate(texts, opts) {
      return (await new TranslationPipeline(engine, prompts).translate(texts, opts)).map((a) => a.text);
    },
    async summarize(texts, opts) {
      return (await new SummarizationPipeline(engine, prompts).summarize(texts, opts)).map((a) => a.text);
    },
    close: () => engine.close(),
  };
}

export async function runnerFor(values: { model?: string; url?: string; 'api-key'?: string }, io: CliIo): Promise<TaskRunner> {
  if (values.url) return remoteRunner(values.url, values['api-key'] ?? io.env.LMKIT_API_KEY, values.model);
  return localRunner(values.model ?? 'default', io);
}

export function printJsonLine(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value));
}
