/**
 * `lmkit inspect FILE`: a GGUF or safetensors file's (or model folder's)
 * metadata and tensor table. Reads headers only, so it is instant on
 * multi-gigabyte files.
 */
import { readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, CliIo } from '../command.js';
import { parseFlags, writeLine } from '../command.js';
import { UsageError } from '../../errors.js';
import { settingsFromEnv } from '../env.js';
import { readGguf } from '../../io/gguf.js';
import { formatGgufType, type GgufType, type GgufValue } from '../../io/gguf-types.js';
import { readSafetensors } from '../../io/safetensors.js';
import { safetensorsFolderStore } from '../../io/tensor-store.js';
import { isHubRef, resolveHub } from '../../io/hub.js';
import { withFile } from '../../io/read-into.js';

const usage = `lmkit inspect FILE [flags]

Prints the metadata and tensor table of a GGUF file, a safetensors file, a
model folder (model.safetensors or sharded with model.safetensors.index.json),
or an hf:ORG/NAME[@REVISION][:FILE] reference (downloaded into LMKIT_CACHE).

Flags:
  --json      one JSON object: {format, path, fileSize, version?, alignment?,
              dataOffset?, metadata: {KEY: {type, value, length?}},
              tensors: [{name, dtype, fileDtype, shape, offset, bytes, file?}]}
  --full      print whole metadata arrays (default: the first 8 elements)
  --offline   resolve hf: references from the cache only`;

interface TensorRow {
  name: string;
  dtype: string;
  fileDtype: string;
  shape: readonly number[];
  offset: number;
  bytes: number;
  file?: string;
}

interface MetaEntry {
  type: string;
  value: unknown;
  length?: number;
}

interface Report {
  format: 'gguf' | 'safetensors';
  path: string;
  fileSize: number;
  version?: number;
  alignment?: number;
  dataOffset?: number;
  metadata: Record<string, MetaEntry>;
  tensors: TensorRow[];
}

const PREVIEW = 8;

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, jsonValue);
  if (Array.isArray(v)) return v.map(jsonValue);
  return v;
}

function metaEntry(type: GgufType | 'string', value: GgufValue | string, full: boolean): MetaEntry {
  const isArr = typeof value === 'object';
  if (!isArr) return { type: typeof type === 'string' ? type : formatGgufType(type), value: jsonValue(value) };
  const arr = value as ArrayLike<unknown>;
  const shown = full ? arr : Array.prototype.slice.call(arr, 0, PREVIEW);
  return { type: formatGgufType(type), value: jsonValue(ArrayBuffer.isView(shown) ? shown : Array.from(shown)), length: arr.length };
}

function ggufReport(path: string, full: boolean): Report {
  const g = readGguf(path, { allowUnsupported: true });
  const metadata: Record<string, MetaEntry> = {};
  for (const [k, v] of Object.entries(g.metadata)) metadata[k] = metaEntry(g.metadataTypes[k]!, v, full);
  const tensors: TensorRow[] = [
    ...g.tensors.map((t) => ({ name: t.name, dtype: t.dtype, fileDtype: t.ggmlType, shape: t.shape, offset: t.offset, bytes: t.byteLength })),
    ...g.unsupported.map((t) => ({ name: t.name, dtype: 'unsupported', fileDtype: t.ggmlType, shape: t.shape, offset: t.offset, bytes: t.byteLength })),
  ].sort((a, b) => a.offset - b.offset);
  return { format: 'gguf', path, fileSize: g.fileSize, version: g.version, alignment: g.alignment, dataOffset: g.dataOffset, metadata, tensors };
}

function safetensorsReport(path: string): Report {
  const f = readSafetensors(path, { allowUnsupported: true });
  const metadata: Record<string, MetaEntry> = {};
  for (const [k, v] of Object.entries(f.metadata)) metadata[k] = { type: 'string', value: v };
  const tensors: TensorRow[] = [
    ...f.tensors.map((t) => ({ name: t.name, dtype: t.dtype, fileDtype: t.fileDtype, shape: t.shape, offset: t.offset, bytes: t.byteLength })),
    ...f.unsupported.map((t) => ({ name: t.name, dtype: 'unsupported', fileDtype: t.fileDtype, shape: t.shape, offset: t.offset, bytes: t.byteLength })),
  ].sort((a, b) => a.offset - b.offset);
  return { format: 'safetensors', path, fileSize: f.fileSize, dataOffset: f.dataOffset, metadata, tensors };
}

function folderReport(dir: string): Report {
  const store = safetensorsFolderStore(dir);
  const files = [...new Set(store.tensors.map((t) => t.file))];
  const fileSize = files.reduce((s, f) => s + statSync(f).size, 0);
  const metadata: Record<string, MetaEntry> = {};
  for (const [k, v] of Object.entries(store.metadata ?? {})) metadata[k] = { type: 'string', value: v };
  const tensors = store.tensors.map((t) => ({ name: t.name, dtype: t.dtype, fileDtype: t.fileDtype, shape: t.shape, offset: t.offset, bytes: t.byteLength, file: t.file }));
  return { format: 'safetensors', path: dir, fileSize, metadata, tensors };
}

function isGguf(path: string): boolean {
  return withFile(path, (fd, size) => {
    if (size < 4) return path.endsWith('.gguf');
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b.toString('latin1') === 'GGUF' || path.endsWith('.gguf');
  });
}

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

function printText(r: Report, io: CliIo): void {
  const head = [`${r.format === 'gguf' ? `GGUF v${r.version}` : 'safetensors'}`, human(r.fileSize)];
  if (r.alignment !== undefined) head.push(`alignment ${r.alignment}`);
  if (r.dataOffset !== undefined) head.push(`data at byte ${r.dataOffset}`);
  writeLine(io.stdout, `${r.path}: ${head.join(', ')}`);
  const keys = Object.keys(r.metadata);
  writeLine(io.stdout, `\nmetadata (${keys.length}):`);
  const kw = Math.min(48, Math.max(0, ...keys.map((k) => k.length)));
  const tw = Math.max(0, ...keys.map((k) => r.metadata[k]!.type.length));
  for (const k of keys) {
    const m = r.metadata[k]!;
    let shown = JSON.stringify(m.value);
    if (m.length !== undefined) {
      const more = m.length > (m.value as unknown[]).length ? `, ... (${m.length})` : '';
      shown = `[${(m.value as unknown[]).map((x) => JSON.stringify(x)).join(', ')}${more}]`;
    }
    if (shown.length > 200) shown = shown.slice(0, 197) + '...';
    writeLine(io.stdout, `  ${k.padEnd(kw)}  ${m.type.padEnd(tw)}  ${shown}`);
  }
  const total = r.tensors.reduce((s, t) => s + t.bytes, 0);
  const params = r.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  writeLine(io.stdout, `\ntensors (${r.tensors.length}, ${params.toLocaleString('en-US')} values, ${human(total)}):`);
  const rows = r.tensors.map((t) => [t.name, t.dtype === t.fileDtype.toLowerCase() ? t.dtype : `${t.dtype} (${t.fileDtype})`, `[${t.shape.join(', ')}]`, String(t.bytes)]);
  const header = ['name', 'dtype', 'shape', 'bytes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  writeLine(io.stdout, line(header));
  for (const row of rows) writeLine(io.stdout, line(row));
}

function reportFor(path: string, full: boolean): Report {
  if (!statSync(path).isDirectory()) return isGguf(path) ? ggufReport(path, full) : safetensorsReport(path);
  const names = readdirSync(path);
  const ggufs = names.filter((n) => n.endsWith('.gguf'));
  // A folder holding only one GGUF (e.g. a downloaded hf: snapshot) shows that file.
  if (ggufs.length === 1 && !names.some((n) => n.endsWith('.safetensors'))) return ggufReport(join(path, ggufs[0]!), full);
  return folderReport(path);
}

const command: Command = {
  summary: 'show a GGUF or safetensors file: metadata and tensor table',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('inspect', {
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, full: { type: 'boolean' }, offline: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('inspect', `expected one FILE, got ${positionals.length}; see lmkit inspect --help`);
    let path = positionals[0]!;
    if (isHubRef(path)) {
      const s = settingsFromEnv(io.env);
      const snap = await resolveHub(path, { cacheDir: s.cacheDir, endpoint: s.hfEndpoint, token: s.hfToken, offline: values.offline ?? false });
      path = snap.path ?? snap.dir;
    }
    const report = reportFor(path, values.full ?? false);
    if (values.json) writeLine(io.stdout, JSON.stringify(report));
    else printText(report, io);
    return 0;
  },
};
export default command;
