/**
 * `Tokenizer.load(pathOrDir)`: finds the tokenizer in a folder or reads one file,
 * choosing the reader by file name: tokenizer.json, tokenizer.model (and any
 * .model), .tiktoken, .gguf, vocab.json/encoder.json with merges.txt/vocab.bpe.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError, NotFoundError } from '../errors.js';
import { gpt2FromFiles } from './gpt2-files.js';
import { tokenizerFromGguf } from './gguf-tokenizer.js';
import { tokenizerFromHfJson } from './hf-json.js';
import { sentencePieceFromBytes } from './sentencepiece.js';
import { tiktokenFromText } from './tiktoken.js';
import { configFromJSON, type TokenizerConfig } from './tokenizer-config.js';
import type { Tokenizer } from './tokenizer.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads a text file, failing with the file name when it is not valid UTF-8. */
export function readText(path: string): string {
  const bytes = readFileSync(path);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new FileFormatError(path, 'is not valid UTF-8 text');
  }
}

export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(path, `is not valid JSON (${(e as Error).message}); the file may be truncated`);
  }
}

/** tokenizer_config.json (and generation_config.json's eos ids) from `dir`, when present. */
export function readConfig(dir: string): TokenizerConfig {
  const p = join(dir, 'tokenizer_config.json');
  const config = existsSync(p) ? configFromJSON(readJson(p), p) : {};
  const g = join(dir, 'generation_config.json');
  if (existsSync(g)) {
    const gen = readJson(g) as Record<string, unknown>;
    const e = gen?.eos_token_id;
    const ids = Array.isArray(e) ? e : e === undefined || e === null ? [] : [e];
    config.extraEosIds = ids.filter((x): x is number => Number.isInteger(x));
  }
  return config;
}

export async function loadTokenizer(pathOrDir: string): Promise<Tokenizer> {
  if (!existsSync(pathOrDir)) throw new NotFoundError(pathOrDir, 'no such file or folder');
  if (statSync(pathOrDir).isDirectory()) return loadFromDir(pathOrDir);
  return loadFile(pathOrDir);
}

function loadFromDir(dir: string): Promise<Tokenizer> {
  const candidates = ['tokenizer.json', 'tokenizer.model', 'vocab.json', 'encoder.json'];
  for (const c of candidates) if (existsSync(join(dir, c))) return loadFile(join(dir, c));
  const names = readdirSync(dir).sort();
  const other = names.find((n) => n.endsWith('.tiktoken')) ?? names.find((n) => n.endsWith('.gguf')) ?? names.find((n) => n.endsWith('.model'));
  if (other) return loadFile(join(dir, other));
  throw new NotFoundError(dir, 'no tokenizer here: expected tokenizer.json, tokenizer.model, vocab.json + merges.txt, a .tiktoken or a .gguf file');
}

async function loadFile(path: string): Promise<Tokenizer> {
  const name = basename(path);
  const dir = dirname(path);
  if (name.endsWith('.tiktoken')) return tiktokenFromText(readText(path), path);
  if (name.endsWith('.gguf')) return loadGguf(path);
  if (name.endsWith('.model')) return sentencePieceFromBytes(readFileSync(path), path, readConfig(dir));
  if (name === 'vocab.json' || name === 'encoder.json') return gpt2FromFiles(path, dir);
  if (name.endsWith('.json')) return tokenizerFromHfJson(readJson(path), readConfig(dir), path);
  // Without a known extension, sniff: GGUF magic, protobuf (SentencePiece), else JSON or tiktoken text.
  const head = readFileSync(path).subarray(0, 4);
  if (head.toString('latin1') === 'GGUF') return loadGguf(path);
  if (head[0] === 0x0a) return sentencePieceFromBytes(readFileSync(path), path, readConfig(dir));
  const text = readText(path);
  if (text.trimStart().startsWith('{')) return tokenizerFromHfJson(readJson(path), readConfig(dir), path);
  return tiktokenFromText(text, path);
}

async function loadGguf(path: string): Promise<Tokenizer> {
  const { readGguf } = await import('../io/gguf.js');
  return tokenizerFromGguf(readGguf(path).metadata, path);
}
