/**
 * What every native kernel wrapper shares: the addon, the argument buffer, and
 * the backend's thread count and instruction set. `begin()` starts a call.
 */
import type { View } from '../backend.js';
import type { RawAddon } from './addon.js';
import { MAX_DIMS, type ArgBuffer } from './args.js';

export type Isa = 'avx512' | 'avx2' | 'scalar';
export const ISA_ID: Record<Isa, number> = { scalar: 0, avx2: 1, avx512: 2 };

export interface NativeCtx {
  readonly addon: RawAddon;
  readonly args: ArgBuffer;
  readonly threads: number;
  readonly isa: Isa;
  /** Decode-sized products with quantized weights quantize the activations to q8_0 (integer dot products). */
  readonly q8Activations: boolean;
  /** Decode-sized products use a repacked copy of quantized weights (made on first use). */
  readonly repackQuantized: boolean;
  /** Starts a call (threads and ISA written) and returns the buffer to add scalars and views to. */
  begin(): ArgBuffer;
}

export function makeCtx(addon: RawAddon, args: ArgBuffer, threads: number, isa: Isa, q8Activations: boolean, repackQuantized: boolean): NativeCtx {
  const id = ISA_ID[isa];
  return { addon, args, threads, isa, q8Activations, repackQuantized, begin: () => args.start(threads, id) };
}

function f32(v: View | null | undefined): boolean {
  return !v || (v.dtype === 'f32' && v.shape.length <= MAX_DIMS);
}

/** True when every given view is f32 (null and undefined are ignored) and within the native rank limit. */
export function allF32(a: View | null | undefined, b?: View | null, c?: View | null, d?: View | null, ...rest: (View | null)[]): boolean {
  return f32(a) && f32(b) && f32(c) && f32(d) && (rest.length === 0 || rest.every(f32));
}
