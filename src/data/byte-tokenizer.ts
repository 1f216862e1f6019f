/**
 * The simplest tokenizer that round-trips any text: one id per UTF-8 byte
 * (0-255) plus an end-of-text id (256). Useful for tests and for training
 * without a learned vocabulary.
 */
import { createHash } from 'node:crypto';
import type { TextTokenizer } from './text-tokenizer.js';

const EOS_TEXT = '<|endoftext|>';

export class ByteTokenizer implements TextTokenizer {
  readonly vocabSize = 257;
  readonly eosId = 256;

  encode(text: string, opts: { parseSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    const pieces = opts.parseSpecial === false ? [text] : text.split(EOS_TEXT);
    pieces.forEach((piece, i) => {
      if (i > 0) out.push(this.eosId);
      for (const b of Buffer.from(piece, 'utf8')) out.push(b);
    });
    return out;
  }

  decode(ids: readonly number[]): string {
    const parts: string[] = [];
    let bytes: number[] = [];
    const flush = () => {
      parts.push(Buffer.from(bytes).toString('utf8'));
      bytes = [];
    };
    for (const id of ids) {
      if (id === this.eosId) {
        flush();
        parts.push(EOS_TEXT);
      } else bytes.push(id & 0xff);
    }
    flush();
    return parts.join('');
  }

  hash(): string {
    return createHash('sha256').update('lmkit-byte-tokenizer-v1').digest('hex');
  }
}
