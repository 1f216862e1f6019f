/**
 * An engine module for worker threads that loads a MockEngine: lets tests
 * exercise the worker plumbing (messages, cancellation, crashes) without a
 * model. A generation whose prompt is `__exit__` ends the worker thread.
 */
import type { Engine, GenerateRequest } from '../engine.js';
import { MockEngine, type MockEngineOptions } from './mock-engine.js';

export type MockWorkerOptions = Pick<MockEngineOptions, 'info' | 'tokenDelayMs' | 'capacity'>;

export async function createEngine(options: MockWorkerOptions): Promise<Engine> {
  const engine = new MockEngine(options);
  const generate = engine.generate.bind(engine);
  engine.generate = (req: GenerateRequest, opts) => {
    if (req.prompt === '__exit__') process.exit(3);
    return generate(req, opts);
  };
  return engine;
}
