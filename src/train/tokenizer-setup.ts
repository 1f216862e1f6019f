/**
 * The tokenizer of a run, from the config's `tokenizer` section:
 *   { type: 'bytes' }            the built-in byte tokenizer (257 ids)
 *   { path }                     an existing tokenizer (folder or file)
 *   { train: { vocabSize } }     a byte-level BPE trained on the run's training inputs
 * The tokenizer is saved in the run folder; a resumed run loads it from
 * there, so a trained vocabulary is never retrained.
 */
import { ByteTokenizer } from '../data/byte-tokenizer.js';
import type { TextTokenizer } from '../data/text-tokenizer.js';
import { UnsupportedError } from '../errors.js';
import type { TokenizerConfig } from './config.js';

export type SavableTokenizer = TextTokenizer & { save(dir: string): void | Promise<void> };

export interface TokenizerSetup {
  /** Where the run keeps its tokenizer. */
  readonly runTokenizerDir: string;
  readonly resume: boolean;
  /** Files or folders to train a BPE on. */
  readonly trainInputs: readonly string[];
  readonly field: string;
  readonly warn: (m: string) => void;
}

export async function resolveTokenizer(cfg: TokenizerConfig, setup: TokenizerSetup): Promise<SavableTokenizer> {
  if ('type' in cfg) {
    const tok = new ByteTokenizer();
    if (!setup.resume) tok.save(setup.runTokenizerDir);
    return tok;
  }
  throw new UnsupportedError('tokenizer', 'tokenizer files and BPE training need the tokenizers module');
}
