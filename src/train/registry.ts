/**
 * The run registry: one SQLite database (better-sqlite3) listing every
 * training run with its folder, resolved config, status and final metrics.
 * The CLI keeps it in its data folder (`$LMKIT_HOME/runs.db`); library code
 * is handed the path.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { NotFoundError, UsageError } from '../errors.js';

export type RunStatus = 'running' | 'completed' | 'stopped_early' | 'interrupted' | 'failed';

export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly dir: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly config: unknown;
  readonly architecture: string | null;
  readonly params: number | null;
  readonly steps: number;
  readonly tokens: number;
  readonly trainLoss: number | null;
  readonly valLoss: number | null;
  readonly bestValLoss: number | null;
  readonly tokensPerSecond: number | null;
  readonly elapsedSeconds: number;
}

export interface RunUpdate {
  readonly status?: RunStatus;
  readonly steps?: number;
  readonly tokens?: number;
  readonly trainLoss?: number | null;
  readonly valLoss?: number | null;
  readonly bestValLoss?: number | null;
  readonly tokensPerSecond?: number | null;
  readonly elapsedSeconds?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  dir TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  config TEXT NOT NULL,
  architecture TEXT,
  params INTEGER,
  steps INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  train_loss REAL,
  val_loss REAL,
  best_val_loss REAL,
  tokens_per_second REAL,
  elapsed_s REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);
`;

interface Row {
  id: string;
  name: string;
  dir: string;
  status: RunStatus;
  created_at: string;
  updated_at: string;
  config: string;
  architecture: string | null;
  params: number | null;
  steps: number;
  tokens: number;
  train_loss: number | null;
  val_loss: number | null;
  best_val_loss: number | null;
  tokens_per_second: number | null;
  elapsed_s: number;
}

function fromRow(r: Row): RunRecord {
  return {
    id: r.id,
    name: r.name,
    dir: r.dir,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    config: JSON.parse(r.config),
    architecture: r.architecture,
    params: r.params,
    steps: r.steps,
    tokens: r.tokens,
    trainLoss: r.train_loss,
    valLoss: r.val_loss,
    bestValLoss: r.best_val_loss,
    tokensPerSecond: r.tokens_per_second,
    elapsedSeconds: r.elapsed_s,
  };
}

const UPDATE_COLUMNS: Record<keyof RunUpdate, string> = {
  status: 'status',
  steps: 'steps',
  tokens: 'tokens',
  trainLoss: 'train_loss',
  valLoss: 'val_loss',
  bestValLoss: 'best_val_loss',
  tokensPerSecond: 'tokens_per_second',
  elapsedSeconds: 'elapsed_s',
};

export class RunRegistry {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  /** Registers a run folder, or re-opens its row when the folder is already known (a resume). */
  upsert(run: { id: string; name: string; dir: string; config: unknown; architecture: string | null; params: number | null }): RunRecord {
    const now = new Date().toISOString();
    const dir = resolve(run.dir);
    const existing = this.db.prepare('SELECT * FROM runs WHERE dir = ?').get(dir) as Row | undefined;
    if (existing) {
      this.db
        .prepare('UPDATE runs SET status = ?, updated_at = ?, config = ?, name = ?, architecture = ?, params = ? WHERE id = ?')
        .run('running', now, JSON.stringify(run.config), run.name, run.architecture, run.params, existing.id);
      return this.get(existing.id);
    }
    this.db
      .prepare('INSERT INTO runs (id, name, dir, status, created_at, updated_at, config, architecture, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(run.id, run.name, dir, 'running', now, now, JSON.stringify(run.config), run.architecture, run.params);
    return this.get(run.id);
  }

  /** The folder registered under this id, or null. */
  dirOf(id: string): string | null {
    const r = this.db.prepare('SELECT dir FROM runs WHERE id = ?').get(id) as { dir: string } | undefined;
    return r?.dir ?? null;
  }

  update(id: string, u: RunUpdate): void {
    const sets: string[] = ['updated_at = @updated_at'];
    const params: Record<string, unknown> = { id, updated_at: new Date().toISOString() };
    for (const [k, col] of Object.entries(UPDATE_COLUMNS) as [keyof RunUpdate, string][]) {
      if (u[k] === undefined) continue;
      sets.push(`${col} = @${col}`);
      const v = u[k];
      params[col] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
    }
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  get(id: string): RunRecord {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new NotFoundError('runs', `no run with id '${id}'`);
    return fromRow(r);
  }

  /** All runs, newest first. */
  list(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id').all() as Row[]).map(fromRow);
  }

  /** A run by id, unique id prefix, name (the newest of that name) or folder path. */
  find(ref: string): RunRecord {
    const byId = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(ref) as Row | undefined;
    if (byId) return fromRow(byId);
    const byDir = this.db.prepare('SELECT * FROM runs WHERE dir = ?').get(resolve(ref)) as Row | undefined;
    if (byDir) return fromRow(byDir);
    const prefixed = this.db.prepare("SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\'").all(ref.replace(/[%_\\]/g, '\\$&') + '%') as Row[];
    if (prefixed.length === 1) return fromRow(prefixed[0]!);
    if (prefixed.length > 1) throw new UsageError('runs', `'${ref}' matches ${prefixed.length} runs (${prefixed.map((r) => r.id).join(', ')}); give more of the id`);
    const byName = this.db.prepare('SELECT * FROM runs WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(ref) as Row | undefined;
    if (byName) return fromRow(byName);
    throw new NotFoundError('runs', `no run '${ref}' (by id, name or folder); 'lmkit runs' lists them`);
  }

  close(): void {
    this.db.close();
  }
}
