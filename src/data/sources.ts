/**
 * Streaming readers that turn input files into documents: plain text, JSONL
 * (one chosen string field per line) and CSV/TSV (one chosen column). Files
 * are read as streams, so inputs larger than memory are fine; a very long
 * plain-text document comes out in pieces cut at line boundaries.
 *
 * CSV goes through csv-parse (quoted fields with embedded newlines, escaped
 * quotes, BOMs, CRLF): the cases a small hand parser gets subtly wrong.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { FileFormatError, InvalidArgumentError } from '../errors.js';

export type SourceFormat = 'text' | 'jsonl' | 'csv' | 'tsv';

/** How plain text is cut into documents. */
export type DocSplit = 'separator' | 'blank-line' | 'line' | 'file';

export interface SourceOptions {
  /** Default: from the extension (.jsonl/.ndjson, .csv, .tsv; anything else is text). */
  readonly format?: SourceFormat;
  /** JSONL field / CSV column holding the text. Default 'text'. */
  readonly field?: string;
  /** Plain text: default 'separator'. */
  readonly docSplit?: DocSplit;
  /** Plain text with docSplit 'separator': the text that ends a document. Default '<|endoftext|>'. */
  readonly separator?: string;
}

/** Part of a document; `end` marks its last piece. */
export interface DocPiece {
  readonly text: string;
  readonly end: boolean;
}

/** Long plain-text documents are handed on in pieces of about this many characters. */
const PIECE_CHARS = 1 << 16;

export function detectFormat(path: string): SourceFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv') return 'tsv';
  return 'text';
}

/** The documents of one file, in order. Empty documents are skipped. */
export function readDocuments(path: string, opts: SourceOptions = {}): AsyncGenerator<DocPiece> {
  const format = opts.format ?? detectFormat(path);
  const field = opts.field ?? 'text';
  if (format === 'jsonl') return readJsonl(path, field);
  if (format === 'csv' || format === 'tsv') return readCsv(path, field, format === 'tsv' ? '\t' : ',');
  const split = opts.docSplit ?? 'separator';
  const sep = opts.separator ?? '<|endoftext|>';
  if (split === 'separator' && (sep === '' || sep.includes('\n'))) throw new InvalidArgumentError('data', 'separator', 'must be non-empty text without newlines');
  return readText(path, split, sep);
}

function lines(path: string) {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

async function* readText(path: string, split: DocSplit, sep: string): AsyncGenerator<DocPiece> {
  if (split === 'separator' || split === 'file') {
    yield* readTextChunked(path, split === 'separator' ? sep : null);
    return;
  }
  // The current document's text not yet handed on, and whether pieces of it already were.
  let doc = '';
  let started = false;
  const finish = function* (): Generator<DocPiece> {
    if (started || doc.trim() !== '') yield { text: doc, end: true };
    doc = '';
    started = false;
  };
  for await (const line of lines(path)) {
    if (split === 'line') {
      if (line.trim() !== '') yield { text: line, end: true };
      continue;
    }
    if (line.trim() === '') {
      yield* finish();
      continue;
    }
    // Lines rejoin with the newline readline took off.
    doc += doc === '' && !started ? line : '\n' + line;
    if (doc.length >= PIECE_CHARS) {
      yield { text: doc, end: false };
      doc = '';
      started = true;
    }
  }
  yield* finish();
}

/**
 * Separator (or whole-file) documents read in large chunks rather than lines:
 * most of the input's cost is then the tokenizer's. CRLF becomes LF; the
 * newline right after a separator and a document's trailing newline are dropped.
 */
async function* readTextChunked(path: string, sep: string | null): AsyncGenerator<DocPiece> {
  let doc = '';
  let started = false;
  let held = '';
  const emit = (text: string, end: boolean): DocPiece | null => {
    let t = text;
    if (!started && t.startsWith('\n')) t = t.slice(1);
    if (end && t.endsWith('\n')) t = t.slice(0, -1);
    if (end && !started && t.trim() === '') return null;
    return { text: t, end };
  };
  // Hands on every document the text so far completes (those ending in a separator).
  const completeDocs = function* (): Generator<DocPiece> {
    if (!sep) return;
    for (let at = doc.indexOf(sep); at >= 0; at = doc.indexOf(sep)) {
      const d = emit(doc.slice(0, at), true);
      if (d) yield d;
      started = false;
      doc = doc.slice(at + sep.length);
    }
  };
  for await (const raw of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    let chunk = held + raw;
    // A CR at the end may pair with an LF in the next chunk; a separator may straddle chunks.
    const keep = Math.max(chunk.endsWith('\r') ? 1 : 0, sep ? sep.length - 1 : 0);
    held = chunk.slice(chunk.length - keep);
    chunk = chunk.slice(0, chunk.length - keep).replace(/\r\n/g, '\n');
    doc += chunk;
    yield* completeDocs();
    // Hand on long documents in pieces, cut after a newline, keeping a possible partial separator.
    if (doc.length >= PIECE_CHARS) {
      const cut = doc.lastIndexOf('\n', doc.length - (sep ? sep.length : 0));
      if (cut > 0) {
        const d = emit(doc.slice(0, cut + 1), false);
        if (d) yield d;
        started = true;
        doc = doc.slice(cut + 1);
      }
    }
  }
  doc += held.replace(/\r\n/g, '\n');
  yield* completeDocs();
  const d = emit(doc, true);
  if (d) yield d;
}

async function* readJsonl(path: string, field: string): AsyncGenerator<DocPiece> {
  let n = 0;
  for await (const line of lines(path)) {
    n++;
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new FileFormatError(path, `line ${n} is not valid JSON (${(e as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new FileFormatError(path, `line ${n} is not a JSON object`);
    const v = (obj as Record<string, unknown>)[field];
    if (v === undefined) {
      const keys = Object.keys(obj).slice(0, 8).join(', ');
      throw new FileFormatError(path, `line ${n} has no field '${field}' (fields: ${keys}); choose one with --field`);
    }
    if (typeof v !== 'string') throw new FileFormatError(path, `line ${n}: field '${field}' is ${v === null ? 'null' : typeof v}, expected a string`);
    if (v !== '') yield { text: v, end: true };
  }
}

async function* readCsv(path: string, field: string, delimiter: string): AsyncGenerator<DocPiece> {
  const parser = createReadStream(path).pipe(parseCsv({ columns: true, bom: true, delimiter, relax_quotes: false, skip_empty_lines: true }));
  let checked = false;
  try {
    for await (const rec of parser as AsyncIterable<Record<string, string>>) {
      if (!checked) {
        if (!(field in rec)) {
          const cols = Object.keys(rec).slice(0, 8).join(', ');
          throw new FileFormatError(path, `no column '${field}' in the header (columns: ${cols}); choose one with --field`);
        }
        checked = true;
      }
      const v = rec[field]!;
      if (v !== '') yield { text: v, end: true };
    }
  } catch (e) {
    if (FileFormatError.isInstance(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') throw e;
    throw new FileFormatError(path, `invalid CSV: ${(e as Error).message}`);
  } finally {
    parser.destroy();
  }
}
