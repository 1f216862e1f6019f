/**
 * The argument buffer shared with the addon: one Float64Array per process,
 * registered once, into which each call writes its thread count, instruction
 * set, scalar options and view descriptors (rank, offset, shape, strides) in
 * the order the C++ side reads them (native/call.h). Doubles hold every
 * integer a shape or offset can reach exactly.
 */
import type { View } from '../backend.js';
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

  /** A view's descriptor; null writes rank -1 (an absent optional view). */
  view(v: View | null): this {
    const b = this.buf;
    if (!v) {
      b[this.p++] = -1;
      return this;
    }
    const nd = v.shape.length;
    let p = this.p;
    b[p++] = nd;
    b[p++] = v.offset;
    for (let i = 0; i < nd; i++) b[p++] = v.shape[i]!;
    for (let i = 0; i < nd; i++) b[p++] = v.strides[i]!;
    this.p = p;
    return this;
  }
}

let shared: ArgBuffer | undefined;

/** The process-wide buffer (registering it with the addon on first use). */
export function argBuffer(addon: RawAddon): ArgBuffer {
  return (shared ??= new ArgBuffer(addon));
}
