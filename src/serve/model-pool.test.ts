/**
 * ModelPool: load on first use, one load shared by concurrent requests, the
 * least recently used idle model unloaded past the count or memory budget, a
 * busy model unloaded only when its last request ends, failures not cached.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../errors.js';
import { ModelPool } from './model-pool.js';
import { MockEngine } from './testing/mock-engine.js';

function pool(opts: { maxModels?: number; memoryBudget?: number; sizes?: Record<string, number>; fail?: Set<string> } = {}) {
  const loads: string[] = [];
  const engines = new Map<string, MockEngine>();
  const p = new ModelPool({
    load: async (key) => {
      loads.push(key);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.fail?.has(key)) throw new NotFoundError(key, 'no such model');
      const e = new MockEngine({ info: { id: key, memoryBytes: opts.sizes?.[key] ?? 100 } });
      engines.set(key, e);
      return e;
    },
    defaultModel: 'a',
    resolve: (n) => n.toLowerCase(),
    ...(opts.maxModels !== undefined ? { maxModels: opts.maxModels } : {}),
    ...(opts.memoryBudget !== undefined ? { memoryBudget: opts.memoryBudget } : {}),
  });
  return { p, loads, engines };
}

const ids = (p: ModelPool) => p.loaded().map((m) => m.id);

describe('ModelPool', () => {
  it('loads once for concurrent requests, and resolves names', async () => {
    const { p, loads } = pool();
    const [x, y, z] = await Promise.all([p.acquire(), p.acquire('A'), p.acquire('a')]);
    assert.deepEqual(loads, ['a']);
    assert.equal(x!.engine, y!.engine);
    assert.equal(p.activeLeases, 3);
    for (const l of [x, y, z]) l!.release();
    assert.equal(p.activeLeases, 0);
  });

  it('unloads the least recently used idle model past maxModels', async () => {
    const { p, loads, engines } = pool({ maxModels: 2 });
    for (const m of ['a', 'b']) (await p.acquire(m)).release();
    (await p.acquire('a')).release(); // a is now more recent than b
    (await p.acquire('c')).release();
    assert.deepEqual(ids(p), ['c', 'a']);
    assert.equal(engines.get('b')!.closed, true);
    (await p.acquire('b')).release();
    assert.deepEqual(loads, ['a', 'b', 'c', 'b']);
    assert.deepEqual(ids(p), ['b', 'c']);
  });

  it('keeps a busy model until its last request ends, then enforces the budget', async () => {
    const { p, engines } = pool({ maxModels: 1 });
    const busy = await p.acquire('a');
    const other = await p.acquire('b');
    assert.deepEqual(ids(p).sort(), ['a', 'b']);
    assert.equal(engines.get('a')!.closed, false);
    other.release();
    busy.release();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(ids(p).length, 1);
  });

  it('unloads by memory budget', async () => {
    const { p } = pool({ maxModels: 5, memoryBudget: 250, sizes: { a: 100, b: 100, c: 100 } });
    for (const m of ['a', 'b', 'c']) (await p.acquire(m)).release();
    assert.deepEqual(ids(p), ['c', 'b']);
    assert.equal(p.bytesLoaded, 200);
  });

  it('does not cache a failed load, and reloads a dead engine', async () => {
    const fail = new Set(['x']);
    const { p, loads, engines } = pool({ fail });
    await assert.rejects(p.acquire('x'), NotFoundError);
    fail.delete('x');
    (await p.acquire('x')).release();
    assert.deepEqual(loads, ['x', 'x']);
    (engines.get('x')! as { isAlive?: () => boolean }).isAlive = () => false;
    (await p.acquire('x')).release();
    assert.deepEqual(loads, ['x', 'x', 'x']);
    await p.close();
    assert.equal(engines.get('x')!.closed, true);
  });
});
