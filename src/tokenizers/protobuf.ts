/**
 * A minimal protobuf wire-format reader: enough to walk SentencePiece's
 * ModelProto. Fields come back as (number, wire type, value); truncation or a
 * bad wire type is an error naming the file and the byte offset.
 */
import { FileFormatError } from '../errors.js';

export type Field =
  | { num: number; wire: 0; value: bigint }
  | { num: number; wire: 1; value: DataView }
  | { num: number; wire: 2; value: Uint8Array }
  | { num: number; wire: 5; value: DataView };

export class ProtoReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly source: string,
    private readonly base = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private fail(detail: string): never {
    throw new FileFormatError(this.source, `${detail} at byte ${this.base + this.pos}; the file is truncated or not a protobuf`);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('varint runs past the end');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) this.fail('varint longer than 10 bytes');
    }
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`field of ${n} bytes runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The next field; also returns the offset of its payload (for nested readers' error messages). */
  next(): Field & { offset: number } {
    const key = Number(this.varint());
    const num = key >>> 3;
    const wire = key & 7;
    if (num === 0) this.fail('field number 0');
    const offset = this.base + this.pos;
    switch (wire) {
      case 0:
        return { num, wire, value: this.varint(), offset };
      case 1: {
        const b = this.take(8);
        return { num, wire, value: new DataView(b.buffer, b.byteOffset, 8), offset };
      }
      case 2: {
        const len = Number(this.varint());
        return { num, wire, value: this.take(len), offset };
      }
      case 5: {
        const b = this.take(4);
        return { num, wire, value: new DataView(b.buffer, b.byteOffset, 4), offset };
      }
      default:
        return this.fail(`unsupported wire type ${wire} for field ${num}`);
    }
  }
}

/** An int32 field: protobuf writes negatives as 10-byte varints of the 64-bit two's complement. */
export function int32Of(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
