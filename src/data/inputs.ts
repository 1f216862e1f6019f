/**
 * Which files a data path means. A file is itself; a folder is every text,
 * JSONL or CSV file in it (recursively, sorted), except when it is laid out as
 * splits (`train.*` beside `valid.*`, `validation.*` or `val.*`, as the corpus
 * generator writes them): then those files become the two splits. When a split
 * exists in several formats the first of .txt, .jsonl, .csv, .tsv is taken.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '../errors.js';

const EXTENSIONS = ['.txt', '.jsonl', '.csv', '.tsv', '.ndjson', '.text', '.md'];
const SPLIT_EXT_ORDER = ['.txt', '.jsonl', '.csv', '.tsv'];
const VALID_NAMES = ['valid', 'validation', 'val'];

export interface ResolvedInputs {
  readonly train: string[];
  /** Files that form the validation split; empty when it is carved from train by fraction. */
  readonly validation: string[];
}

function splitFile(dir: string, name: string): string | undefined {
  for (const ext of SPLIT_EXT_ORDER) {
    const p = join(dir, name + ext);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

function listFiles(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) listFiles(p, out);
    else if (EXTENSIONS.some((e) => name.toLowerCase().endsWith(e))) out.push(p);
  }
  return out;
}

function checkExists(p: string, what: string): void {
  if (!existsSync(p)) throw new NotFoundError(what, `no such file or folder: ${p}`);
}

/** Resolves train paths (and optional explicit validation paths) to absolute file lists. */
export function resolveInputs(train: readonly string[], validation: readonly string[] = []): ResolvedInputs {
  if (train.length === 0) throw new NotFoundError('data', 'no input paths given');
  const trainFiles: string[] = [];
  const validFiles: string[] = [];
  for (const raw of train) {
    const p = resolve(raw);
    checkExists(p, 'data');
    if (!statSync(p).isDirectory()) {
      trainFiles.push(p);
      continue;
    }
    const t = splitFile(p, 'train');
    const v = VALID_NAMES.map((n) => splitFile(p, n)).find((x) => x !== undefined);
    if (t && v && validation.length === 0) {
      trainFiles.push(t);
      validFiles.push(v);
      continue;
    }
    const files = listFiles(p, []);
    if (files.length === 0) throw new NotFoundError('data', `folder ${p} holds no .txt, .jsonl, .csv or .tsv files`);
    trainFiles.push(...files);
  }
  for (const raw of validation) {
    const p = resolve(raw);
    checkExists(p, 'data');
    if (statSync(p).isDirectory()) {
      const files = listFiles(p, []);
      if (files.length === 0) throw new NotFoundError('data', `folder ${p} holds no .txt, .jsonl, .csv or .tsv files`);
      validFiles.push(...files);
    } else validFiles.push(p);
  }
  return { train: trainFiles, validation: validFiles };
}
