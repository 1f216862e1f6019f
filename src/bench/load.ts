/**
 * `lmkit bench load`: loading a model file's tensors, lmkit's positional reads
 * into per-tensor arrays against the reference of reading the whole file with
 * `fs.readFileSync`, each in a fresh child process so that peak resident memory
 * (maxRSS) can be compared with the file size.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchModule } from './index.js';
import { parseFlags, numberFlag, writeLine } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { writeGguf } from '../io/gguf-writer.js';
import { writeSafetensors } from '../io/safetensors-writer.js';

const usage = `lmkit bench load [flags]

Writes a model file of --size-mb megabytes (f16 tensors of 8 MiB), then loads
every tensor in a fresh process with lmkit (openTensorStore + read) and with the
reference (fs.readFileSync of the whole file), --reps times each (best time
kept). Prints throughput, the ratio, and peak RSS above an idle node process as
a multiple of the file size.

Flags:
  --size-mb N         file size (default 256)
  --format F          gguf | safetensors (default safetensors)
  --reps N            repetitions per side (default 3)
  --json              one JSON line per result`;

interface ChildResult {
  ms: number;
  maxRssKb: number;
  bytes: number;
}

function child(code: string): ChildResult {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

const bench: BenchModule = {
  usage,
  async run(argv, io) {
    const { values } = parseFlags('bench load', {
      args: argv,
      options: { 'size-mb': { type: 'string' }, format: { type: 'string' }, reps: { type: 'string' }, json: { type: 'boolean' } },
    });
    const sizeMb = numberFlag('bench load', 'size-mb', values['size-mb'], { integer: true, min: 8 }) ?? 256;
    const reps = numberFlag('bench load', 'reps', values.reps, { integer: true, min: 1 }) ?? 3;
    const format = values.format ?? 'safetensors';
    if (format !== 'gguf' && format !== 'safetensors') throw new UsageError('bench load', `--format must be gguf or safetensors, got '${format}'`);

    const dir = mkdtempSync(join(tmpdir(), 'lmkit-bench-load-'));
    try {
      const file = join(dir, `model.${format}`);
      const perTensor = 4 << 20; // f16 values per tensor: 8 MiB
      const n = Math.max(1, Math.round((sizeMb * (1 << 20)) / (perTensor * 2)));
      const tensors = Array.from({ length: n }, (_, i) => ({
        name: `blk.${i}.weight`,
        dtype: 'f16' as const,
        shape: [2048, 2048],
        data: () => new Uint16Array(perTensor).fill(0x3c00 + (i % 7)),
      }));
      if (format === 'gguf') await writeGguf(file, { metadata: { 'general.architecture': 'bench' }, tensors });
      else await writeSafetensors(file, tensors);

      const store = pathToFileURL(join(new URL('..', import.meta.url).pathname, 'io', 'tensor-store.js')).href;
      const finish = `const ms = performance.now() - t0; console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, bytes }));`;
      const lmkit = `import { openTensorStore } from ${JSON.stringify(store)};
        const t0 = performance.now(); const s = openTensorStore(${JSON.stringify(file)});
        const kept = s.tensors.map((t) => s.read(t)); let bytes = 0; for (const a of kept) bytes += a.byteLength; ${finish}`;
      const reference = `import { readFileSync } from 'node:fs';
        const t0 = performance.now(); const b = readFileSync(${JSON.stringify(file)}); const bytes = b.byteLength; ${finish}`;
      const idle = child(`const t0 = performance.now(); const bytes = 0; ${finish}`);

      const best = (code: string) => {
        let r: ChildResult | undefined;
        for (let i = 0; i < reps; i++) {
          const x = child(code);
          if (!r || x.ms < r.ms) r = { ...x, maxRssKb: Math.max(x.maxRssKb, r?.maxRssKb ?? 0) };
        }
        return r!;
      };
      // Warm the page cache once so neither side pays for the first disk read.
      child(reference);
      const ref = best(reference);
      const ours = best(lmkit);
      const size = ref.bytes;
      const row = (name: string, r: ChildResult) => ({
        name,
        format,
        fileMiB: +(size / 2 ** 20).toFixed(1),
        ms: +r.ms.toFixed(1),
        mbPerS: +(size / 1e6 / (r.ms / 1000)).toFixed(0),
        rssAboveIdleOverFile: +(((r.maxRssKb - idle.maxRssKb) * 1024) / size).toFixed(3),
      });
      const rows = [row('lmkit', ours), row('readFileSync', ref)];
      const ratio = +(ref.ms / ours.ms).toFixed(2);
      if (values.json) {
        for (const r of rows) writeLine(io.stdout, JSON.stringify(r));
        writeLine(io.stdout, JSON.stringify({ name: 'ratio', speedup: ratio }));
      } else {
        writeLine(io.stdout, `load ${format}, ${rows[0]!.fileMiB} MiB, best of ${reps}, idle node maxRSS ${(idle.maxRssKb / 1024).toFixed(0)} MiB`);
        writeLine(io.stdout, `  ${'side'.padEnd(14)} ${'ms'.padStart(8)} ${'MB/s'.padStart(7)}  peak RSS above idle / file size`);
        for (const r of rows) writeLine(io.stdout, `  ${r.name.padEnd(14)} ${String(r.ms).padStart(8)} ${String(r.mbPerS).padStart(7)}  ${r.rssAboveIdleOverFile}`);
        writeLine(io.stdout, `  lmkit / reference speed: ${ratio}x`);
      }
      return 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
