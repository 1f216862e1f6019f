/**
 * WorkerEngine: an Engine whose model lives in a worker thread.
 *
 * Calls become messages; a generation's events come back one message per
 * token and are handed to the caller as an async iterable. Aborting the
 * caller's signal, or leaving the iteration early, sends a cancel, so a
 * client that disconnects frees its batch slot. If the worker dies, every
 * pending call fails and the engine reports itself dead (the pool reloads it).
 */
import { Worker } from 'node:worker_threads';
import { LmkitError } from '../../errors.js';
import type {
  CallOptions,
  ClassifyResult,
  EmbedRequest,
  EmbedResult,
  Engine,
  EngineStats,
  GenerateEvent,
  GenerateRequest,
  ModelInfo,
  PromptInput,
  ScoreRequest,
  ScoreResult,
} from '../engine.js';
import { fromWire, type CallMethod, type EngineModuleSpec, type FromWorker, type ToWorker } from './protocol.js';

const WORKER_MAIN = new URL('./worker-main.js', import.meta.url);

/** A queue of events for one generation, read by an async iterator. */
class Channel {
  private readonly items: GenerateEvent[] = [];
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  push(ev: GenerateEvent): void {
    this.items.push(ev);
    this.wake?.();
  }

  fail(e: Error): void {
    this.error = e;
    this.wake?.();
  }

  async next(): Promise<GenerateEvent> {
    for (;;) {
      const ev = this.items.shift();
      if (ev) return ev;
      if (this.error) throw this.error;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

export interface WorkerEngineOptions {
  /** Thread name shown in diagnostics. */
  readonly name?: string;
  /** Extra V8 heap for the worker in MiB (models keep weights in ArrayBuffers, outside this heap). */
  readonly maxOldGenerationSizeMb?: number;
}

export class WorkerEngine implements Engine {
  private nextId = 1;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly streams = new Map<number, Channel>();
  private dead: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.die(e));
    worker.on('exit', (code) => this.die(new LmkitError('io', `[${info.id}] the model's worker thread exited (code ${code})`)));
  }

  /** Starts a worker, loads the engine there and resolves once it is ready. */
  static start(spec: EngineModuleSpec, opts: WorkerEngineOptions = {}): Promise<WorkerEngine> {
    const worker = new Worker(WORKER_MAIN, {
      workerData: spec,
      name: opts.name ?? 'lmkit-model',
      ...(opts.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb } } : {}),
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.t === 'ready') {
          cleanup();
          resolve(new WorkerEngine(worker, m.info));
        } else if (m.t === 'failed') {
          cleanup();
          void worker.terminate();
          reject(fromWire(m.error));
        }
      };
      const onError = (e: Error) => {
        cleanup();
        reject(e);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new LmkitError('io', `the model worker exited with code ${code} while loading`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  isAlive(): boolean {
    return this.dead === null && this.closing === null;
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'event':
        this.streams.get(m.id)?.push(m.ev);
        break;
      case 'result':
        this.calls.get(m.id)?.resolve(m.value);
        this.calls.delete(m.id);
        break;
      case 'error': {
        const e = fromWire(m.error);
        const s = this.streams.get(m.id);
        if (s) s.fail(e);
        this.calls.get(m.id)?.reject(e);
        this.calls.delete(m.id);
        break;
      }
      default:
        break;
    }
  }

  private die(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    for (const s of this.streams.values()) s.fail(e);
    for (const c of this.calls.values()) c.reject(e);
    this.calls.clear();
  }

  private check(): void {
    if (this.dead) throw this.dead;
    if (this.closing) throw new LmkitError('io', `[${this.info.id}] the model is being unloaded`);
  }

  generate(req: GenerateRequest, opts: CallOptions = {}): AsyncIterable<GenerateEvent> {
    const self = this;
    return (async function* () {
      self.check();
      const id = self.nextId++;
      const channel = new Channel();
      self.streams.set(id, channel);
      let ended = false;
      const cancel = () => {
        if (!ended && !self.dead) self.post({ t: 'cancel', id });
      };
      opts.signal?.addEventListener('abort', cancel, { once: true });
      self.post({ t: 'generate', id, req });
      if (opts.signal?.aborted) cancel();
      const cleanup = () => {
        ended = true;
        opts.signal?.removeEventListener('abort', cancel);
        self.streams.delete(id);
      };
      try {
        for (;;) {
          const ev = await channel.next();
          if (ev.type === 'end') {
            // Consumers may stop at the end event without resuming us: clean up first.
            cleanup();
            yield ev;
            return;
          }
          yield ev;
        }
      } finally {
        // Leaving early (the consumer stopped iterating) cancels the generation too.
        cancel();
        cleanup();
      }
    })();
  }

  private call<T>(method: CallMethod, arg: unknown, opts: CallOptions = {}): Promise<T> {
    this.check();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const cancel = () => this.post({ t: 'cancel', id });
      opts.signal?.addEventListener('abort', cancel, { once: true });
      this.calls.set(id, {
        resolve: (v) => {
          opts.signal?.removeEventListener('abort', cancel);
          resolve(v as T);
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', cancel);
          reject(e);
        },
      });
      this.post({ t: 'call', id, method, arg });
    });
  }

  score(reqs: readonly ScoreRequest[], opts?: CallOptions): Promise<ScoreResult[]> {
    return this.call('score', reqs, opts);
  }

  embed(req: EmbedRequest, opts?: CallOptions): Promise<EmbedResult> {
    return this.call('embed', req, opts);
  }

  classify(inputs: readonly PromptInput[], opts?: CallOptions): Promise<ClassifyResult> {
    return this.call('classify', inputs, opts);
  }

  tokenize(text: string): Promise<number[]> {
    return this.call('tokenize', text);
  }

  stats(): Promise<EngineStats> {
    if (!this.isAlive()) return Promise.resolve({ queued: 0, running: 0 });
    return this.call('stats', null);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.dead) return;
      const closed = new Promise<void>((resolve) => {
        const onMessage = (m: FromWorker) => {
          if (m.t === 'closed') resolve();
        };
        this.worker.on('message', onMessage);
        this.worker.once('exit', () => resolve());
      });
      this.post({ t: 'close' });
      // A worker stuck in a long forward pass is terminated rather than waited on forever.
      const timer = setTimeout(() => void this.worker.terminate(), 10_000);
      await closed;
      clearTimeout(timer);
      await this.worker.terminate();
    })();
    return this.closing;
  }
}

/** A pool loader that starts each model in its own worker from an engine module. */
export function workerEngineLoader(module: string | URL, optionsFor: (key: string) => unknown, opts: WorkerEngineOptions = {}): (key: string) => Promise<Engine> {
  return (key) => WorkerEngine.start({ module: String(module), options: optionsFor(key) }, { name: `lmkit-model ${key}`, ...opts });
}
