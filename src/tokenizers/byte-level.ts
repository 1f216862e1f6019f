/**
 * Byte-level helpers: GPT-2's reversible byte-to-character mapping (the form in
 * which byte-level vocabularies are written in vocab.json and tokenizer.json),
 * and a small UTF-8 encoder that writes into a reusable buffer.
 */

/**
 * GPT-2's `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the
 * other 68 bytes to U+0100.. in order, so every byte string is a printable string.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out = new Array<string>(256);
  const kept = new Set(keep);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(kept.has(b) ? b : 256 + extra++);
  return out;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Bytes to the byte-level string form (`Ġhello` for " hello"). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}

/** The byte-level string form back to bytes; undefined if a character is not a byte character. */
export function byteLevelToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]!);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/** Bytes as a one-char-per-byte string: a cheap exact Map key for a byte string. */
export function bytesKey(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * UTF-8 encodes `s[a, b)` into `buf` (grown when needed) and returns the buffer
 * and the byte count. Lone surrogates become U+FFFD, as TextEncoder does.
 */
export function utf8Into(s: string, a: number, b: number, buf: Uint8Array): { buf: Uint8Array; len: number } {
  if (buf.length < (b - a) * 3) buf = new Uint8Array((b - a) * 3 + 16);
  let n = 0;
  for (let i = a; i < b; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      const d = i + 1 < b ? s.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        buf[n++] = 0xf0 | (cp >> 18);
        buf[n++] = 0x80 | ((cp >> 12) & 63);
        buf[n++] = 0x80 | ((cp >> 6) & 63);
        buf[n++] = 0x80 | (cp & 63);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    buf[n++] = 0xe0 | (c >> 12);
    buf[n++] = 0x80 | ((c >> 6) & 63);
    buf[n++] = 0x80 | (c & 63);
  }
  return { buf, len: n };
}
