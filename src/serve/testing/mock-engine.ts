/**
 * MockEngine: a scripted Engine that records every call, for testing the
 * server, the pipelines and the CLI without a model (as vercel/ai's
 * MockLanguageModel does for its providers).
 *
 * By default it "tokenizes" text into Unicode code points and generates words
 * from a small list, chosen by a hash of the prompt and the seed, so the same
 * request always yields the same output and different seeds differ. Tests
 * override `respond`, `score`, `embed` or `classify` to script exact results,
 * and `tokenDelayMs`/`capacity` to exercise cancellation, timeouts and the
 * full-queue path.
 */
import { UnsupportedError } from '../../errors.js';
import {
  ContextLengthError,
  QueueFullError,
  type CallOptions,
  type ClassifyResult,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineStats,
  type GenerateEvent,
  type GenerateRequest,
  type ModelInfo,
  type PromptInput,
  type ScoreRequest,
  type ScoreResult,
  type TokenLogprob,
} from '../engine.js';
import { StopMatcher } from '../../generate/stop.js';

export type MockCall =
  | { readonly method: 'generate'; readonly request: GenerateRequest }
  | { readonly method: 'score'; readonly request: readonly ScoreRequest[] }
  | { readonly method: 'embed'; readonly request: EmbedRequest }
  | { readonly method: 'classify'; readonly request: readonly PromptInput[] }
  | { readonly method: 'tokenize'; readonly request: string };

export interface MockEngineOptions {
  readonly info?: Partial<ModelInfo>;
  /** The generated token texts for a request (before stop strings and max_tokens apply). */
  readonly respond?: (req: GenerateRequest, callIndex: number) => readonly string[];
  readonly score?: (req: ScoreRequest) => ScoreResult;
  readonly embed?: (text: string) => Float32Array;
  readonly classify?: (text: string) => readonly number[];
  /** Milliseconds between generated tokens (a timer, so the event loop stays free). */
  readonly tokenDelayMs?: number;
  /** Generations that may be active at once (running + queued); one more throws QueueFullError. */
  readonly capacity?: number;
}

const WORDS = ['the', ' quick', ' brown', ' fox', ' jumps', ' over', ' a', ' lazy', ' dog', '.', ' It', ' was', ' sunny', ',', ' and', ' calm'];

export function hashString(s: string, seed = 0): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function promptText(p: PromptInput): string {
  return typeof p === 'string' ? p : String.fromCodePoint(...p);
}

function mockTokenize(p: PromptInput): number[] {
  return typeof p === 'string' ? Array.from(p, (c) => c.codePointAt(0)!) : [...p];
}

function tokenInfo(text: string, index: number, top: number | null | undefined): TokenLogprob {
  const bytes = [...Buffer.from(text, 'utf8')];
  const logprob = -0.25 * ((index % 4) + 1);
  const t: TokenLogprob = { id: text.codePointAt(0) ?? 0, text, logprob, bytes };
  if (!top) return t;
  const alts = [{ id: t.id, text, logprob, bytes }];
  for (let k = 1; k < top; k++) {
    const w = WORDS[(index + k) % WORDS.length]!;
    alts.push({ id: w.codePointAt(0) ?? 0, text: w, logprob: logprob - k, bytes: [...Buffer.from(w, 'utf8')] });
  }
  return { ...t, top: alts };
}

export class MockEngine implements Engine {
  readonly info: ModelInfo;
  readonly calls: MockCall[] = [];
  /** Generations whose signal fired before they finished. */
  cancelled = 0;
  closed = false;
  private active = 0;

  constructor(private readonly opts: MockEngineOptions = {}) {
    this.info = {
      id: 'mock',
      architecture: 'mock',
      contextLength: 256,
      vocabSize: 0x110000,
      chatTemplate: null,
      bosToken: null,
      eosToken: '<|im_end|>',
      builtIn: false,
      classifierLabels: null,
      memoryBytes: 1 << 20,
      created: Math.floor(Date.now() / 1000),
      ...opts.info,
    };
  }

  generateCalls(): GenerateRequest[] {
    return this.calls.flatMap((c) => (c.method === 'generate' ? [c.request] : []));
  }

  generate(req: GenerateRequest, opts: CallOptions = {}): AsyncIterable<GenerateEvent> {
    const callIndex = this.calls.length;
    this.calls.push({ method: 'generate', request: req });
    // An async generator, so errors surface on the first next() as with a real engine.
    const self = this;
    return (async function* () {
      const promptIds = mockTokenize(req.prompt);
      const room = self.info.contextLength - promptIds.length;
      if (room < (req.clampToContext ? 1 : req.maxTokens) || room < 0) {
        throw new ContextLengthError(self.info.id, promptIds.length, req.clampToContext ? 0 : req.maxTokens, self.info.contextLength);
      }
      const maxTokens = Math.min(req.maxTokens, room);
      if (self.opts.capacity !== undefined && self.active >= self.opts.capacity) {
        throw new QueueFullError(self.active, self.opts.capacity);
      }
      self.active++;
      let released = false;
      // Consumers stop at the end event, so the slot is freed before it is yielded.
      const release = () => {
        if (!released) {
          released = true;
          self.active--;
        }
      };
      try {
        const prompt = req.echo ? promptIds.map((id, i) => ({ ...tokenInfo(String.fromCodePoint(id), i, req.logprobs), logprob: i === 0 ? null : -1 })) : undefined;
        yield { type: 'start', promptTokens: promptIds.length, ...(prompt ? { prompt } : {}) } satisfies GenerateEvent;
        const pieces = self.opts.respond ? self.opts.respond(req, callIndex) : self.defaultPieces(req);
        const stops = new StopMatcher(req.stop);
        let n = 0;
        for (const piece of pieces) {
          if (n >= maxTokens) break;
          if (opts.signal?.aborted) {
            self.cancelled++;
            release();
            yield { type: 'end', finishReason: 'cancelled', text: '', promptTokens: promptIds.length, completionTokens: n };
            return;
          }
          if (self.opts.tokenDelayMs) await delay(self.opts.tokenDelayMs, opts.signal);
          if (opts.signal?.aborted) {
            self.cancelled++;
            release();
            yield { type: 'end', finishReason: 'cancelled', text: '', promptTokens: promptIds.length, completionTokens: n };
            return;
          }
          const r = stops.push(piece);
          n++;
          yield { type: 'token', text: r.text, token: tokenInfo(piece, n - 1, req.logprobs) };
          if (r.stopped) {
            release();
            yield { type: 'end', finishReason: 'stop', text: '', promptTokens: promptIds.length, completionTokens: n };
            return;
          }
        }
        const finishReason = n >= maxTokens ? 'length' : 'stop';
        release();
        yield { type: 'end', finishReason, text: stops.flush(), promptTokens: promptIds.length, completionTokens: n };
      } finally {
        release();
      }
    })();
  }

  private defaultPieces(req: GenerateRequest): string[] {
    const greedy = req.sampling.temperature === 0;
    let h = hashString(promptText(req.prompt), greedy ? 0 : (req.sampling.seed ?? Math.floor(Math.random() * 1e9)));
    const out: string[] = [];
    const n = Math.min(req.maxTokens, 24);
    for (let i = 0; i < n; i++) {
      h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
      out.push(WORDS[h % WORDS.length]!);
    }
    return out;
  }

  async score(reqs: readonly ScoreRequest[]): Promise<ScoreResult[]> {
    this.calls.push({ method: 'score', request: reqs });
    return reqs.map((r) => {
      if (this.opts.score) return this.opts.score(r);
      const cont = promptText(r.continuation);
      const tokens = Array.from(cont, (c, i) => ({ ...tokenInfo(c, i, null), logprob: -((hashString(promptText(r.context) + c) % 100) / 25) }));
      return { logprob: tokens.reduce((s, t) => s + (t.logprob ?? 0), 0), greedy: false, tokens };
    });
  }

  async embed(req: EmbedRequest): Promise<EmbedResult> {
    this.calls.push({ method: 'embed', request: req });
    let promptTokens = 0;
    const embeddings = req.inputs.map((p) => {
      const text = promptText(p);
      promptTokens += mockTokenize(p).length;
      if (this.opts.embed) return this.opts.embed(text);
      const v = new Float32Array(8);
      for (let i = 0; i < 8; i++) v[i] = (hashString(text, i) % 1000) / 1000 - 0.5;
      if (req.normalize ?? true) {
        const norm = Math.hypot(...v) || 1;
        for (let i = 0; i < 8; i++) v[i]! /= norm;
      }
      return v;
    });
    return { embeddings, promptTokens };
  }

  async classify(inputs: readonly PromptInput[]): Promise<ClassifyResult> {
    this.calls.push({ method: 'classify', request: inputs });
    const labels = this.info.classifierLabels;
    if (!labels) throw new UnsupportedError('classify', `model '${this.info.id}' has no classification head`);
    const probs = inputs.map((p) => {
      if (this.opts.classify) return this.opts.classify(promptText(p));
      const raw = labels.map((_, i) => 1 + (hashString(promptText(p), i) % 10));
      const s = raw.reduce((a, b) => a + b, 0);
      return raw.map((x) => x / s);
    });
    return { labels, probs, promptTokens: inputs.reduce((s, p) => s + mockTokenize(p).length, 0) };
  }

  async tokenize(text: string): Promise<number[]> {
    this.calls.push({ method: 'tokenize', request: text });
    return mockTokenize(text);
  }

  async stats(): Promise<EngineStats> {
    return { queued: 0, running: this.active };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
