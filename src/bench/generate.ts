/**
 * `lmkit bench generate`: prompt processing and decode speed of a model, and
 * llama.cpp's on the same GGUF file at the same threads in the same run.
 *
 * The measurements mirror llama-bench's: prompt processing feeds P random
 * token ids to a fresh cache in one step (logits for the last position only);
 * decode feeds D tokens one step at a time from an empty cache, without
 * sampling. Generation speed (the full loop: sampling, detokenizing, stop
 * checks) is reported besides, to show the per-token overhead of the loop.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hubFromEnv, runtimeFromEnv } from '../cli/env.js';
import { numberFlag, parseFlags, writeLine, type CliIo } from '../cli/command.js';
import { FileFormatError, NotFoundError, UsageError } from '../errors.js';
import { generate } from '../generate/generate.js';
import { loadGenerator } from '../generate/load.js';
import { stepLogitsViews } from '../generate/step.js';
import type { CausalLM } from '../models/types.js';
import { Rng } from '../tensor/rng.js';
import type { BenchModule } from './index.js';

const usage = `lmkit bench generate --model M [flags]

Prompt processing and decode tokens/s of model M; with llama.cpp's llama-bench
(--llama-bench PATH or LLAMA_BENCH), the same measurements of llama.cpp on the
same GGUF at the same threads, and the ratios.

Flags:
  --threads N          threads for lmkit's native backend and llama.cpp
  --prompt-tokens P    prompt length (default 512)
  --decode-tokens D    tokens decoded (default 128)
  --repetitions R      timed runs of each test, after one warm-up (default 5)
  --rounds K           alternate lmkit and llama.cpp K times (default 1); a
                       shared, noisy machine then loads both alike
  --llama-bench PATH   llama-bench binary (default: $LLAMA_BENCH)
  --json               one JSON object instead of a table`;

interface Timing {
  readonly mean: number;
  readonly std: number;
}

function stats(xs: number[]): Timing {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, std };
}

function randomIds(n: number, vocab: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.int(vocab));
}

/** Tokens per second of `reps` runs (after a warm-up run when asked). */
function timeRuns(reps: number, tokens: number, warmUp: boolean, run: () => void): number[] {
  if (warmUp) run();
  const tps: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    run();
    tps.push((tokens * 1000) / (performance.now() - t0));
  }
  return tps;
}

function prefill(model: CausalLM, ids: number[]): void {
  const cache = model.newCache(ids.length);
  try {
    stepLogitsViews(model, [{ ids, cache }]).release();
  } finally {
    cache.dispose();
  }
}

function decode(model: CausalLM, ids: number[]): void {
  const cache = model.newCache(ids.length);
  try {
    for (const id of ids) stepLogitsViews(model, [{ ids: [id], cache }]).release();
  } finally {
    cache.dispose();
  }
}

interface LlamaCpp {
  /** tokens/s of each repetition (llama-bench's samples_ts). */
  readonly prompt: number[];
  readonly decode: number[];
  readonly build: string;
}

/** Runs llama-bench -p P -n D -t N -r R -o json and reads the pp and tg samples out of it. */
function runLlamaBench(bin: string, model: string, p: number, d: number, threads: number | undefined, reps: number): LlamaCpp {
  if (!existsSync(bin)) throw new NotFoundError(bin, 'llama-bench binary not found (--llama-bench or LLAMA_BENCH)');
  const args = ['-m', model, '-p', String(p), '-n', String(d), '-r', String(reps), '-o', 'json'];
  if (threads !== undefined) args.push('-t', String(threads));
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new FileFormatError(bin, `llama-bench exited with ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  let rows: Record<string, unknown>[];
  try {
    rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  } catch (e) {
    throw new FileFormatError(bin, `llama-bench printed no JSON: ${(e as Error).message}`);
  }
  const find = (np: number, ng: number): number[] => {
    const row = rows.find((x) => x['n_prompt'] === np && x['n_gen'] === ng);
    if (!row) throw new FileFormatError(bin, `no llama-bench result for n_prompt=${np} n_gen=${ng}`);
    const samples = row['samples_ts'];
    return Array.isArray(samples) && samples.length ? samples.map(Number) : [Number(row['avg_ts'])];
  };
  const build = rows[0] ? `${String(rows[0]['build_commit'] ?? '?')} (${String(rows[0]['build_number'] ?? '?')})` : '?';
  return { prompt: find(p, 0), decode: find(0, d), build };
}

const fmt = (t: Timing) => `${t.mean.toFixed(1)} ± ${t.std.toFixed(1)}`;
const round = (x: number) => Math.round(x * 100) / 100;

const bench: BenchModule = {
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values: v } = parseFlags('bench generate', {
      args: argv,
      options: {
        model: { type: 'string' },
        threads: { type: 'string' },
        'prompt-tokens': { type: 'string' },
        'decode-tokens': { type: 'string' },
        repetitions: { type: 'string' },
        rounds: { type: 'string' },
        'llama-bench': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const num = (name: string, dflt: number) => numberFlag('bench generate', name, v[name as keyof typeof v] as string | undefined, { integer: true, min: 1 }) ?? dflt;
    const P = num('prompt-tokens', 512);
    const D = num('decode-tokens', 128);
    const reps = num('repetitions', 5);
    const rounds = num('rounds', 1);
    const threadsFlag = numberFlag('bench generate', 'threads', v.threads, { integer: true, min: 1 });
    const ref = v.model ?? 'default';
    const llamaBin = v['llama-bench'] ?? io.env['LLAMA_BENCH'];
    const rt = runtimeFromEnv(io, threadsFlag !== undefined ? { threads: threadsFlag } : {});
    const { model, tokenizer } = await loadGenerator(ref, { rt, hub: hubFromEnv(io.env) });
    if (P + D > model.config.contextLength) throw new UsageError('bench generate', `--prompt-tokens + --decode-tokens = ${P + D} exceeds the model's context ${model.config.contextLength}`);
    const vocab = Math.min(model.config.vocabSize, tokenizer.vocabSize);
    const rng = new Rng(1234);
    const promptIds = randomIds(P, vocab, rng);
    const decodeIds = [tokenizer.bosId ?? 0, ...randomIds(D - 1, vocab, rng)];

    const gguf = ref.endsWith('.gguf') && existsSync(ref);
    const cppNote = !llamaBin ? 'llama.cpp not run: pass --llama-bench PATH or set LLAMA_BENCH' : !gguf ? 'llama.cpp skipped: --model is not a .gguf file' : '';
    // Rounds alternate lmkit and llama.cpp, so load from other processes on a shared machine hits both alike.
    const pps: number[] = [];
    const tgs: number[] = [];
    const gens: number[] = [];
    const cppPp: number[] = [];
    const cppTg: number[] = [];
    let build = '';
    for (let round = 0; round < rounds; round++) {
      const warm = round === 0;
      pps.push(...timeRuns(reps, P, warm, () => prefill(model, promptIds)));
      tgs.push(...timeRuns(reps, D, warm, () => decode(model, decodeIds)));
      // The full loop is async, so it is timed here rather than with timeRuns.
      for (let r = warm ? -1 : 0; r < reps; r++) {
        const t0 = performance.now();
        const res = await generate(model, tokenizer, [decodeIds[0]!], { maxTokens: D, ignoreEos: true, seed: 1, temperature: 1 });
        if (r >= 0) gens.push((res.tokens.length * 1000) / (performance.now() - t0));
      }
      if (llamaBin && gguf) {
        const c = runLlamaBench(llamaBin, ref, P, D, rt.backend.threads, reps);
        cppPp.push(...c.prompt);
        cppTg.push(...c.decode);
        build = c.build;
      }
    }
    const pp = stats(pps);
    const tg = stats(tgs);
    const full = stats(gens);
    const cpp = cppPp.length ? { prompt: stats(cppPp), decode: stats(cppTg), build } : null;
    const out = {
      model: ref,
      backend: rt.backend.name,
      threads: rt.backend.threads,
      samples: pps.length,
      prompt_tokens: P,
      decode_tokens: D,
      prompt_tokens_per_second: round(pp.mean),
      decode_tokens_per_second: round(tg.mean),
      generate_tokens_per_second: round(full.mean),
      loop_overhead_ms_per_token: round(1000 / full.mean - 1000 / tg.mean),
      llama_cpp: cpp ? { prompt_tokens_per_second: round(cpp.prompt.mean), decode_tokens_per_second: round(cpp.decode.mean), build: cpp.build } : null,
      prompt_ratio: cpp ? round(pp.mean / cpp.prompt.mean) : null,
      decode_ratio: cpp ? round(tg.mean / cpp.decode.mean) : null,
    };
    if (v.json) {
      writeLine(io.stdout, JSON.stringify(out));
      return 0;
    }
    const lines = [
      `model ${ref}  backend ${out.backend}  threads ${out.threads ?? 'default'}`,
      `test          lmkit tok/s        llama.cpp tok/s    ratio`,
      `pp${P}`.padEnd(14) + fmt(pp).padEnd(19) + (cpp ? fmt(cpp.prompt).padEnd(19) + out.prompt_ratio!.toFixed(2) : '-'),
      `tg${D}`.padEnd(14) + fmt(tg).padEnd(19) + (cpp ? fmt(cpp.decode).padEnd(19) + out.decode_ratio!.toFixed(2) : '-'),
      `generate${D}`.padEnd(14) + fmt(full).padEnd(19) + `(full loop: +${out.loop_overhead_ms_per_token.toFixed(3)} ms/token over tg)`,
    ];
    if (cppNote) lines.push(cppNote);
    writeLine(io.stdout, lines.join('\n'));
    return 0;
  },
};
export default bench;
