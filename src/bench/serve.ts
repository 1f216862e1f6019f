/**
 * `lmkit bench serve`: load on a running server over loopback. For each
 * client count (default 1, 8, 32), that many clients send streaming chat
 * completions back to back until a request count or a time limit is reached;
 * the run reports requests/s, generated tokens/s, time to first token and
 * latency percentiles, and the gain of continuous batching: tokens/s at N
 * clients over tokens/s at one client (the reference: one request at a time).
 * `--unbatched` also runs the same client counts against a second server
 * with --max-batch 1, so the gain is measured against the same load served
 * one sequence per step.
 *
 * `--soak SECONDS` instead holds 8 clients for that long, sampling the
 * server's resident memory from /metrics, and reports errors and the memory
 * trend (the check: no errors, flat memory).
 *
 * Without --url it starts `lmkit serve` itself (on a free loopback port) and
 * stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchModule } from './index.js';
import { sseJson } from '../client/sse.js';
import { numberFlag, parseFlags, writeLine, type CliIo } from '../cli/command.js';
import { LmkitError, UsageError } from '../errors.js';

const usage = `lmkit bench serve [flags]

Streaming chat completions from concurrent clients against lmkit serve on
loopback. Prints, per client count: requests/s, tokens/s, time to first token
(p50/p99), latency (p50/p99), errors, and the batching gain (tokens/s over the
1-client figure).

Flags:
  --url URL            a running server (default: start 'lmkit serve' on a free port)
  --model M            model for the started server and the requests (default: default)
  --clients LIST       client counts (default 1,8,32)
  --requests N         requests per client count (default 4 per client, at least 8)
  --time-limit S       seconds per client count (default 60)
  --max-tokens N       tokens per answer (default 64; generation ignores EOS)
  --max-batch N        the started server's batch size (default: its own)
  --serve-args=ARGS    more flags for the started server, e.g. --serve-args='--buffer-pool 64MiB'
  --unbatched          also measure a server started with --max-batch 1
  --soak S             instead: 8 clients for S seconds, memory and errors (e.g. 600)
  --json               one JSON line per result`;

const PROMPTS = [
  'Tell me about the lightest tent you sell.',
  'Which sleeping bag is warm enough for winter camping?',
  'How long does shipping take?',
  'Can I return boots I have worn once?',
  'Recommend a stove for a two-person trip.',
  'What is the difference between your two backpacks?',
  'Do you sell water filters?',
  'Is the rain jacket fully waterproof?',
];

interface RequestStats {
  ok: boolean;
  ttftMs: number;
  latencyMs: number;
  tokens: number;
  error?: string;
}

/** One streaming request, read as server-sent events; times the first content and the end. */
async function streamOne(url: string, model: string | undefined, i: number, maxTokens: number, signal: AbortSignal): Promise<RequestStats> {
  const t0 = performance.now();
  let ttft = -1;
  let tokens = 0;
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(model ? { model } : {}),
        messages: [{ role: 'user', content: PROMPTS[i % PROMPTS.length] }],
        max_tokens: maxTokens,
        temperature: 0.8,
        seed: i,
        stream: true,
        stream_options: { include_usage: true },
        ignore_eos: true,
      }),
      signal,
    });
    if (!res.ok || !res.body) return { ok: false, ttftMs: 0, latencyMs: performance.now() - t0, tokens: 0, error: `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}` };
    type Chunk = { error?: { message: string }; usage?: { completion_tokens: number }; choices?: { delta?: { content?: string } }[] };
    for await (const ev of sseJson<Chunk>(res.body)) {
      if (ev.error) return { ok: false, ttftMs: 0, latencyMs: performance.now() - t0, tokens, error: ev.error.message };
      if (ev.usage) tokens = ev.usage.completion_tokens;
      if (ttft < 0 && ev.choices?.[0]?.delta?.content) ttft = performance.now() - t0;
    }
    return { ok: true, ttftMs: ttft < 0 ? performance.now() - t0 : ttft, latencyMs: performance.now() - t0, tokens };
  } catch (e) {
    return { ok: false, ttftMs: 0, latencyMs: performance.now() - t0, tokens, error: (e as Error).message };
  }
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface LoadResult {
  readonly clients: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerS: number;
  readonly tokensPerS: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly firstError?: string;
}

/** `clients` concurrent clients until `requests` have been sent or `timeLimitS` passed. */
export async function runLoad(url: string, model: string | undefined, clients: number, requests: number, timeLimitS: number, maxTokens: number): Promise<LoadResult> {
  const stats: RequestStats[] = [];
  const deadline = performance.now() + timeLimitS * 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeLimitS * 1000 + 30_000);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests && performance.now() < deadline) {
        const i = next++;
        stats.push(await streamOne(url, model, i, maxTokens, ac.signal));
      }
    }),
  );
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const ok = stats.filter((s) => s.ok);
  const tokens = ok.reduce((a, s) => a + s.tokens, 0);
  const firstError = stats.find((s) => !s.ok)?.error;
  return {
    clients,
    requests: stats.length,
    errors: stats.length - ok.length,
    seconds,
    requestsPerS: ok.length / seconds,
    tokensPerS: tokens / seconds,
    ttftP50Ms: percentile(
      ok.map((s) => s.ttftMs),
      50,
    ),
    ttftP99Ms: percentile(
      ok.map((s) => s.ttftMs),
      99,
    ),
    latencyP50Ms: percentile(
      ok.map((s) => s.latencyMs),
      50,
    ),
    latencyP99Ms: percentile(
      ok.map((s) => s.latencyMs),
      99,
    ),
    ...(firstError ? { firstError } : {}),
  };
}

/** Starts `lmkit serve` on a free loopback port and resolves with its URL once it listens. */
async function startServe(io: CliIo, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const bin = fileURLToPath(new URL('../../bin/lmkit.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--preload', ...args], { env: io.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new LmkitError('io', `[bench serve] lmkit serve exited (code ${code}) before listening: ${err.trim().slice(-500)}`)));
  });
  return { url, child };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function rssBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^lmkit_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

function row(label: string, r: LoadResult, base: LoadResult | undefined): string {
  const gain = base ? `${(r.tokensPerS / base.tokensPerS).toFixed(2)}x` : '';
  return [
    label.padEnd(10),
    String(r.clients).padStart(7),
    String(r.requests).padStart(5),
    String(r.errors).padStart(4),
    r.requestsPerS.toFixed(2).padStart(7),
    r.tokensPerS.toFixed(1).padStart(8),
    r.ttftP50Ms.toFixed(0).padStart(7),
    r.ttftP99Ms.toFixed(0).padStart(7),
    r.latencyP50Ms.toFixed(0).padStart(7),
    r.latencyP99Ms.toFixed(0).padStart(7),
    gain.padStart(6),
  ].join(' ');
}

const HEADER = 'server     clients  reqs errs  req/s    tok/s ttft50 ttft99  lat50  lat99   gain\n' + '           (ms columns: time to first token and latency percentiles)';

const bench: BenchModule = {
  usage,
  async run(argv, io) {
    const { values } = parseFlags('bench serve', {
      args: argv,
      options: {
        url: { type: 'string' },
        model: { type: 'string' },
        clients: { type: 'string' },
        requests: { type: 'string' },
        'time-limit': { type: 'string' },
        'max-tokens': { type: 'string' },
        'max-batch': { type: 'string' },
        'serve-args': { type: 'string' },
        unbatched: { type: 'boolean' },
        soak: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const clientCounts = (values.clients ?? '1,8,32').split(',').map((x) => numberFlag('bench serve', 'clients', x.trim(), { integer: true, min: 1, max: 256 })!);
    const perLevel = numberFlag('bench serve', 'requests', values.requests, { integer: true, min: 1 });
    const timeLimit = numberFlag('bench serve', 'time-limit', values['time-limit'], { min: 1 }) ?? 60;
    const maxTokens = numberFlag('bench serve', 'max-tokens', values['max-tokens'], { integer: true, min: 1 }) ?? 64;
    const soak = numberFlag('bench serve', 'soak', values.soak, { min: 1 });
    const maxBatch = numberFlag('bench serve', 'max-batch', values['max-batch'], { integer: true, min: 1 });
    if (values.url && values.unbatched) throw new UsageError('bench serve', '--unbatched starts its own servers; drop --url');
    const model = values.model;
    const extra = values['serve-args']?.split(/\s+/).filter(Boolean) ?? [];
    const serveArgs = [...(model ? ['--model', model] : []), ...(maxBatch ? ['--max-batch', String(maxBatch)] : []), ...extra];
    const out = (line: string) => writeLine(io.stdout, line);

    const servers: { label: string; url: string; child: ChildProcess | null }[] = [];
    try {
      if (values.url) servers.push({ label: 'given', url: values.url.replace(/\/+$/, '').replace(/\/v1$/, ''), child: null });
      else servers.push({ label: 'batched', ...(await startServe(io, serveArgs)) });
      if (values.unbatched) servers.push({ label: 'unbatched', ...(await startServe(io, [...(model ? ['--model', model] : []), ...extra, '--max-batch', '1'])) });

      if (soak !== undefined) {
        const url = servers[0]!.url;
        const samples: number[] = [await rssBytes(url)];
        const sampler = setInterval(() => void rssBytes(url).then((b) => samples.push(b)), 10_000);
        const r = await runLoad(url, model, 8, Number.MAX_SAFE_INTEGER, soak, maxTokens);
        clearInterval(sampler);
        samples.push(await rssBytes(url));
        const mib = (b: number) => b / 2 ** 20;
        // Buffer pools and heaps grow to their working size first: judge flatness after the first fifth.
        const settled = samples.slice(Math.ceil(samples.length / 5));
        const firstHalf = settled.slice(0, Math.ceil(settled.length / 2));
        const secondHalf = settled.slice(Math.floor(settled.length / 2));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const summary = {
          bench: 'serve-soak',
          seconds: r.seconds,
          requests: r.requests,
          errors: r.errors,
          tokensPerS: r.tokensPerS,
          rssStartMiB: mib(samples[0]!),
          rssEndMiB: mib(samples[samples.length - 1]!),
          rssMaxMiB: mib(Math.max(...samples)),
          rssDriftMiB: mib(mean(secondHalf) - mean(firstHalf)),
          rssSamplesMiB: samples.map((b) => Math.round(mib(b))),
          ...(r.firstError ? { firstError: r.firstError } : {}),
        };
        if (values.json) out(JSON.stringify(summary));
        else {
          out(`soak: ${r.requests} requests in ${r.seconds.toFixed(0)}s at 8 clients, ${r.errors} errors, ${r.tokensPerS.toFixed(1)} tok/s`);
          out(
            `resident memory: start ${summary.rssStartMiB.toFixed(0)} MiB, end ${summary.rssEndMiB.toFixed(0)} MiB, max ${summary.rssMaxMiB.toFixed(0)} MiB, drift after warm-up (mean of the last half - the first half, first fifth excluded) ${summary.rssDriftMiB.toFixed(1)} MiB`,
          );
          out(`samples every 10s (MiB): ${summary.rssSamplesMiB.join(' ')}`);
          if (r.firstError) out(`first error: ${r.firstError}`);
        }
        return r.errors === 0 ? 0 : 1;
      }

      if (!values.json) out(HEADER);
      let errors = 0;
      for (const s of servers) {
        // Warm up: the first request pays for loading and JIT.
        await runLoad(s.url, model, 1, 1, timeLimit, 4);
        let base: LoadResult | undefined;
        for (const c of clientCounts) {
          const r = await runLoad(s.url, model, c, perLevel ?? Math.max(8, 4 * c), timeLimit, maxTokens);
          errors += r.errors;
          if (c === 1) base = r;
          if (values.json) out(JSON.stringify({ bench: 'serve', server: s.label, maxTokens, ...r, gainOver1: base ? r.tokensPerS / base.tokensPerS : null }));
          else out(row(s.label, r, base));
          if (r.firstError && !values.json) out(`  first error: ${r.firstError}`);
        }
      }
      return errors === 0 ? 0 : 1;
    } finally {
      for (const s of servers) if (s.child) await stopServe(s.child);
    }
  },
};
export default bench;
