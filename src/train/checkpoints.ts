/**
 * The checkpoints folder of a run: `step-00000100.ckpt` files plus
 * `index.json` recording each one's validation loss. Saving keeps the last K
 * checkpoints and the best one (lowest validation loss) and deletes the rest.
 * Resuming takes the newest checkpoint that verifies; a corrupt or truncated
 * newer one is reported and left in place, never silently used.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, LmkitError, NotFoundError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { readCheckpoint, writeCheckpoint, type CheckpointContents } from './checkpoint-file.js';

export interface CheckpointEntry {
  readonly file: string;
  readonly step: number;
  /** Validation loss of the evaluation at or before this step, if any. */
  readonly valLoss: number | null;
}

export interface LoadedCheckpoint<M> {
  readonly entry: CheckpointEntry;
  readonly path: string;
  readonly contents: CheckpointContents<M>;
  /** Newer checkpoints that failed verification, with the reason. */
  readonly skipped: readonly { file: string; reason: string }[];
}

const FILE_RE = /^step-(\d{8,})\.ckpt$/;

export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.ckpt`;
}

export class CheckpointDir {
  constructor(
    readonly dir: string,
    readonly keepLast = 3,
    readonly keepBest = true,
  ) {}

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  /** Checkpoints on disk, oldest first, with losses from the index. */
  list(): CheckpointEntry[] {
    if (!existsSync(this.dir)) return [];
    const losses = this.readIndex();
    return readdirSync(this.dir)
      .map((f) => FILE_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: m[0], step: Number(m[1]), valLoss: losses.get(m[0]) ?? null }))
      .sort((a, b) => a.step - b.step);
  }

  private readIndex(): Map<string, number | null> {
    if (!existsSync(this.indexPath)) return new Map();
    try {
      const j = JSON.parse(readFileSync(this.indexPath, 'utf8')) as { checkpoints?: { file: string; valLoss: number | null }[] };
      return new Map((j.checkpoints ?? []).map((c) => [c.file, c.valLoss]));
    } catch {
      // A damaged index only loses the best-checkpoint bookkeeping; the files themselves verify.
      return new Map();
    }
  }

  /** The kept checkpoint with the lowest validation loss. */
  best(entries = this.list()): CheckpointEntry | null {
    let best: CheckpointEntry | null = null;
    for (const e of entries) if (e.valLoss !== null && (best === null || e.valLoss < best.valLoss!)) best = e;
    return best;
  }

  /** Writes a checkpoint, updates the index and prunes old ones. Returns the entry. */
  save(contents: CheckpointContents, valLoss: number | null): CheckpointEntry {
    const file = checkpointFileName(contents.step);
    writeCheckpoint(join(this.dir, file), contents);
    const entries = this.list().map((e) => (e.file === file ? { ...e, valLoss } : e));
    const keep = new Set(entries.slice(-this.keepLast).map((e) => e.file));
    const best = this.keepBest ? this.best(entries) : null;
    if (best) keep.add(best.file);
    keep.add(file);
    const kept = entries.filter((e) => keep.has(e.file));
    writeFileAtomicSync(this.indexPath, JSON.stringify({ checkpoints: kept, best: best?.file ?? null }, null, 2) + '\n');
    for (const e of entries) if (!keep.has(e.file)) rmSync(join(this.dir, e.file), { force: true });
    return kept.find((e) => e.file === file)!;
  }

  /** Removes checkpoints after `step` (a resumed run rewrites them) and stray temp files. */
  discardAfter(step: number): void {
    if (!existsSync(this.dir)) return;
    for (const f of readdirSync(this.dir)) if (f.startsWith('.') && f.includes('.tmp-')) rmSync(join(this.dir, f), { force: true });
    for (const e of this.list()) if (e.step > step) rmSync(join(this.dir, e.file), { force: true });
  }

  /**
   * The newest checkpoint that verifies. Newer ones that do not are listed in
   * `skipped` (and kept on disk for inspection). Throws NotFoundError when
   * there is none at all, FileFormatError when every one is damaged.
   */
  loadLatest<M>(): LoadedCheckpoint<M> {
    const entries = this.list();
    if (entries.length === 0) throw new NotFoundError('resume', `no checkpoint in ${this.dir}`);
    const skipped: { file: string; reason: string }[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      const path = join(this.dir, entry.file);
      try {
        return { entry, path, contents: readCheckpoint<M>(path), skipped };
      } catch (e) {
        if (!LmkitError.isInstance(e)) throw e;
        skipped.push({ file: entry.file, reason: e.message });
      }
    }
    throw new FileFormatError(this.dir, `no usable checkpoint: ${skipped.map((s) => s.reason).join('; ')}`);
  }
}
