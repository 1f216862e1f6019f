/**
 * Continuous batching: many requests share one model, and every step runs one
 * `model.step` over all of them. Between steps, waiting requests are admitted
 * (their prompt prefill rides in the same step as the others' decode tokens,
 * chunked to a per-step token budget so a long prompt does not stall
 * everyone's decoding), and finished or cancelled sequences leave, freeing
 * their KV caches and slots.
 *
 * Fairness: admission is first come, first served; every running sequence gets
 * one token per step; the prefill budget goes to prompts in arrival order.
 *
 * Timing is the caller's: `runStep()` is synchronous and does one step, so a
 * worker thread can drive it in its own loop; `start()` runs it on the event
 * loop, yielding between steps so submissions and disconnects get through.
 * Each request's tokens depend only on its own seed and logits, so with
 * batch-invariant kernels it gets exactly what it would get alone.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM, KVCache, StepInput } from '../models/types.js';
import { Channel } from './channel.js';
import { constraintFor } from './constrained/index.js';
import { QueueFullError } from './errors.js';
import { encodePrompt } from './generate.js';
import { choiceSeed, logSumExp, randomSeed, topEntries } from './sampling.js';
import { Sequence } from './sequence.js';
import { row, stepLogitsViews, type RowLogits } from './step.js';
import type { GenerateOptions, GenerateResult, Prompt, StreamPiece, TextTokenizer, TokenLogprob } from './types.js';

export interface SchedulerOptions {
  /** Sequences decoded together (a request with n choices takes n). Default 8. */
  readonly maxBatch?: number;
  /** Requests allowed to wait for a slot; more throw QueueFullError. Default 64. */
  readonly maxQueue?: number;
  /** Prompt tokens prefilled per step over all requests. Default 512. */
  readonly prefillChunk?: number;
}

export interface SchedulerRequest extends GenerateOptions {
  readonly prompt: Prompt;
  /** Independent completions of the prompt (its prefill is shared). Default 1. */
  readonly n?: number;
  /** Also score the prompt: the 'prompt' event carries its per-token logprobs (`logprobs` alternatives each). */
  readonly echo?: boolean;
}

export type SchedulerEvent =
  /** Once, before any piece: the prompt's ids and, with echo, their logprobs (the first is null). */
  | { readonly type: 'prompt'; readonly tokens: readonly number[]; readonly logprobs?: readonly (TokenLogprob | null)[] }
  | { readonly type: 'piece'; readonly index: number; readonly piece: StreamPiece }
  | { readonly type: 'done'; readonly index: number; readonly result: GenerateResult }
  /** The request failed; no more events follow. */
  | { readonly type: 'error'; readonly error: unknown };

export interface RequestHandle extends AsyncIterable<SchedulerEvent> {
  readonly id: number;
  /** Stops the request at the next step; its choices finish with 'abort' and free their slots. */
  cancel(): void;
  /** Every choice's result once all are done. */
  readonly results: Promise<GenerateResult[]>;
}

/** The shared part of an n > 1 prompt: all of it but the last token, prefilled once, then cloned. */
interface Prefix {
  readonly ids: readonly number[];
  fed: number;
  cache: KVCache | null;
}

interface Job {
  readonly id: number;
  readonly promptIds: readonly number[];
  readonly choices: Sequence[];
  readonly results: (GenerateResult | null)[];
  prefix: Prefix | null;
  readonly echoTop: number | null;
  promptLogprobs: (TokenLogprob | null)[] | null;
  promptSent: boolean;
  cancelled: boolean;
  finished: boolean;
  readonly emit: (e: SchedulerEvent) => void;
  readonly finish: (error?: unknown) => void;
}

type Owner = { job: Job; seq: Sequence } | { job: Job; prefix: Prefix };

export class Scheduler {
  readonly maxBatch: number;
  readonly maxQueue: number;
  readonly prefillChunk: number;
  private readonly waiting: Job[] = [];
  private readonly running: Job[] = [];
  private nextId = 1;
  private steps = 0;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopped = false;

  constructor(
    readonly model: CausalLM,
    readonly tokenizer: TextTokenizer,
    opts: SchedulerOptions = {},
  ) {
    this.maxBatch = positiveInt('maxBatch', opts.maxBatch ?? 8);
    this.maxQueue = nonNegativeInt('maxQueue', opts.maxQueue ?? 64);
    this.prefillChunk = positiveInt('prefillChunk', opts.prefillChunk ?? 512);
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Sequences holding a slot. */
  get active(): number {
    return this.running.reduce((n, j) => n + j.choices.length, 0);
  }

  /** Steps run so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Queues a request. Throws at once on bad options (InvalidArgumentError,
   * UnsupportedError for a schema) and when the queue is full (QueueFullError).
   * `listener`, when given, receives every event synchronously as well.
   */
  submit(req: SchedulerRequest, listener?: (e: SchedulerEvent) => void): RequestHandle {
    if (this.waiting.length >= this.maxQueue) throw new QueueFullError(this.waiting.length, this.maxQueue);
    const n = req.n ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) throw new InvalidArgumentError('scheduler', 'n', `expected an integer in [1, maxBatch = ${this.maxBatch}], got ${n}`);
    const promptIds = encodePrompt(this.tokenizer, req.prompt, req.addSpecial ?? true);
    const seed = req.seed ?? randomSeed();
    const constraint = constraintFor(this.tokenizer, req.responseFormat);
    const echoTop = req.echo ? (req.logprobs ?? 0) : null;
    const shared = n > 1 && promptIds.length > 1;
    const choices = Array.from({ length: n }, (_, i) => {
      const extras = {
        constraint,
        seed: choiceSeed(seed, i),
        ...(shared ? { cached: promptIds.length - 1 } : {}),
        ...(echoTop !== null && !shared && i === 0 ? { promptLogprobs: echoTop } : {}),
      };
      return new Sequence(this.model, this.tokenizer, promptIds, req, extras);
    });
    const channel = new Channel<SchedulerEvent>();
    let resolve!: (r: GenerateResult[]) => void;
    let reject!: (e: unknown) => void;
    const results = new Promise<GenerateResult[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    results.catch(() => {});
    const job: Job = {
      id: this.nextId++,
      promptIds,
      choices,
      results: choices.map(() => null),
      prefix: shared ? { ids: promptIds.slice(0, -1), fed: 0, cache: null } : null,
      echoTop,
      promptLogprobs: echoTop !== null && shared ? [null] : null,
      promptSent: false,
      cancelled: false,
      finished: false,
      emit: (e) => {
        listener?.(e);
        channel.push(e);
      },
      finish: (error) => {
        if (job.finished) return;
        job.finished = true;
        if (error !== undefined) {
          job.emit({ type: 'error', error });
          reject(error);
        } else {
          resolve(job.results.map((r) => r!));
        }
        channel.close();
      },
    };
    const cancel = () => {
      job.cancelled = true;
      this.wake?.();
    };
    channel.onReturn = cancel;
    req.signal?.addEventListener('abort', cancel, { once: true });
    if (req.signal?.aborted) job.cancelled = true;
    this.waiting.push(job);
    this.wake?.();
    return { id: job.id, cancel, results, [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator]() };
  }

  /** Runs one step: admit, batch, model.step, deliver. Returns false when there was nothing to do. */
  runStep(): boolean {
    this.reap();
    this.admit();
    const inputs: StepInput[] = [];
    const owners: Owner[] = [];
    for (const job of this.running) {
      if (job.prefix) continue;
      for (const seq of job.choices) {
        if (seq.done || seq.prefilling) continue;
        inputs.push(seq.nextInput()!);
        owners.push({ job, seq });
      }
    }
    let budget = this.prefillChunk;
    for (const job of this.running) {
      if (budget <= 0) break;
      const p = job.prefix;
      if (p) {
        const take = Math.min(p.ids.length - p.fed, budget);
        p.cache ??= this.model.newCache(Math.min(this.model.config.contextLength, job.promptIds.length + job.choices[0]!.maxTokens));
        inputs.push(job.echoTop !== null ? { ids: p.ids.slice(p.fed, p.fed + take), cache: p.cache, allLogits: true } : { ids: p.ids.slice(p.fed, p.fed + take), cache: p.cache });
        owners.push({ job, prefix: p });
        budget -= take;
        continue;
      }
      for (const seq of job.choices) {
        if (budget <= 0) break;
        if (seq.done || !seq.prefilling) continue;
        const input = seq.nextInput(budget)!;
        inputs.push(input);
        owners.push({ job, seq });
        budget -= input.ids.length;
      }
    }
    if (inputs.length === 0) return false;
    this.steps++;
    let step: { rows: RowLogits[]; release(): void };
    try {
      step = stepLogitsViews(this.model, inputs);
    } catch (e) {
      for (const job of new Set(owners.map((o) => o.job))) this.fail(job, e);
      return true;
    }
    try {
      owners.forEach((o, i) => {
        if (o.job.finished) return;
        try {
          if ('prefix' in o) this.prefixDone(o.job, o.prefix, inputs[i]!, step.rows[i]!);
          else this.deliver(o.job, o.seq, inputs[i]!, step.rows[i]!);
        } catch (e) {
          this.fail(o.job, e);
        }
      });
    } finally {
      step.release();
    }
    return true;
  }

  /** Runs steps until nothing is left (tests, batch jobs). */
  runUntilIdle(): void {
    while (this.runStep());
  }

  /** Runs the step loop on the event loop until stop(), sleeping while idle. */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.runStep()) await new Promise((r) => setImmediate(r));
        else await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
      }
    })();
  }

  /** Stops the loop after the current step; requests stay where they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private admit(): void {
    let used = this.active;
    while (this.waiting.length) {
      const job = this.waiting[0]!;
      if (used + job.choices.length > this.maxBatch) break;
      this.waiting.shift();
      this.running.push(job);
      used += job.choices.length;
      this.settle(job);
    }
  }

  /** Finishes cancelled requests, waiting or running, and frees what they hold. */
  private reap(): void {
    for (const list of [this.waiting, this.running]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const job = list[i]!;
        if (!job.cancelled) continue;
        list.splice(i, 1);
        job.prefix?.cache?.dispose();
        job.choices.forEach((seq, k) => {
          if (!seq.done) {
            seq.abort();
            this.complete(job, seq, k);
          }
          seq.dispose();
        });
        job.finish();
      }
    }
  }

  private prefixDone(job: Job, p: Prefix, input: StepInput, l: RowLogits): void {
    const start = p.fed;
    p.fed += input.ids.length;
    if (job.promptLogprobs) {
      for (let r = 0; r < l.rows; r++) {
        const x = row(l, r);
        const target = job.promptIds[start + r + 1]!;
        const lse = logSumExp(x);
        const lp = x[target]! - lse;
        job.promptLogprobs.push(job.echoTop ? { token: target, logprob: lp, top: topEntries(x, job.echoTop, lse) } : { token: target, logprob: lp });
      }
    }
    if (p.fed < p.ids.length) return;
    const cache = p.cache!;
    job.choices.forEach((seq, i) => seq.attachCache(i === job.choices.length - 1 ? cache : cache.clone()));
    p.cache = null;
    job.prefix = null;
    this.settle(job);
  }

  private deliver(job: Job, seq: Sequence, input: StepInput, l: RowLogits): void {
    const piece = seq.consume(input, l);
    if (!piece && !seq.done) return;
    this.sendPrompt(job, seq);
    const index = job.choices.indexOf(seq);
    if (piece) job.emit({ type: 'piece', index, piece });
    if (seq.done) {
      this.complete(job, seq, index);
      seq.dispose();
      this.settle(job);
    }
  }

  private sendPrompt(job: Job, seq: Sequence | null): void {
    if (job.promptSent) return;
    job.promptSent = true;
    const logprobs = job.promptLogprobs ?? seq?.promptLogprobs;
    job.emit(logprobs ? { type: 'prompt', tokens: job.promptIds, logprobs } : { type: 'prompt', tokens: job.promptIds });
  }

  /** Ends a request whose choices are all done (including ones that never needed a step: maxTokens 0). */
  private settle(job: Job): void {
    if (job.finished || job.prefix || !job.choices.every((s) => s.done)) return;
    this.sendPrompt(job, job.choices[0]!);
    job.choices.forEach((seq, k) => {
      if (job.results[k] === null) {
        this.complete(job, seq, k);
        seq.dispose();
      }
    });
    const i = this.running.indexOf(job);
    if (i >= 0) this.running.splice(i, 1);
    job.finish();
  }

  private complete(job: Job, seq: Sequence, index: number): void {
    const result = seq.result();
    job.results[index] = result;
    job.emit({ type: 'done', index, result });
  }

  private fail(job: Job, error: unknown): void {
    for (const list of [this.waiting, this.running]) {
      const i = list.indexOf(job);
      if (i >= 0) list.splice(i, 1);
    }
    job.prefix?.cache?.dispose();
    for (const seq of job.choices) seq.dispose();
    job.finish(error);
  }
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError('scheduler', name, `expected an integer >= 1, got ${v}`);
  return v;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError('scheduler', name, `expected an integer >= 0, got ${v}`);
  return v;
}
