/**
 * `lmkit bench matmul`: single-precision matrix products on lmkit's backend
 * against OpenBLAS's cblas_sgemm (Debian libopenblas, loaded with dlopen by the
 * native addon, never linked) on the same machine, threads and layouts, in one
 * run. Prints GFLOP/s of each and the ratio lmkit / OpenBLAS.
 *
 * Each side runs its product repeatedly for a fixed time and keeps its best
 * rate; the two sides alternate (lmkit, OpenBLAS, lmkit, OpenBLAS) with a pause
 * in between so that neither pool's idle spinning lands on the other's run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchModule } from './index.js';
import type { Backend, View } from '../backends/backend.js';
import { createJsBackend } from '../backends/js/index.js';
import { loadNativeBackend } from '../backends/native/index.js';
import { loadAddon, type RawAddon } from '../backends/native/addon.js';
import { parseFlags, numberFlag, writeLine } from '../cli/command.js';
import { LmkitError, UsageError } from '../errors.js';
import { availableParallelism } from 'node:os';

const usage = `lmkit bench matmul [flags]

C (M, N) = A (M, K) @ B (K, N) in f32 on lmkit's native backend and on
OpenBLAS (cblas_sgemm, when libopenblas is installed) with the same threads.

Flags:
  --m N, --n N, --k N   one shape (default 1024 x 1024 x 1024)
  --layout L            nn | nt | tn: which operand is a transposed view
                        (nt: A @ B^T as in x W^T; tn: A^T @ B as in g^T x) (default nn)
  --shapes transformer  GPT-2-sized shapes instead: MLP up/down, attention
                        projections, the LM head, gradients, a small-K product
  --threads N           threads for both sides (default: all cores)
  --seconds S           measuring time per side, over 5 alternating rounds (default 1)
  --json                one JSON line per shape: {"gflops", "backend", "threads",
                        "m", "n", "k", "layout", "isa", "openblas_gflops", "ratio"}`;

type Layout = 'nn' | 'nt' | 'tn';

interface Shape {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly layout: Layout;
}

const TRANSFORMER: readonly Shape[] = [
  { name: 'mlp up x@W (512x768 @ 768x3072)', m: 512, n: 3072, k: 768, layout: 'nn' },
  { name: 'mlp up x@W^T (linear layout)', m: 512, n: 3072, k: 768, layout: 'nt' },
  { name: 'mlp down (512x3072 @ 3072x768)', m: 512, n: 768, k: 3072, layout: 'nt' },
  { name: 'attn proj (256x768 @ 768x768)', m: 256, n: 768, k: 768, layout: 'nt' },
  { name: 'weight grad g^T x (768x512 @ 512x3072)', m: 768, n: 3072, k: 512, layout: 'tn' },
  { name: 'lm head (1024x768 @ 768x50257)', m: 1024, n: 50257, k: 768, layout: 'nt' },
  { name: 'small K (4096x128 @ 128x512)', m: 4096, n: 512, k: 128, layout: 'nn' },
  { name: 'square 1024', m: 1024, n: 1024, k: 1024, layout: 'nn' },
];

function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

function view(data: Float32Array, shape: number[], strides: number[]): View {
  return { data, dtype: 'f32', shape, strides, offset: 0 };
}

/** Best rate (GFLOP/s) of fn over `seconds`, at least 2 calls after a warm-up call. */
function rate(fn: () => void, flops: number, seconds: number): number {
  fn();
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  while (calls < 2 || performance.now() < end) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    calls++;
  }
  return flops / (best / 1000) / 1e9;
}

async function measure(be: Backend, addon: RawAddon | null, s: Shape, threads: number, seconds: number) {
  const { m, n, k, layout } = s;
  // Storage as OpenBLAS reads it; lmkit gets the same memory as (possibly transposed) views.
  const A = randomF32(m * k, 1);
  const B = randomF32(k * n, 2);
  const C = new Float32Array(m * n);
  const a = layout === 'tn' ? view(A, [m, k], [1, m]) : view(A, [m, k], [k, 1]);
  const b = layout === 'nt' ? view(B, [k, n], [1, k]) : view(B, [k, n], [n, 1]);
  const c = view(C, [m, n], [n, 1]);
  const flops = 2 * m * n * k;
  let lmkit = 0;
  let blas = 0;
  let haveBlas = addon !== null;
  // Short alternating rounds, best of each side: on a shared machine a burst of
  // outside load then spoils a round or two, not one side's whole measurement.
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    lmkit = Math.max(lmkit, rate(() => be.matmul(a, b, c, false), flops, seconds / rounds));
    await sleep(100);
    if (haveBlas) {
      const ok = addon!.openblasSgemm(A, B, C, m, n, k, threads, layout === 'tn', layout === 'nt');
      if (!ok) haveBlas = false;
      else blas = Math.max(blas, rate(() => addon!.openblasSgemm(A, B, C, m, n, k, threads, layout === 'tn', layout === 'nt'), flops, seconds / rounds));
      await sleep(100);
    }
  }
  return { lmkit, blas: haveBlas ? blas : null };
}

const bench: BenchModule = {
  usage,
  async run(argv, io) {
    const { values } = parseFlags('bench matmul', {
      args: argv,
      options: {
        m: { type: 'string' },
        n: { type: 'string' },
        k: { type: 'string' },
        layout: { type: 'string' },
        shapes: { type: 'string' },
        threads: { type: 'string' },
        seconds: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const dim = (name: 'm' | 'n' | 'k') => numberFlag('bench matmul', name, values[name], { integer: true, min: 1, max: 1 << 20 }) ?? 1024;
    const threads = numberFlag('bench matmul', 'threads', values.threads, { integer: true, min: 1, max: 1024 }) ?? availableParallelism();
    const seconds = numberFlag('bench matmul', 'seconds', values.seconds, { min: 0.01, max: 60 }) ?? 1;
    const layout = (values.layout ?? 'nn') as Layout;
    if (!['nn', 'nt', 'tn'].includes(layout)) throw new UsageError('bench matmul', `--layout must be nn, nt or tn, got '${layout}'`);
    if (values.shapes !== undefined && values.shapes !== 'transformer') {
      throw new UsageError('bench matmul', `--shapes takes 'transformer', got '${values.shapes}'`);
    }
    const shapes: readonly Shape[] =
      values.shapes === 'transformer' ? TRANSFORMER : [{ name: 'custom', m: dim('m'), n: dim('n'), k: dim('k'), layout }];

    let be: Backend;
    let isa = 'js';
    let addon: RawAddon | null = null;
    try {
      const nb = loadNativeBackend({ threads });
      be = nb;
      isa = nb.isa;
      addon = loadAddon();
    } catch (e) {
      if (!LmkitError.isInstance(e)) throw e;
      io.stderr.write(`lmkit: using the js backend (${e.message})\n`);
      be = createJsBackend();
    }
    if (!values.json) {
      writeLine(io.stdout, `backend ${be.name} (${isa}), ${be.name === 'native' ? threads : 1} thread(s); reference OpenBLAS cblas_sgemm`);
      writeLine(io.stdout, `${'shape'.padEnd(42)} ${'layout'.padEnd(6)} ${'lmkit'.padStart(9)} ${'OpenBLAS'.padStart(9)} ${'ratio'.padStart(6)}  (GFLOP/s)`);
    }
    let missingBlas = false;
    for (const s of shapes) {
      const r = await measure(be, addon, s, threads, seconds);
      if (r.blas === null) missingBlas = true;
      const ratio = r.blas ? r.lmkit / r.blas : null;
      if (values.json) {
        writeLine(
          io.stdout,
          JSON.stringify({
            bench: 'matmul',
            shape: s.name,
            m: s.m,
            n: s.n,
            k: s.k,
            layout: s.layout,
            backend: be.name,
            isa,
            threads: be.name === 'native' ? threads : 1,
            gflops: round(r.lmkit),
            openblas_gflops: r.blas === null ? null : round(r.blas),
            ratio: ratio === null ? null : round(ratio, 3),
          }),
        );
      } else {
        const label = s.name === 'custom' ? `${s.m}x${s.k} @ ${s.k}x${s.n}` : s.name;
        writeLine(
          io.stdout,
          `${label.padEnd(42)} ${s.layout.padEnd(6)} ${r.lmkit.toFixed(1).padStart(9)} ${(r.blas === null ? '-' : r.blas.toFixed(1)).padStart(9)} ${(ratio === null ? '-' : ratio.toFixed(2)).padStart(6)}`,
        );
      }
    }
    if (missingBlas) io.stderr.write('lmkit: OpenBLAS (libopenblas.so.0) was not found; install Debian libopenblas0 or libopenblas-dev for the reference\n');
    return 0;
  },
};

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export default bench;
