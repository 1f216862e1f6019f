/**
 * The native backend: lmkit's C++ kernels (native/, an N-API addon built by
 * `npm install`) behind the Backend interface, working in place on the same
 * typed-array memory as the js backend. f32 runs natively, with AVX-512, AVX2
 * or portable scalar kernels chosen at run time and one shared thread pool;
 * f64 and any dtype combination the addon does not cover go to the js kernels.
 *
 * The addon is optional: when it is missing or fails to load, loadNativeBackend
 * throws UnsupportedError and the runtime selector falls back to js.
 */
import { availableParallelism } from 'node:os';
import type { Backend } from '../backend.js';
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import { loadAddon, type RawAddon } from './addon.js';
import { agrees } from './self-check.js';
import { argBuffer } from './args.js';
import { makeCtx, type Isa } from './ctx.js';
import { elementwiseKernels } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { linalgKernels } from './linalg.js';
import { indexingKernels } from './indexing.js';
import { nnKernels } from './nn.js';
import { decodeKernels, type NativeDecoder } from './decode.js';

export type { Isa } from './ctx.js';
export type { NativeDecoder, DecodePlan, DecodeDims, DecodeLayer, DecodeLinear, DecodeSegment } from './decode.js';
export { MAX_DECODE_SEGMENTS } from './decode.js';

export interface NativeOptions {
  /** Threads kernels may use, the calling thread included (default: the number of cores). */
  readonly threads?: number;
  /**
   * Instruction set. 'auto' (default): the widest this CPU supports whose kernels
   * agree with the portable scalar ones on a quick start-up check. Tests force each one.
   */
  readonly isa?: Isa | 'auto';
  /**
   * What products with q8_0 / q4_0 weights do with the activations. 'q8_0'
   * (the default, llama.cpp's method) rounds each row of x to q8_0 blocks first:
   * decode-sized products (up to 4 rows) then run integer dot products on the
   * packed weights, about 1.5x faster than f32, and larger ones multiply the
   * rounded values in f32, so both compute the same products. 'f32' keeps x as it
   * is, matching dequantize-then-matmul to rounding.
   */
  readonly quantActivations?: 'q8_0' | 'f32';
  /**
   * With q8_0 activations, decode-sized products read a copy of each q8_0 /
   * q4_0 weight matrix repacked in groups of 8 rows (made on first use, kept
   * while the weights live): 2-3x faster decode for one extra copy of the
   * quantized weights in memory. Default true.
   */
  readonly repackQuantized?: boolean;
}

/** The native backend, plus what only it offers. */
export interface NativeBackend extends Backend {
  readonly name: 'native';
  readonly isa: Isa;
  /**
   * A zeroed buffer for model weights, 2 MiB aligned and (with `hugePages`,
   * the default) backed by transparent huge pages, freed when collected.
   * Decode reads every weight once per token; huge pages cut TLB misses.
   */
  allocWeights(bytes: number, opts?: { hugePages?: boolean }): ArrayBuffer;
  /** The fused decode step of Llama-family decoders (one native call per step; ./decode.ts). */
  readonly decoder: NativeDecoder;
}

const ISAS: readonly Isa[] = ['avx512', 'avx2', 'scalar'];

/** The instruction sets this CPU can run, widest first (empty when the addon is missing). */
export function nativeIsas(): Isa[] {
  const addon = loadAddon();
  return ISAS.filter((i) => addon.isaSupported(i));
}

/** Instruction sets that passed (or failed) the start-up check, once per process. */
const checked = new Map<Isa, boolean>();

/** The widest instruction set this CPU runs whose kernels agree with the scalar ones (self-check.ts). */
function autoIsa(addon: RawAddon): Isa {
  for (const isa of ISAS) {
    if (isa === 'scalar') return isa;
    if (!addon.isaSupported(isa)) continue;
    let ok = checked.get(isa);
    if (ok === undefined) {
      ok = agrees(build(addon, 1, isa, {}), build(addon, 1, 'scalar', {}));
      checked.set(isa, ok);
    }
    if (ok) return isa;
  }
  return 'scalar';
}

export function loadNativeBackend(opts: NativeOptions = {}): NativeBackend {
  const addon = loadAddon();
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new InvalidArgumentError('native', 'threads', `must be an integer in [1, 1024], got ${threads}`);
  }
  const want = opts.isa ?? 'auto';
  if (want !== 'auto' && !ISAS.includes(want)) throw new InvalidArgumentError('native', 'isa', `must be auto, avx512, avx2 or scalar, got '${String(want)}'`);
  const isa = want === 'auto' ? autoIsa(addon) : want;
  if (!addon.isaSupported(isa)) throw new UnsupportedError('native', `this CPU cannot run the ${isa} kernels`);
  addon.ensureThreads(threads);
  return build(addon, threads, isa, opts);
}

function build(addon: RawAddon, threads: number, isa: Isa, opts: NativeOptions): NativeBackend {
  const c = makeCtx(addon, argBuffer(addon), threads, isa, (opts.quantActivations ?? 'q8_0') === 'q8_0', opts.repackQuantized ?? true);
  return {
    name: 'native',
    threads,
    isa,
    ...elementwiseKernels(c),
    ...reduceKernels(c),
    ...linalgKernels(c),
    ...indexingKernels(c),
    ...nnKernels(c),
    decoder: decodeKernels(c),
    allocWeights(bytes: number, o: { hugePages?: boolean } = {}): ArrayBuffer {
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidArgumentError('allocWeights', 'bytes', `must be a non-negative integer, got ${bytes}`);
      return addon.allocHuge(bytes, o.hugePages ?? true);
    },
  };
}
