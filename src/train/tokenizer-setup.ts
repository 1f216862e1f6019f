/**
 * The tokenizer of a run, from the config's `tokenizer` section:
 *   { type: 'bytes' }            the built-in byte tokenizer (257 ids)
 *   { path }                     an existing tokenizer (folder or file)
 *   { train: { vocabSize } }     a byte-level BPE trained on the run's training inputs
 * The tokenizer is saved in the run folder; a resumed run loads it from
 * there, so a trained vocabulary is never retrained.
 */
import { existsSync } from 'node:fs';
import { ByteTokenizer } from '../data/byte-tokenizer.js';
import { resolveInputs } from '../data/inputs.js';
import { readDocuments } from '../data/sources.js';
import type { TextTokenizer } from '../data/text-tokenizer.js';
import { NotFoundError } from '../errors.js';
import { Tokenizer } from '../tokenizers/tokenizer.js';
import { trainBpe } from '../tokenizers/train-bpe.js';
import type { TokenizerConfig } from './config.js';

export type SavableTokenizer = TextTokenizer & { save(dir: string): void | Promise<void> };

export interface TokenizerSetup {
  /** Where the run keeps its tokenizer. */
  readonly runTokenizerDir: string;
  readonly resume: boolean;
  /** Files or folders to train a BPE on, read with the data section's options. */
  readonly trainInputs: readonly string[];
  readonly field: string;
  readonly format?: 'text' | 'jsonl' | 'csv' | 'tsv';
  readonly warn: (m: string) => void;
  readonly onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

/** Loads a tokenizer folder or file; the word 'bytes' means the built-in byte tokenizer. */
export async function loadTokenizerFile(path: string): Promise<SavableTokenizer> {
  if (path === 'bytes') return new ByteTokenizer();
  if (!existsSync(path)) throw new NotFoundError('tokenizer', `no such file or folder: ${path}`);
  return Tokenizer.load(path);
}

async function* documentTexts(inputs: readonly string[], setup: TokenizerSetup): AsyncGenerator<string> {
  const files = resolveInputs(inputs).train;
  for (const f of files) {
    for await (const piece of readDocuments(f, { field: setup.field, ...(setup.format ? { format: setup.format } : {}) })) yield piece.text;
  }
}

export async function resolveTokenizer(cfg: TokenizerConfig, setup: TokenizerSetup): Promise<SavableTokenizer> {
  if ('type' in cfg) {
    const tok = new ByteTokenizer();
    if (!setup.resume) tok.save(setup.runTokenizerDir);
    return tok;
  }
  if (setup.resume) return Tokenizer.load(setup.runTokenizerDir);
  let tok: Tokenizer;
  if ('path' in cfg) tok = (await loadTokenizerFile(cfg.path)) as Tokenizer;
  else {
    tok = await trainBpe({
      texts: documentTexts(setup.trainInputs, setup),
      vocabSize: cfg.train.vocabSize,
      minFrequency: cfg.train.minFrequency,
      specialTokens: cfg.train.specialTokens,
      ...(setup.onProgress ? { onProgress: setup.onProgress } : {}),
    });
  }
  await tok.save(setup.runTokenizerDir);
  return tok;
}
