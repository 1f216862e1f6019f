/**
 * The argument buffer shared with the addon: one Float64Array per process,
 * registered once, into which each call writes its thread count, instruction
 * set, scalar options and view descriptors (rank, offset, shape, strides) in
 * the order the C++ side reads them (native/call.h). Doubles hold every
 * integer a shape or offset can reach exactly.
 */
import type { View } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { RawAddon } from './addon.js';

/** The most dims a view may have on the native side (kMaxDims in native/call.h). */
export const MAX_DIMS = 12;

export class ArgBuffer {
  readonly buf = new Float64Array(1024);
  private p = 0;

  constructor(addon: RawAddon) {
    addon.setArgs(this.buf);
  }

  /** Starts a call: every call begins with the thread count and the ISA id. */
  start(threads: number, isa: number): this {
    this.buf[0] = threads;
    this.buf[1] = isa;
    this.p = 2;
    return this;
  }

  num(v: number): this {
    this.buf[this.p++] = v;
    return this;
  }

  /**
   * A view's descriptor; null writes rank -1 (an absent optional view). The
   * addon receives the view's ArrayBuffer (bufferOf) and finds the typed array
   * in it from the kind, byte offset and length written here.
   */
  view(v: View | null): this {
    const b = this.buf;
    if (!v) {
      b[this.p++] = -1;
      return this;
    }
    const nd = v.shape.length;
    const d = v.data;
    let p = this.p;
    b[p++] = nd;
    b[p++] = v.dtype === 'f32' ? 0 : KIND[v.dtype];
    b[p++] = d.byteOffset;
    b[p++] = d.length;
    b[p++] = v.offset;
    for (let i = 0; i < nd; i++) b[p++] = v.shape[i]!;
    for (let i = 0; i < nd; i++) b[p++] = v.strides[i]!;
    this.p = p;
    return this;
  }
}

/** Element kinds of native/call.cc: f32, f64, 16-bit, i32, bytes. */
const KIND: Record<DType, number> = { f32: 0, f64: 1, f16: 2, bf16: 2, i32: 3, u8: 4, q8_0: 4, q4_0: 4, q4_k: 4, q6_k: 4 };

/**
 * What the addon takes for a view: the ArrayBuffer behind its typed array, or
 * the typed array itself when that buffer is a SharedArrayBuffer (which N-API
 * on Node 20 cannot open as an ArrayBuffer; the addon then reads the typed array).
 */
export function bufferOf(v: View): ArrayBufferLike | TypedArray {
  const b = v.data.buffer;
  return b instanceof ArrayBuffer ? b : v.data;
}

let shared: ArgBuffer | undefined;

/** The process-wide buffer (registering it with the addon on first use). */
export function argBuffer(addon: RawAddon): ArgBuffer {
  return (shared ??= new ArgBuffer(addon));
}
