/**
 * Readers for a written corpus: records of one split (optionally one task)
 * and the manifest, each checked field by field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '../../errors.js';
import { SENTIMENTS, SPLITS, TASKS, type CorpusRecord, type Lang, type SplitName, type TaskName } from './record.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type CorpusManifest } from './write.js';

const LANGS: readonly Lang[] = ['en', 'es', 'en-es', 'es-en'];

function fail(file: string, line: number, detail: string): never {
  throw new FileFormatError(file, detail, `line ${line}`);
}

function str(o: Record<string, unknown>, key: string, file: string, line: number): string {
  const v = o[key];
  if (typeof v !== 'string') fail(file, line, `'${key}' must be a string, got ${v === undefined ? 'nothing' : typeof v}`);
  return v;
}

function strList(o: Record<string, unknown>, key: string, file: string, line: number): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(file, line, `'${key}' must be a list of strings`);
  return v as string[];
}

/** Parses one record line, checking every field. */
export function parseRecord(lineText: string, file: string, line: number): CorpusRecord {
  let o: unknown;
  try {
    o = JSON.parse(lineText);
  } catch (e) {
    fail(file, line, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail(file, line, 'expected a JSON object');
  const r = o as Record<string, unknown>;
  const task = str(r, 'task', file, line);
  if (!(TASKS as readonly string[]).includes(task)) fail(file, line, `unknown task '${task}'; one of ${TASKS.join(', ')}`);
  const split = str(r, 'split', file, line);
  if (!(SPLITS as readonly string[]).includes(split)) fail(file, line, `unknown split '${split}'`);
  const lang = str(r, 'lang', file, line);
  if (!(LANGS as readonly string[]).includes(lang)) fail(file, line, `unknown lang '${lang}'`);
  const label = r.label;
  if (label !== undefined && !(SENTIMENTS as readonly unknown[]).includes(label)) fail(file, line, `label must be one of ${SENTIMENTS.join(', ')}`);
  const variant = r.variant;
  if (typeof variant !== 'number' || !Number.isInteger(variant) || variant < 0) fail(file, line, `'variant' must be a non-negative integer`);
  const context = r.context;
  if (context !== undefined && typeof context !== 'string') fail(file, line, `'context' must be a string`);
  const facts = strList(r, 'facts', file, line);
  if (task === 'support' && (!facts || facts.length === 0)) fail(file, line, 'a support record needs a non-empty facts list');
  if (task === 'sentiment' && label === undefined) fail(file, line, 'a sentiment record needs a label');
  return {
    task: task as TaskName,
    split: split as SplitName,
    kind: str(r, 'kind', file, line),
    lang: lang as Lang,
    template: str(r, 'template', file, line),
    variant,
    input: str(r, 'input', file, line),
    ...(context !== undefined ? { context } : {}),
    output: str(r, 'output', file, line),
    ...(label !== undefined ? { label: label as CorpusRecord['label'] } : {}),
    ...(facts !== undefined ? { facts } : {}),
    holdout: strList(r, 'holdout', file, line) ?? [],
    text: str(r, 'text', file, line),
  };
}

/** Reads `{dir}/{split}.jsonl`, optionally keeping one task's records. */
export function loadSplit(dir: string, split: SplitName, task?: TaskName): CorpusRecord[] {
  if (!(SPLITS as readonly string[]).includes(split)) throw new InvalidArgumentError('corpus.loadSplit', 'split', `expected one of ${SPLITS.join(', ')}, got '${split}'`);
  if (task !== undefined && !(TASKS as readonly string[]).includes(task)) throw new InvalidArgumentError('corpus.loadSplit', 'task', `expected one of ${TASKS.join(', ')}, got '${task}'`);
  const file = join(dir, `${split}.jsonl`);
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: CorpusRecord[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const r = parseRecord(text, file, i + 1);
    if (r.split !== split) fail(file, i + 1, `record of split '${r.split}' in the ${split} file`);
    if (task === undefined || r.task === task) out.push(r);
  });
  return out;
}

/** Reads and checks `{dir}/manifest.json`. */
export function readManifest(dir: string): CorpusManifest {
  const file = join(dir, 'manifest.json');
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    throw new FileFormatError(file, `not valid JSON (${(e as Error).message})`);
  }
  const o = m as Partial<CorpusManifest> | null;
  if (!o || o.format !== MANIFEST_FORMAT) throw new FileFormatError(file, `not an lmkit corpus manifest (format must be '${MANIFEST_FORMAT}')`, 'format');
  if (o.version !== MANIFEST_VERSION) throw new FileFormatError(file, `unsupported version ${String(o.version)}; this lmkit reads version ${MANIFEST_VERSION}`, 'version');
  return o as CorpusManifest;
}
