/**
 * A run's metrics log: `metrics.jsonl`, one JSON object per line, appended as
 * the run goes. A resumed run first cuts the log back to its checkpoint's step
 * so the file reads like one uninterrupted run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';

export type MetricRecord =
  | {
      readonly kind: 'train';
      readonly step: number;
      readonly loss: number;
      readonly lr: number;
      readonly gradNorm: number;
      readonly tokens: number;
      readonly tokensPerSecond: number;
      readonly elapsed: number;
    }
  | { readonly kind: 'eval'; readonly step: number; readonly valLoss: number; readonly perplexity: number; readonly elapsed: number }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly file: string }
  | { readonly kind: 'resume'; readonly step: number; readonly checkpoint: string }
  | { readonly kind: 'end'; readonly step: number; readonly status: string; readonly tokensPerSecond: number; readonly elapsed: number };

export class MetricsLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(r: MetricRecord): void {
    appendFileSync(this.path, JSON.stringify({ ...r, time: new Date().toISOString() }) + '\n');
  }

  /** Every record; a torn last line (a crash mid-write) is ignored. */
  read(): (MetricRecord & { time?: string })[] {
    if (!existsSync(this.path)) return [];
    const out: (MetricRecord & { time?: string })[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // only the last line can be torn; skip it
      }
    }
    return out;
  }

  /** Keeps the records of steps up to `step` (and drops any 'end' record). */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => r.step <= step && r.kind !== 'end');
    writeFileAtomicSync(this.path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
