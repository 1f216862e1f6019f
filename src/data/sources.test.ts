import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDocuments, type DocPiece, type SourceOptions } from './sources.js';
import { FileFormatError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lmkit-sources-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function docs(name: string, content: string, opts: SourceOptions = {}): Promise<string[]> {
  const p = join(dir, name);
  writeFileSync(p, content);
  const out: string[] = [];
  let cur = '';
  for await (const piece of readDocuments(p, opts) as AsyncGenerator<DocPiece>) {
    cur += piece.text;
    if (piece.end) {
      out.push(cur);
      cur = '';
    }
  }
  assert.equal(cur, '', 'the last piece must end its document');
  return out;
}

test('plain text splits on the separator and drops the newline after it', async () => {
  assert.deepEqual(await docs('a.txt', 'first doc\nline two<|endoftext|>\nsecond<|endoftext|>\n\n'), ['first doc\nline two', 'second']);
  assert.deepEqual(await docs('b.txt', 'x<|endoftext|>y<|endoftext|>z'), ['x', 'y', 'z']);
  assert.deepEqual(await docs('c.txt', 'no separator\nat all\n'), ['no separator\nat all']);
  assert.deepEqual(await docs('d.txt', 'a##b', { separator: '##' }), ['a', 'b']);
});

test('plain text by blank line, line and whole file; CRLF is handled', async () => {
  assert.deepEqual(await docs('e.txt', 'p1 l1\r\np1 l2\r\n\r\n\r\np2\r\n', { docSplit: 'blank-line' }), ['p1 l1\np1 l2', 'p2']);
  assert.deepEqual(await docs('f.txt', 'one\n\ntwo\nthree\n', { docSplit: 'line' }), ['one', 'two', 'three']);
  assert.deepEqual(await docs('g.txt', 'one\n\ntwo\n', { docSplit: 'file' }), ['one\n\ntwo']);
});

test('a long document comes out in pieces that rejoin exactly', async () => {
  const line = 'abcdefghij'.repeat(100);
  const text = Array.from({ length: 300 }, () => line).join('\n');
  const p = join(dir, 'long.txt');
  writeFileSync(p, text + '\n');
  const pieces: DocPiece[] = [];
  for await (const x of readDocuments(p)) pieces.push(x);
  assert.ok(pieces.length > 1);
  assert.deepEqual(pieces.map((x) => x.end), [...Array(pieces.length - 1).fill(false), true]);
  assert.equal(pieces.map((x) => x.text).join(''), text);
});

test('JSONL takes the chosen field; bad lines name the file and line', async () => {
  assert.deepEqual(await docs('a.jsonl', '{"text":"hi"}\n\n{"text":"there","x":1}\n{"text":""}\n'), ['hi', 'there']);
  assert.deepEqual(await docs('b.jsonl', '{"body":"b1"}\n', { field: 'body' }), ['b1']);
  await assert.rejects(docs('c.jsonl', '{"text":"ok"}\n{"text": \n'), (e: unknown) => e instanceof FileFormatError && /line 2 is not valid JSON/.test(e.message));
  await assert.rejects(docs('d.jsonl', '{"body":"x"}\n'), /line 1 has no field 'text' \(fields: body\)/);
  await assert.rejects(docs('e.jsonl', '{"text":3}\n'), /field 'text' is number, expected a string/);
});

test('CSV: quoted fields with commas, quotes and newlines; TSV; missing column', async () => {
  const csv = '\ufeffid,text\n1,"hello, ""world"""\n2,"two\nlines"\n3,\n';
  assert.deepEqual(await docs('a.csv', csv), ['hello, "world"', 'two\nlines']);
  assert.deepEqual(await docs('b.tsv', 'text\tn\nalpha\t1\nbeta\t2\n'), ['alpha', 'beta']);
  await assert.rejects(docs('c.csv', 'a,b\n1,2\n'), /no column 'text' in the header \(columns: a, b\)/);
  await assert.rejects(docs('d.csv', 'text,b\n"open,2\n'), (e: unknown) => e instanceof FileFormatError && /invalid CSV/.test(e.message));
});
