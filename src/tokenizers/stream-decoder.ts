/**
 * Streaming decode: feed ids one at a time, get text only in whole characters.
 *
 * A token can end inside a UTF-8 character (byte-level and byte-fallback
 * vocabularies split emoji and CJK across tokens), and some decoders change a
 * token's text depending on its neighbours (a leading ▁ is dropped only at the
 * start). So each step decodes a window that starts with already-emitted
 * tokens, and emits the new text only when it does not end in U+FFFD, the mark
 * of an incomplete character (the scheme of Hugging Face's text-generation-inference).
 */
export interface StreamDecoder {
  /** Adds one id; returns the text that is now complete (possibly ''). */
  push(id: number): string;
  /** Returns whatever is left, incomplete characters as U+FFFD; the decoder starts over. */
  flush(): string;
}

export function createStreamDecoder(decode: (ids: number[]) => string): StreamDecoder {
  let ids: number[] = [];
  let prefix = 0;
  let read = 0;
  return {
    push(id: number): string {
      ids.push(id);
      const before = decode(ids.slice(prefix, read));
      const now = decode(ids.slice(prefix));
      if (now.length > before.length && !now.endsWith('\ufffd')) {
        const out = now.slice(before.length);
        // Keep one emitted token as context for the next window; drop what is older.
        prefix = read;
        read = ids.length;
        if (prefix > 0) {
          ids = ids.slice(prefix);
          read -= prefix;
          prefix = 0;
        }
        return out;
      }
      return '';
    },
    flush(): string {
      const before = decode(ids.slice(prefix, read));
      const now = decode(ids.slice(prefix));
      ids = [];
      prefix = read = 0;
      return now.length > before.length ? now.slice(before.length) : '';
    },
  };
}
