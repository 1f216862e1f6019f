/**
 * SentencePiece's precompiled normalization map (`precompiled_charsmap`): a
 * darts-clone double-array trie over UTF-8 byte strings whose values point into
 * a blob of NUL-terminated replacement strings. Layout: u32 little-endian trie
 * size in bytes, the trie's u32 units, then the replacement blob.
 */
import { FileFormatError } from '../errors.js';

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;

  constructor(
    readonly blob: Uint8Array,
    source = 'precompiled_charsmap',
  ) {
    if (blob.length < 4) throw new FileFormatError(source, `charsmap of ${blob.length} bytes is too short for its header`, 'precompiled_charsmap');
    const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = dv.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) {
      throw new FileFormatError(source, `trie size ${trieSize} does not fit the ${blob.length}-byte charsmap`, 'precompiled_charsmap');
    }
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = dv.getUint32(4 + 4 * i, true);
    this.normalized = blob.subarray(4 + trieSize);
  }

  /**
   * The longest rule matching `bytes` at `pos`: [matched length, replacement
   * start, replacement end] in the blob, or undefined.
   */
  longestMatch(bytes: Uint8Array, pos: number, end: number): [number, number, number] | undefined {
    const u = this.units;
    if (u.length === 0) return undefined;
    let node = offset(u[0]!);
    let best: [number, number, number] | undefined;
    for (let i = pos; i < end; i++) {
      const c = bytes[i]!;
      if (c === 0) break;
      node ^= c;
      const unit = u[node];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) break;
      node ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const v = u[node]! & 0x7fffffff;
        let e = v;
        while (e < this.normalized.length && this.normalized[e] !== 0) e++;
        best = [i + 1 - pos, v, e];
      }
    }
    return best;
  }

  /**
   * The first (shortest) rule matching a prefix of bytes[pos, end): what
   * Hugging Face's `Precompiled` normalizer applies to a grapheme or a character.
   */
  firstMatch(bytes: Uint8Array, pos: number, end: number): [number, number, number] | undefined {
    const u = this.units;
    if (u.length === 0) return undefined;
    let node = offset(u[0]!);
    for (let i = pos; i < end; i++) {
      const c = bytes[i]!;
      if (c === 0) break;
      node ^= c;
      const unit = u[node];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) break;
      node ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const v = u[node]! & 0x7fffffff;
        let e = v;
        while (e < this.normalized.length && this.normalized[e] !== 0) e++;
        return [i + 1 - pos, v, e];
      }
    }
    return undefined;
  }

  replacement(start: number, end: number): Uint8Array {
    return this.normalized.subarray(start, end);
  }
}

function offset(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
