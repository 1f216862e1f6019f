/**
 * `lmkit/client`: a small typed client for lmkit serve's own endpoints
 * (sentiment, translate, summarize, health, models). For the OpenAI-compatible
 * endpoints use the official `openai` package with `baseURL: <server>/v1`.
 *
 * It only needs `fetch`, so it runs in Node 18+, browsers and workers, and
 * has no dependency on the rest of lmkit.
 *
 * @example
 * ```ts
 * import { LmkitClient } from 'lmkit/client';
 * const lm = new LmkitClient({ baseURL: 'http://127.0.0.1:8080' });
 * const [r] = await lm.sentiment('Great boots, warm and dry.');
 * console.log(r.label, r.score);
 * ```
 *
 * @module
 */

export interface LmkitClientOptions {
  /** The server's address, e.g. `http://127.0.0.1:8080` (a trailing `/v1` is accepted). */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer KEY` when the server requires API keys. */
  readonly apiKey?: string;
  /** Model for requests that do not name one (default: the server's default model). */
  readonly model?: string;
  /** Milliseconds before a request is abandoned (default 10 minutes). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface SentimentResult {
  readonly index: number;
  readonly label: string;
  /** Probability of `label`. */
  readonly score: number;
  /** Every label's probability. */
  readonly scores: Readonly<Record<string, number>>;
  /** 'likelihood' (zero-shot, calibrated) or 'head' (a trained classification head). */
  readonly method: 'likelihood' | 'head';
}

export interface TranslationResult {
  readonly index: number;
  readonly translation: string;
  readonly finish_reason: string;
}

export interface SummaryResult {
  readonly index: number;
  readonly summary: string;
  readonly finish_reason: string;
}

export interface ListResponse<T> {
  readonly object: 'list';
  readonly model: string;
  readonly data: readonly T[];
  readonly usage?: Usage;
}

export interface ModelEntry {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
  readonly loaded: boolean;
}

export interface Health {
  readonly status: 'ok';
  readonly uptime_s: number;
  readonly default_model: string;
  readonly models: readonly string[];
  /** Requests being answered now. */
  readonly active_requests: number;
}

export interface RequestOptions {
  readonly model?: string;
  readonly signal?: AbortSignal;
}

/** An error response from the server, with OpenAI's error fields. */
export class LmkitApiError extends Error {
  override readonly name = 'LmkitApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: string | null,
    readonly param: string | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export class LmkitClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: LmkitClientOptions) {
    this.base = opts.baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: object, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 600_000);
    const res = await this.fetchFn(`${this.base}${path}`, {
      method,
      headers,
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LmkitApiError(res.status, `${method} ${path}: the server answered ${res.status} with non-JSON: ${text.slice(0, 200)}`, null, null, null);
    }
    if (!res.ok) {
      const e = (json as { error?: { message?: string; type?: string; param?: string | null; code?: string | null } }).error ?? {};
      throw new LmkitApiError(res.status, e.message ?? `${method} ${path} failed with ${res.status}`, e.type ?? null, e.param ?? null, e.code ?? null);
    }
    return json as T;
  }

  private model(opts?: RequestOptions): { model?: string } {
    const m = opts?.model ?? this.opts.model;
    return m ? { model: m } : {};
  }

  /** Sentiment of each input: label, its probability and every label's probability. */
  async sentiment(
    input: string | readonly string[],
    opts: RequestOptions & { labels?: readonly string[]; method?: 'auto' | 'likelihood' | 'head' } = {},
  ): Promise<SentimentResult[]> {
    const r = await this.request<ListResponse<SentimentResult>>(
      'POST',
      '/v1/sentiment',
      { ...this.model(opts), input, ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.method ? { method: opts.method } : {}) },
      opts.signal,
    );
    return [...r.data];
  }

  /** Translations from `source` to `target` (language codes such as 'en', 'es'). */
  async translate(input: string | readonly string[], opts: RequestOptions & { source: string; target: string; maxTokens?: number }): Promise<TranslationResult[]> {
    const r = await this.request<ListResponse<TranslationResult>>(
      'POST',
      '/v1/translate',
      { ...this.model(opts), input, source: opts.source, target: opts.target, ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}) },
      opts.signal,
    );
    return [...r.data];
  }

  /** One-line summaries. */
  async summarize(input: string | readonly string[], opts: RequestOptions & { maxTokens?: number } = {}): Promise<SummaryResult[]> {
    const r = await this.request<ListResponse<SummaryResult>>('POST', '/v1/summarize', { ...this.model(opts), input, ...(opts.maxTokens ? { max_tokens: opts.maxTokens } : {}) }, opts.signal);
    return [...r.data];
  }

  health(): Promise<Health> {
    return this.request('GET', '/health');
  }

  async models(): Promise<ModelEntry[]> {
    return [...(await this.request<{ data: ModelEntry[] }>('GET', '/v1/models')).data];
  }
}
