/**
 * The worker-thread engine: events and results cross the thread boundary
 * intact, typed errors are rebuilt, cancellation reaches the worker, and a
 * worker that dies is detected and reloaded by the pool.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectGeneration, ContextLengthError, QueueFullError } from '../engine.js';
import { ModelPool } from '../model-pool.js';
import { MockEngine } from '../testing/mock-engine.js';
import { WorkerEngine, workerEngineLoader } from './worker-engine.js';

const MOCK_MODULE = new URL('../testing/mock-worker-module.js', import.meta.url).href;
const req = { prompt: 'hello', maxTokens: 6, sampling: { temperature: 0, topP: 1 } };

describe('WorkerEngine', () => {
  it('generates the same events as the engine in-process', async () => {
    const w = await WorkerEngine.start({ module: MOCK_MODULE, options: { info: { id: 'w' } } });
    try {
      assert.equal(w.info.id, 'w');
      const remote = await collectGeneration(w.generate({ ...req, logprobs: 1, echo: true }));
      const local = await collectGeneration(new MockEngine({ info: { id: 'w' } }).generate({ ...req, logprobs: 1, echo: true }));
      assert.deepEqual(remote, local);
      const e = await w.embed({ inputs: ['a', 'b'], pooling: 'mean' });
      assert.ok(e.embeddings[0] instanceof Float32Array);
      assert.equal(e.embeddings.length, 2);
      assert.deepEqual(await w.tokenize('ab'), [97, 98]);
    } finally {
      await w.close();
    }
  });

  it('rebuilds typed errors', async () => {
    const w = await WorkerEngine.start({ module: MOCK_MODULE, options: { info: { contextLength: 8 }, capacity: 0 } });
    try {
      await assert.rejects(collectGeneration(w.generate({ ...req, prompt: 'x'.repeat(20) })), ContextLengthError);
      await assert.rejects(collectGeneration(w.generate({ ...req, maxTokens: 2 })), (e: unknown) => e instanceof QueueFullError && e.maxQueue === 0);
      await assert.rejects(w.classify(['x']), (e: Error) => e.name === 'UnsupportedError' && /no classification head/.test(e.message));
    } finally {
      await w.close();
    }
  });

  it('cancels in the worker when the signal aborts', async () => {
    const w = await WorkerEngine.start({ module: MOCK_MODULE, options: { tokenDelayMs: 20 } });
    try {
      const ac = new AbortController();
      const events: string[] = [];
      setTimeout(() => ac.abort(), 70);
      for await (const ev of w.generate({ ...req, maxTokens: 50 }, { signal: ac.signal })) {
        events.push(ev.type === 'end' ? `end:${ev.finishReason}` : ev.type);
      }
      assert.equal(events.at(-1), 'end:cancelled');
      assert.ok(events.length < 20);
      assert.deepEqual(await w.stats(), { queued: 0, running: 0 });
    } finally {
      await w.close();
    }
  });

  it('a dead worker fails its calls, and the pool loads the model again', async () => {
    let loads = 0;
    const load = workerEngineLoader(MOCK_MODULE, () => ({}));
    const pool = new ModelPool({
      load: (k) => {
        loads++;
        return load(k);
      },
      defaultModel: 'm',
    });
    try {
      const lease = await pool.acquire();
      await assert.rejects(collectGeneration(lease.engine.generate({ ...req, prompt: '__exit__' })), /worker thread exited/);
      assert.equal(lease.engine.isAlive?.(), false);
      lease.release();
      const again = await pool.acquire();
      const r = await collectGeneration(again.engine.generate(req));
      assert.equal(r.finishReason, 'length');
      assert.equal(loads, 2);
      again.release();
    } finally {
      await pool.close();
    }
  });
});
