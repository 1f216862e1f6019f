/**
 * GPT-2's original two-file form: vocab.json (token -> id, byte-level
 * characters) and merges.txt (one "LEFT RIGHT" per line after a version line);
 * also under OpenAI's names encoder.json and vocab.bpe.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, NotFoundError } from '../errors.js';
import { BpeModel } from './bpe-model.js';
import { decoderFromJSON } from './decoders.js';
import { JsonReader } from './json-util.js';
import { readConfig, readJson, readText } from './load.js';
import { preTokenizerFromJSON } from './pre-tokenizers.js';
import { Tokenizer } from './tokenizer.js';

export function parseMerges(text: string, source: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new FileFormatError(source, `expected "LEFT RIGHT", got ${JSON.stringify(line)}`, `line ${i + 1}`);
    out.push([parts[0], parts[1]]);
  }
  return out;
}

export function gpt2FromFiles(vocabPath: string, dir: string): Tokenizer {
  const mergesPath = [join(dir, 'merges.txt'), join(dir, 'vocab.bpe')].find(existsSync);
  if (!mergesPath) throw new NotFoundError(vocabPath, 'found the vocabulary but no merges.txt (or vocab.bpe) beside it');
  const r = new JsonReader(vocabPath);
  const o = r.obj(readJson(vocabPath), '(root)');
  const vocab = new Map<string, number>();
  for (const [k, v] of Object.entries(o)) vocab.set(k, r.int(v, JSON.stringify(k)));
  const model = new BpeModel(vocab, parseMerges(readText(mergesPath), mergesPath), { byteLevel: true }, mergesPath);
  const eot = vocab.get('<|endoftext|>');
  const config = readConfig(dir);
  if (eot !== undefined) {
    config.bosToken ??= '<|endoftext|>';
    config.eosToken ??= '<|endoftext|>';
  }
  return new Tokenizer({
    model,
    preTokenizer: preTokenizerFromJSON({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, r),
    decoder: decoderFromJSON({ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, r),
    addedTokens: eot !== undefined ? [{ id: eot, content: '<|endoftext|>', special: true, normalized: false }] : [],
    config,
  });
}
