/**
 * Loading the N-API addon (build/Release/lmkit_native.node, built from native/
 * by `npm install`) and the shape of what it exports.
 *
 * Calling convention: the ArrayBuffers behind the views' typed arrays travel as
 * arguments; everything else (thread count, instruction set, scalars, and each
 * view's rank, element kind, typed-array position, offset, shape and strides) goes through one Float64Array registered once with setArgs and
 * filled before every call (see ./args.ts and native/call.h). This keeps a
 * kernel call to a few hundred nanoseconds of overhead.
 */
import { createRequire } from 'node:module';
import type { TypedArray } from '../../tensor/dtype.js';
import { UnsupportedError } from '../../errors.js';

/** Kernels take the ArrayBuffer behind each typed array, or the typed array when that is shared (see args.ts). */
type TA = ArrayBufferLike | TypedArray;

/** What the addon exports. Kernel functions read their other arguments from the args buffer. */
export interface RawAddon {
  setArgs(args: Float64Array): void;
  ensureThreads(n: number): number;
  setSpin(microseconds: number): void;
  isaSupported(isa: string): boolean;

  matmul(a: TA, b: TA, out: TA): void;
  /** x8: the weights in the repacked decode layout (repackQuant), or null. */
  linear(x: TA, w: TA, bias: TA | null, out: TA, x8: ArrayBuffer | null): void;
  /** The q8_0 / q4_0 matrix described in the args buffer, repacked for decode (8-row groups), on huge pages. */
  repackQuant(w: TA): ArrayBuffer;
  unary(x: TA, out: TA): void;
  unaryGrad(x: TA, g: TA, out: TA): void;
  binary(a: TA, b: TA, out: TA): void;
  where(cond: TA, a: TA, b: TA, out: TA): void;
  copy(src: TA, dst: TA): void;
  fill(dst: TA): void;
  reduce(x: TA, out: TA): void;
  argReduce(x: TA, out: TA): void;
  cumsum(x: TA, out: TA): void;
  topk(x: TA, values: TA, indices: TA): void;
  sumSquares(x: TA): number;
  softmax(...arrays: TA[]): void;
  norm(...arrays: (TA | null)[]): void;
  normBackward(...arrays: (TA | null)[]): void;
  rope(x: TA, cos: TA, sin: TA, out: TA): void;
  /** -1, or the first row whose target is out of range. */
  crossEntropy(logits: TA, targets: TA, losses: TA, lse: TA): number;
  crossEntropyBackward(logits: TA, targets: TA, lse: TA, gloss: TA, glogits: TA): void;
  dropout(x: TA, out: TA): void;
  adamw(p: TA, g: TA, m: TA, v: TA): void;
  sgd(p: TA, g: TA, buf: TA | null): void;
  attention(q: TA, k: TA, v: TA, out: TA, lse: TA | null, mask: TA | null): void;
  attentionBackward(q: TA, k: TA, v: TA, out: TA, lse: TA, gout: TA, gq: TA, gk: TA, gv: TA, mask: TA | null): void;
  /** undefined, or the offending id. */
  gather(table: TA, ids: TA, out: TA): number | undefined;
  scatterAdd(src: TA, ids: TA, out: TA): number | undefined;
  gatherAxis(x: TA, idx: TA, other: TA): number | undefined;

  /** Bench only: OpenBLAS's cblas_sgemm through dlopen; false when OpenBLAS is not installed. */
  openblasSgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, threads: number, transA: boolean, transB: boolean): boolean;
  /** Bench only: sums the buffer as f32 over `threads` threads (the read-bandwidth reference). */
  readSum(buffer: ArrayBuffer, threads: number): number;
  /** A fused-decode plan (native/ops-decode.cc) for the dimensions in the args buffer. */
  decodePlan(): object;
  /** Binds one layer's weights (views in the args buffer, their buffers in `bufs`; x8s: repacked matrices or null). */
  decodePlanLayer(plan: object, bufs: unknown[], x8s: (ArrayBuffer | null)[]): void;
  /** Runs every layer of the plan over the rows of x, in place, appending to the caches. */
  decodeStep(plan: object, x: TA, cos: TA, sin: TA, caches: TA[]): void;
  /** A zeroed, 2 MiB-aligned external ArrayBuffer; with `huge` its pages are madvise(MADV_HUGEPAGE)d. */
  allocHuge(bytes: number, huge: boolean): ArrayBuffer;
}

let cached: RawAddon | undefined;
let failure: string | undefined;

/** The addon, loaded once per process (per worker thread). Throws UnsupportedError when it is not built. */
export function loadAddon(): RawAddon {
  if (cached) return cached;
  if (failure === undefined) {
    try {
      const require = createRequire(import.meta.url);
      cached = require('../../../build/Release/lmkit_native.node') as RawAddon;
      return cached;
    } catch (e) {
      failure = (e as Error).message.split('\n')[0] ?? String(e);
    }
  }
  throw new UnsupportedError(
    'native',
    `the native addon is not available (${failure}); run 'npm install' (or 'npm run build:native') with a C++ compiler and make`,
  );
}
