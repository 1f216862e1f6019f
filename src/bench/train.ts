/**
 * `lmkit bench train`: one training step (forward + cross-entropy + backward
 * + AdamW) of GPT-2-style models at three sizes, lmkit against PyTorch on the
 * CPU at the same threads, each side in a fresh process for its peak RSS.
 * PyTorch runs scripts/bench_train_torch.py with /usr/bin/python3 when torch
 * is installed, with OMP_WAIT_POLICY=PASSIVE (its best setting here).
 *
 * `--config data` measures the data pipeline instead: tokenizing throughput
 * (MB/s) of `prepareShards` on a generated corpus, byte-level and BPE.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchModule } from './index.js';
import { numberFlag, parseFlags, writeLine } from '../cli/command.js';
import { UsageError } from '../errors.js';

const SIZES = {
  tiny: { vocab: 512, d: 128, layers: 4, heads: 4, ctx: 256, batch: 16 },
  small: { vocab: 8192, d: 384, layers: 6, heads: 6, ctx: 256, batch: 8 },
  gpt2: { vocab: 50257, d: 768, layers: 12, heads: 12, ctx: 256, batch: 4 },
} as const;
type SizeName = keyof typeof SIZES;

const usage = `lmkit bench train [flags]

Times forward + backward + AdamW of GPT-2-style models (tiny: vocab 512, d 128,
4 layers, ctx 256, batch 16; small: vocab 8192, d 384, 6 layers, batch 8; gpt2:
GPT-2 124M, batch 4) in tokens/s with peak RSS, against PyTorch (when
/usr/bin/python3 has torch) at the same threads, and prints the ratio.

Flags:
  --config NAME      tiny, small, gpt2 (default: all three), or data (tokenizing MB/s)
  --threads N        threads for both sides (default: all cores)
  --backend B        lmkit backend: auto (default), native or js
  --steps N          timed steps after one warm-up step (default 3)
  --no-torch         skip PyTorch
  --json             one JSON object per size`;

const dist = new URL('..', import.meta.url);
const mod = (p: string) => JSON.stringify(new URL(p, dist).href);

/** The lmkit side, run in a fresh process: prints {tokens_per_second, peak_rss_mb, backend}. */
function lmkitChild(size: SizeName, threads: number, backend: string, steps: number): { tokens_per_second: number; peak_rss_mb: number; backend: string; params: number } {
  const s = SIZES[size];
  const code = `
import { createRuntime } from ${mod('tensor/index.js')};
import { createModel, registry } from ${mod('models/registry.js')};
import { crossEntropy } from ${mod('tensor/ops/nn.js')};
import { AdamW } from ${mod('train/optimizers.js')};
const rt = createRuntime({ backend: ${JSON.stringify(backend)}, threads: ${threads}, seed: 0, warn: (m) => process.stderr.write(m + '\\n') });
const cfg = registry.gpt2.config({ vocabSize: ${s.vocab}, contextLength: ${s.ctx}, hiddenSize: ${s.d}, numLayers: ${s.layers}, numHeads: ${s.heads} });
const model = createModel(rt, cfg);
const opt = new AdamW(model.parameters(), { lr: 3e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1 });
const B = ${s.batch}, T = ${s.ctx};
const ids = new Int32Array(B * T), tgt = new Int32Array(B * T);
for (let i = 0; i < B * T; i++) { ids[i] = rt.rng.int(${s.vocab}); tgt[i] = rt.rng.int(${s.vocab}); }
const step = () => {
  rt.tidy(() => {
    const loss = crossEntropy(model.forward(rt.fromArray(ids, [B, T], 'i32')).logits, rt.fromArray(tgt, [B, T], 'i32'));
    loss.backward();
    return loss.item();
  });
  opt.step();
  opt.zeroGrad();
};
step();
const t0 = performance.now();
for (let i = 0; i < ${steps}; i++) step();
const dt = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ tokens_per_second: B * T * ${steps} / dt, peak_rss_mb: process.resourceUsage().maxRSS / 1024, backend: rt.backend.name, params: model.numParameters() }));
`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function torchAvailable(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function torchChild(size: SizeName, threads: number, steps: number): { tokens_per_second: number; peak_rss_mb: number; torch: string } {
  const script = new URL('../../scripts/bench_train_torch.py', import.meta.url).pathname;
  const out = execFileSync('/usr/bin/python3', [script, '--config', size, '--threads', String(threads), '--steps', String(steps), '--warmup', '1'], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Tokenizing throughput of the data pipeline on a generated ~16 MB corpus. */
async function dataBench(): Promise<{ tokenizer: string; mb_per_second: number; tokens: number; mb: number }[]> {
  const { prepareShards } = await import('../data/prepare.js');
  const { ByteTokenizer } = await import('../data/byte-tokenizer.js');
  const { trainBpe } = await import('../tokenizers/train-bpe.js');
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-bench-data-'));
  try {
    const words = 'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their'.split(' ');
    let state = 1;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    const docs: string[] = [];
    let bytes = 0;
    while (bytes < 16e6) {
      const n = 50 + (next() % 200);
      const d = Array.from({ length: n }, () => words[next() % words.length]).join(' ') + '.';
      docs.push(d);
      bytes += d.length + 14;
    }
    const file = join(dir, 'corpus.txt');
    writeFileSync(file, docs.join('<|endoftext|>\n'));
    const out: { tokenizer: string; mb_per_second: number; tokens: number; mb: number }[] = [];
    const bpe = await trainBpe({ texts: docs.slice(0, 2000), vocabSize: 1024, specialTokens: ['<|endoftext|>'] });
    for (const [name, tok] of [['bytes', new ByteTokenizer()], ['bpe-1024', bpe]] as const) {
      const m = await prepareShards({ inputs: [file], tokenizer: tok, outDir: join(dir, name) });
      out.push({ tokenizer: name, mb_per_second: m.stats.mbPerSecond, tokens: m.splits.train.tokens + m.splits.validation.tokens, mb: m.stats.bytes / 1e6 });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: BenchModule = {
  usage,
  async run(argv, io) {
    const { values } = parseFlags('bench train', {
      args: argv,
      options: { config: { type: 'string' }, threads: { type: 'string' }, backend: { type: 'string' }, steps: { type: 'string' }, 'no-torch': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const threads = numberFlag('bench train', 'threads', values.threads, { integer: true, min: 1 }) ?? availableParallelism();
    const steps = numberFlag('bench train', 'steps', values.steps, { integer: true, min: 1 }) ?? 3;
    const backend = values.backend ?? 'auto';
    if (!['auto', 'js', 'native'].includes(backend)) throw new UsageError('bench train', `--backend must be auto, native or js, got '${backend}'`);
    if (values.config === 'data') {
      for (const r of await dataBench()) {
        if (values.json) writeLine(io.stdout, JSON.stringify({ config: 'data', ...r }));
        else writeLine(io.stdout, `data pipeline (${r.tokenizer}): ${r.mb.toFixed(1)} MB -> ${r.tokens.toLocaleString('en-US')} tokens at ${r.mb_per_second.toFixed(2)} MB/s`);
      }
      return 0;
    }
    if (values.config && !(values.config in SIZES)) throw new UsageError('bench train', `--config must be tiny, small, gpt2 or data, got '${values.config}'`);
    const sizes = values.config ? [values.config as SizeName] : (Object.keys(SIZES) as SizeName[]);
    const withTorch = !values['no-torch'] && torchAvailable();
    if (!values['no-torch'] && !withTorch) io.stderr.write('bench train: /usr/bin/python3 with torch not found; measuring lmkit only\n');
    if (!values.json) writeLine(io.stdout, `${'config'.padEnd(7)} ${'threads'.padStart(7)} ${'lmkit tok/s'.padStart(12)} ${'torch tok/s'.padStart(12)} ${'ratio'.padStart(6)} ${'lmkit RSS'.padStart(10)} ${'torch RSS'.padStart(10)}  backend`);
    for (const size of sizes) {
      const l = lmkitChild(size, threads, backend, steps);
      const t = withTorch ? torchChild(size, threads, steps) : null;
      const ratio = t ? l.tokens_per_second / t.tokens_per_second : null;
      if (values.json) {
        writeLine(
          io.stdout,
          JSON.stringify({
            config: size,
            threads,
            backend: l.backend,
            params: l.params,
            tokens_per_second: l.tokens_per_second,
            peak_rss_mb: l.peak_rss_mb,
            torch_tokens_per_second: t?.tokens_per_second ?? null,
            torch_peak_rss_mb: t?.peak_rss_mb ?? null,
            torch_version: t?.torch ?? null,
            ratio,
          }),
        );
      } else {
        const f = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d));
        writeLine(io.stdout, `${size.padEnd(7)} ${String(threads).padStart(7)} ${f(l.tokens_per_second).padStart(12)} ${f(t?.tokens_per_second).padStart(12)} ${f(ratio, 2).padStart(6)} ${(f(l.peak_rss_mb) + ' MB').padStart(10)} ${(t ? f(t.peak_rss_mb) + ' MB' : '-').padStart(10)}  ${l.backend}`);
      }
    }
    return 0;
  },
};
export default bench;
