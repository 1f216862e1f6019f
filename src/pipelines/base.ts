/**
 * What every pipeline shares: the engine it runs on, and whether it opened
 * that engine itself (then `close()` unloads the model).
 */
import type { Engine } from '../serve/engine.js';

export abstract class EnginePipeline {
  constructor(
    readonly engine: Engine,
    private readonly owned = false,
  ) {}

  /** Unloads the model if this pipeline loaded it (pipelines given an engine leave it open). */
  async close(): Promise<void> {
    if (this.owned) await this.engine.close();
  }
}
