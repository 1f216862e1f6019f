/**
 * The simplest tokenizer that round-trips any text: one id per UTF-8 byte
 * (0-255) plus an end-of-text id (256). Useful for tests and for training
 * without a learned vocabulary.
 *
 * `save(dir)` writes it as a Hugging Face tokenizer.json: a byte-level BPE
 * with no merges whose vocabulary maps GPT-2's byte-to-character table back
 * to the byte values, so any HF-compatible loader gives the same ids.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import type { TextTokenizer } from './text-tokenizer.js';

/** GPT-2's printable stand-in character for each byte (bytes_to_unicode). */
function byteChars(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable(b) ? b : 256 + n++);
  return out;
}

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

  /** tokenizer.json and tokenizer_config.json, each written atomically. */
  save(dir: string): void {
    const vocab: Record<string, number> = {};
    byteChars().forEach((c, b) => (vocab[c] = b));
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    const tok = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [{ id: this.eosId, content: EOS_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: null,
      decoder: byteLevel,
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
    };
    const cfg = { tokenizer_class: 'PreTrainedTokenizerFast', eos_token: EOS_TEXT, bos_token: EOS_TEXT, model_max_length: 1000000 };
    writeFileAtomicSync(join(dir, 'tokenizer.json'), JSON.stringify(tok, null, 2) + '\n');
    writeFileAtomicSync(join(dir, 'tokenizer_config.json'), JSON.stringify(cfg, null, 2) + '\n');
  }

  hash(): string {
    return createHash('sha256').update('lmkit-byte-tokenizer-v1').digest('hex');
  }
}
