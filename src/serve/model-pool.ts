/**
 * The server's loaded models: load on first use, share between requests,
 * unload the least recently used past a count or memory budget.
 *
 * A request takes a lease on its model and returns it when done; a model with
 * leases is never unloaded under a request. When a new model pushes the pool
 * over budget, idle models go first (least recently used first); busy ones
 * are unloaded as soon as their last lease returns, if the pool is still over.
 * Two requests for a model that is still loading share the one load.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Engine, ModelInfo } from './engine.js';

export interface ModelPoolOptions {
  /** Loads a model (in a worker thread, in the server). `key` is the canonical name from `resolve`. */
  readonly load: (key: string) => Promise<Engine>;
  /** The model requests without a `model` field get. */
  readonly defaultModel: string;
  /** Canonical key of a requested name (an absolute path for files and folders); throws NotFoundError for unknown names. */
  readonly resolve?: (name: string) => string;
  /** Most models loaded at once (default 2). */
  readonly maxModels?: number;
  /** Most bytes of weights loaded at once, summed over models (default: no limit). */
  readonly memoryBudget?: number;
  readonly log?: (message: string) => void;
}

interface Entry {
  readonly key: string;
  engine: Engine | null;
  loading: Promise<Engine> | null;
  leases: number;
  lastUsed: number;
}

export interface Lease {
  readonly engine: Engine;
  /** Returns the lease; call exactly once. */
  release(): void;
}

export class ModelPool {
  private readonly entries = new Map<string, Entry>();
  private readonly maxModels: number;
  private readonly memoryBudget: number;
  private clock = 0;
  private closed = false;

  constructor(private readonly opts: ModelPoolOptions) {
    this.maxModels = opts.maxModels ?? 2;
    this.memoryBudget = opts.memoryBudget ?? Infinity;
    if (!Number.isInteger(this.maxModels) || this.maxModels < 1) throw new InvalidArgumentError('ModelPool', 'maxModels', `must be a positive integer, got ${this.maxModels}`);
    if (!(this.memoryBudget > 0)) throw new InvalidArgumentError('ModelPool', 'memoryBudget', `must be positive, got ${this.memoryBudget}`);
  }

  get defaultModel(): string {
    return this.opts.defaultModel;
  }

  /** The canonical key of a requested model name (the default when absent). */
  keyOf(name: string | undefined): string {
    const n = name ?? this.opts.defaultModel;
    return this.opts.resolve ? this.opts.resolve(n) : n;
  }

  /** Gets (loading if needed) the model and takes a lease on it. */
  async acquire(name?: string): Promise<Lease> {
    if (this.closed) throw new InvalidArgumentError('ModelPool', 'model', 'the server is shutting down');
    const key = this.keyOf(name);
    let entry = this.entries.get(key);
    if (entry?.engine && entry.engine.isAlive?.() === false) {
      this.opts.log?.(`lmkit serve: ${key} stopped working; reloading it`);
      this.entries.delete(key);
      void entry.engine.close().catch(() => undefined);
      entry = undefined;
    }
    if (!entry) {
      entry = { key, engine: null, loading: null, leases: 0, lastUsed: 0 };
      this.entries.set(key, entry);
    }
    entry.leases++;
    entry.lastUsed = ++this.clock;
    try {
      const engine = entry.engine ?? (await this.ensureLoaded(entry));
      return this.lease(entry, engine);
    } catch (e) {
      entry.leases--;
      if (!entry.engine && !entry.loading && entry.leases === 0) this.entries.delete(key);
      throw e;
    }
  }

  private lease(entry: Entry, engine: Engine): Lease {
    let released = false;
    return {
      engine,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = ++this.clock;
        if (entry.leases === 0) this.enforceBudget(null).catch((e: unknown) => this.opts.log?.(`lmkit serve: unloading failed: ${(e as Error).message}`));
      },
    };
  }

  private ensureLoaded(entry: Entry): Promise<Engine> {
    if (entry.loading) return entry.loading;
    entry.loading = (async () => {
      // Make room by count before loading, so the new weights do not stack on top of ones that must go anyway.
      await this.evictIdle(entry, (loaded) => loaded.length >= this.maxModels);
      const t0 = Date.now();
      try {
        const engine = await this.opts.load(entry.key);
        entry.engine = engine;
        this.opts.log?.(`lmkit serve: loaded ${entry.key} in ${((Date.now() - t0) / 1000).toFixed(1)}s (${(engine.info.memoryBytes / 2 ** 20).toFixed(1)} MiB)`);
        if (this.closed) await engine.close();
        await this.enforceBudget(entry);
        return engine;
      } finally {
        entry.loading = null;
      }
    })();
    return entry.loading;
  }

  private loadedEntries(): Entry[] {
    return [...this.entries.values()].filter((e) => e.engine !== null);
  }

  private memoryInUse(): number {
    return this.loadedEntries().reduce((s, e) => s + e.engine!.info.memoryBytes, 0);
  }

  /** Unloads idle models, least recently used first, while `over` holds. `keep` is never unloaded. */
  private async evictIdle(keep: Entry | null, over: (loaded: Entry[]) => boolean): Promise<void> {
    for (;;) {
      const loaded = this.loadedEntries();
      if (!over(loaded)) return;
      const idle = loaded.filter((e) => e !== keep && e.leases === 0).sort((a, b) => a.lastUsed - b.lastUsed);
      const victim = idle[0];
      if (!victim) return;
      await this.unload(victim);
    }
  }

  private enforceBudget(keep: Entry | null): Promise<void> {
    return this.evictIdle(keep, (loaded) => loaded.length > this.maxModels || loaded.reduce((s, e) => s + e.engine!.info.memoryBytes, 0) > this.memoryBudget);
  }

  private async unload(entry: Entry): Promise<void> {
    const engine = entry.engine;
    this.entries.delete(entry.key);
    entry.engine = null;
    if (engine) {
      this.opts.log?.(`lmkit serve: unloaded ${entry.key}`);
      await engine.close();
    }
  }

  /** What is loaded now, most recently used first. */
  loaded(): ModelInfo[] {
    return this.loadedEntries()
      .sort((a, b) => b.lastUsed - a.lastUsed)
      .map((e) => e.engine!.info);
  }

  /** The loaded engines (for metrics: queue depth per model). */
  engines(): Engine[] {
    return this.loadedEntries().map((e) => e.engine!);
  }

  /** Leases held now (requests being answered), over all models. */
  get activeLeases(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.leases;
    return n;
  }

  get bytesLoaded(): number {
    return this.memoryInUse();
  }

  /** Whether `name` names a model this pool can serve (resolves without error). */
  knows(name: string): boolean {
    try {
      this.keyOf(name);
      return true;
    } catch (e) {
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    await Promise.all(all.map(async (e) => (e.loading ? e.loading.then((x) => x.close(), () => undefined) : e.engine?.close())));
    this.entries.clear();
  }
}
