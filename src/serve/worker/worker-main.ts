/**
 * A model's worker thread: loads one engine (from the module named in
 * workerData) and serves the HTTP thread's requests by message. Forward
 * passes run here, so the HTTP thread's event loop only moves bytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine } from '../engine.js';
import { toWire, type EngineModuleSpec, type FromWorker, type ToWorker } from './protocol.js';

const port = parentPort!;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const running = new Map<number, AbortController>();

async function main(): Promise<void> {
  const spec = workerData as EngineModuleSpec;
  let engine: Engine;
  try {
    const mod = (await import(spec.module)) as { createEngine(options: unknown): Promise<Engine> };
    engine = await mod.createEngine(spec.options);
  } catch (e) {
    send({ t: 'failed', error: toWire(e) });
    return;
  }
  send({ t: 'ready', info: engine.info });

  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'generate': {
        const ac = new AbortController();
        running.set(m.id, ac);
        void (async () => {
          try {
            for await (const ev of engine.generate(m.req, { signal: ac.signal })) send({ t: 'event', id: m.id, ev });
          } catch (e) {
            send({ t: 'error', id: m.id, error: toWire(e) });
          } finally {
            running.delete(m.id);
          }
        })();
        break;
      }
      case 'call': {
        const ac = new AbortController();
        running.set(m.id, ac);
        void (async () => {
          try {
            const value = await call(engine, m.method, m.arg, ac.signal);
            send({ t: 'result', id: m.id, value }, transferables(value));
          } catch (e) {
            send({ t: 'error', id: m.id, error: toWire(e) });
          } finally {
            running.delete(m.id);
          }
        })();
        break;
      }
      case 'cancel':
        running.get(m.id)?.abort(new Error('cancelled'));
        break;
      case 'close':
        for (const ac of running.values()) ac.abort(new Error('closing'));
        void engine.close().finally(() => {
          send({ t: 'closed' });
          port.close();
        });
        break;
    }
  });
}

function call(engine: Engine, method: string, arg: unknown, signal: AbortSignal): Promise<unknown> {
  switch (method) {
    case 'score':
      return engine.score(arg as Parameters<Engine['score']>[0], { signal });
    case 'embed':
      return engine.embed(arg as Parameters<Engine['embed']>[0], { signal });
    case 'classify':
      return engine.classify(arg as Parameters<Engine['classify']>[0], { signal });
    case 'tokenize':
      return engine.tokenize(arg as string);
    case 'stats':
      return engine.stats();
    default:
      return Promise.reject(new Error(`unknown engine method '${method}'`));
  }
}

/** Embedding vectors move to the HTTP thread without a copy. */
function transferables(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const embeddings = (value as { embeddings?: unknown } | null)?.embeddings;
  if (Array.isArray(embeddings)) {
    for (const v of embeddings) if (v instanceof Float32Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer) out.push(v.buffer);
  }
  return out;
}

void main();
