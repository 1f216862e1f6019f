/**
 * `lmkit bench matvec`: the decode step's matrix-vector product (linear with
 * one input row) on the native backend, for f32, f16, q8_0 and q4_0 weights,
 * on default 4 KiB pages and on 2 MiB huge pages. Decode reads every weight
 * once per token, so the reference is the machine's read bandwidth: a plain
 * f32 sum over the same weight buffer, same threads, same pages, measured in
 * the same run. Prints GB/s of weights streamed by each and the ratio.
 */
import { availableParallelism } from 'node:os';
import type { BenchModule } from './index.js';
import type { View } from '../backends/backend.js';
import { loadNativeBackend, type NativeBackend } from '../backends/native/index.js';
import { loadAddon } from '../backends/native/addon.js';
import { parseFlags, numberFlag, writeLine } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { f32ToF16, type DType } from '../tensor/dtype.js';
import { quantizeQ4_0, quantizeQ8_0 } from '../io/quant.js';

const usage = `lmkit bench matvec [flags]

y (1, N) = x (1, K) W^T with W (N, K) in f32, f16, q8_0 and q4_0 (GGUF blocks),
the decode step of a language model, against a plain read of the same buffer.

Flags:
  --rows N          output size N (default 8192)
  --cols K          input size K, a multiple of 32 (default 4096)
  --mb M            working set: enough copies of W (like a model's layers) to
                    read at least M megabytes per pass, so caches do not help
                    (default 256)
  --dtype D         f32 | f16 | q8_0 | q4_0 | all (default all)
  --threads N       threads (default: all cores)
  --seconds S       measuring time per case (default 0.5)
  --json            one JSON line per case: {"gbps", "backend", "threads", "dtype",
                    "pages", "read_gbps", "ratio", "n", "k"}`;

const DTYPES = ['f32', 'f16', 'q8_0', 'q4_0'] as const;
type WDType = (typeof DTYPES)[number];

function weights(dtype: WDType, n: number, k: number): Uint8Array {
  const f = new Float32Array(n * k);
  let s = 12345;
  for (let i = 0; i < f.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[i] = s / 4294967296 - 0.5;
  }
  if (dtype === 'f32') return new Uint8Array(f.buffer);
  if (dtype === 'f16') return new Uint8Array(Uint16Array.from(f, f32ToF16).buffer);
  return dtype === 'q8_0' ? quantizeQ8_0(f) : quantizeQ4_0(f);
}

function bestSeconds(fn: () => void, seconds: number): number {
  fn();
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  for (let i = 0; i < 3 || performance.now() < end; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
}

const bench: BenchModule = {
  usage,
  async run(argv, io) {
    const { values } = parseFlags('bench matvec', {
      args: argv,
      options: {
        rows: { type: 'string' },
        mb: { type: 'string' },
        cols: { type: 'string' },
        dtype: { type: 'string' },
        threads: { type: 'string' },
        seconds: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const n = numberFlag('bench matvec', 'rows', values.rows, { integer: true, min: 1 }) ?? 8192;
    const k = numberFlag('bench matvec', 'cols', values.cols, { integer: true, min: 32 }) ?? 4096;
    if (k % 32) throw new UsageError('bench matvec', `--cols must be a multiple of 32, got ${k}`);
    const threads = numberFlag('bench matvec', 'threads', values.threads, { integer: true, min: 1, max: 1024 }) ?? availableParallelism();
    const mb = numberFlag('bench matvec', 'mb', values.mb, { min: 1, max: 16384 }) ?? 256;
    const seconds = numberFlag('bench matvec', 'seconds', values.seconds, { min: 0.01, max: 60 }) ?? 0.5;
    const which = values.dtype ?? 'all';
    if (which !== 'all' && !DTYPES.includes(which as WDType)) throw new UsageError('bench matvec', `--dtype must be f32, f16, q8_0, q4_0 or all, got '${which}'`);
    const dtypes = which === 'all' ? DTYPES : [which as WDType];

    const be: NativeBackend = loadNativeBackend({ threads });
    const addon = loadAddon();
    if (!values.json) {
      writeLine(io.stdout, `native (${be.isa}), ${threads} thread(s), W ${n} x ${k}; reference: read-only f32 sum over the same buffer`);
      writeLine(io.stdout, `${'dtype'.padEnd(6)} ${'pages'.padEnd(6)} ${'MB'.padStart(7)} ${'matvec'.padStart(8)} ${'read'.padStart(8)} ${'ratio'.padStart(6)}  (GB/s)`);
    }
    for (const dtype of dtypes) {
      const bytes = weights(dtype, n, k);
      const copies = Math.max(1, Math.ceil((mb * 1e6) / bytes.byteLength));
      for (const huge of [false, true]) {
        const bufs = Array.from({ length: copies }, () => {
          const buf = be.allocWeights(bytes.byteLength, { hugePages: huge });
          new Uint8Array(buf).set(bytes);
          return buf;
        });
        const ws: View[] = bufs.map((buf) => {
          const data = dtype === 'f32' ? new Float32Array(buf) : dtype === 'f16' ? new Uint16Array(buf) : new Uint8Array(buf);
          return { data, dtype: dtype as DType, shape: [n, k], strides: [k, 1], offset: 0 };
        });
        const x: View = { data: new Float32Array(k).fill(0.5), dtype: 'f32', shape: [1, k], strides: [k, 1], offset: 0 };
        const y: View = { data: new Float32Array(n), dtype: 'f32', shape: [1, n], strides: [n, 1], offset: 0 };
        // One "pass" reads every copy once, as a decode step reads every layer.
        const tMat = bestSeconds(() => ws.forEach((w) => be.linear(x, w, null, y)), seconds) / copies;
        const tRead = bestSeconds(() => bufs.forEach((b) => addon.readSum(b, threads)), seconds) / copies;
        const gbps = bytes.byteLength / tMat / 1e9;
        const read = bytes.byteLength / tRead / 1e9;
        const pages = huge ? '2M' : '4K';
        if (values.json) {
          writeLine(
            io.stdout,
            JSON.stringify({ bench: 'matvec', backend: 'native', isa: be.isa, threads, dtype, pages, n, k, copies, mb: +(bytes.byteLength / 1e6).toFixed(1), gbps: +gbps.toFixed(2), read_gbps: +read.toFixed(2), ratio: +(gbps / read).toFixed(3) }),
          );
        } else {
          writeLine(io.stdout, `${dtype.padEnd(6)} ${pages.padEnd(6)} ${(bytes.byteLength / 1e6).toFixed(1).padStart(7)} ${gbps.toFixed(1).padStart(8)} ${read.toFixed(1).padStart(8)} ${(gbps / read).toFixed(2).padStart(6)}`);
        }
      }
    }
    return 0;
  },
};

export default bench;
