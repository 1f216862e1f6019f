/**
 * Prometheus metrics of one server: requests, latency and time-to-first-token
 * histograms, tokens in and out, generation throughput, queue depth and the
 * loaded models. Each server has its own registry (no process-global one), so
 * several servers in a process (tests) keep separate counts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelPool } from './model-pool.js';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds over which tokens/s is averaged. */
const RATE_WINDOW_S = 10;

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly ttft: Histogram<'model'>;
  readonly promptTokens: Counter<'model'>;
  readonly completionTokens: Counter<'model'>;
  readonly inFlight: Gauge<'route'>;
  /** (time in ms, tokens) per second-bucket, for the windowed rate. */
  private readonly recent = new Map<string, Map<number, number>>();

  constructor(pool: ModelPool, opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'lmkit_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    this.duration = new Histogram({
      name: 'lmkit_http_request_duration_seconds',
      help: 'Time from request to the last byte of the response',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({ name: 'lmkit_time_to_first_token_seconds', help: 'Time from request to the first generated token', labelNames: ['model'], buckets: TTFT_BUCKETS, registers });
    this.promptTokens = new Counter({ name: 'lmkit_prompt_tokens_total', help: 'Prompt tokens processed', labelNames: ['model'], registers });
    this.completionTokens = new Counter({ name: 'lmkit_generated_tokens_total', help: 'Tokens generated', labelNames: ['model'], registers });
    this.inFlight = new Gauge({ name: 'lmkit_requests_in_flight', help: 'Requests being answered now', labelNames: ['route'], registers });
    const recent = this.recent;
    new Gauge({
      name: 'lmkit_generation_tokens_per_second',
      help: `Tokens generated per second, averaged over the last ${RATE_WINDOW_S}s`,
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        const now = Math.floor(Date.now() / 1000);
        for (const [model, buckets] of recent) {
          let n = 0;
          for (const [sec, count] of buckets) {
            if (sec > now - RATE_WINDOW_S) n += count;
            else buckets.delete(sec);
          }
          this.set({ model }, n / RATE_WINDOW_S);
        }
      },
    });
    new Gauge({
      name: 'lmkit_queue_depth',
      help: 'Requests waiting for a batch slot',
      labelNames: ['model'],
      registers,
      async collect() {
        this.reset();
        for (const e of pool.engines()) this.set({ model: e.info.id }, (await e.stats()).queued);
      },
    });
    new Gauge({
      name: 'lmkit_running_sequences',
      help: 'Sequences in the running batch',
      labelNames: ['model'],
      registers,
      async collect() {
        this.reset();
        for (const e of pool.engines()) this.set({ model: e.info.id }, (await e.stats()).running);
      },
    });
    new Gauge({
      name: 'lmkit_models_loaded',
      help: 'Models loaded now',
      registers,
      collect() {
        this.set(pool.loaded().length);
      },
    });
    new Gauge({
      name: 'lmkit_model_memory_bytes',
      help: 'Bytes of model weights loaded',
      registers,
      collect() {
        this.set(pool.bytesLoaded);
      },
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lmkit_' });
  }

  /** Counts generated tokens for the throughput gauge and the counter. */
  addCompletionTokens(model: string, n: number): void {
    if (n <= 0) return;
    this.completionTokens.inc({ model }, n);
    let buckets = this.recent.get(model);
    if (!buckets) this.recent.set(model, (buckets = new Map()));
    const sec = Math.floor(Date.now() / 1000);
    buckets.set(sec, (buckets.get(sec) ?? 0) + n);
    // Without scrapes, old seconds would pile up: drop what the window no longer covers.
    if (buckets.size > 2 * RATE_WINDOW_S) for (const s of buckets.keys()) if (s <= sec - RATE_WINDOW_S) buckets.delete(s);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
