/**
 * ModelEngine: the Engine over a CausalLM and its tokenizer, in this thread.
 *
 * Generation goes through the continuous-batching Scheduler (src/generate):
 * every request joins the running batch between decode steps, and its
 * scheduler events are mapped to the Engine's. Scoring uses the harness-exact
 * log-likelihood of src/generate/score. Embeddings and the classification
 * head are computed here from the model's full forward pass.
 *
 * Text is tokenized with special tokens recognised (a rendered chat template
 * holds `<|im_start|>` and the like, as Hugging Face tokenizers split them),
 * so the scheduler and the scorer get a tokenizer view that does so.
 */
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import { Scheduler, type SchedulerEvent } from '../generate/scheduler.js';
import { encodePair, scorePairs } from '../generate/score.js';
import type { FinishReason as GenFinish, StreamingDecoder, TextTokenizer, TokenLogprob as GenLogprob } from '../generate/types.js';
import type { CausalLM } from '../models/types.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  ContextLengthError,
  type CallOptions,
  type ClassifyResult,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineStats,
  type FinishReason,
  type GenerateEvent,
  type GenerateRequest,
  type ModelInfo,
  type PromptInput,
  type ScoreRequest,
  type ScoreResult,
  type TokenLogprob,
} from './engine.js';

/** The tokenizer an engine needs: generation's, plus what the chat template reads. */
export interface EngineTokenizer extends TextTokenizer {
  encode(text: string, opts?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  readonly config?: { readonly chatTemplate?: string | undefined; readonly bosToken?: string | undefined; readonly eosToken?: string | undefined };
}

/**
 * A sequence-classification head, as Hugging Face's *ForSequenceClassification
 * models have: `score` maps the last token's final hidden state to one logit
 * per label.
 */
export interface WithClassificationHead {
  readonly score: { forward(x: Tensor): Tensor };
  readonly config: { readonly id2label?: Readonly<Record<string, string>> };
}

export function classificationHeadOf(model: CausalLM): WithClassificationHead | null {
  const score = (model as { score?: unknown }).score;
  return score && typeof (score as { forward?: unknown }).forward === 'function' ? (model as unknown as WithClassificationHead) : null;
}

export interface ModelEngineOptions {
  /** The name requests use. */
  readonly id: string;
  readonly builtIn?: boolean;
  /** Sequences decoded together (default 16). */
  readonly maxBatch?: number;
  /** Requests waiting for a slot before 429s (default 64). */
  readonly maxQueue?: number;
  /** Prompt tokens prefilled per step (default 512). */
  readonly prefillChunk?: number;
  /** Token ids that end generation besides the tokenizer's EOS ids (generation_config.json's). */
  readonly stopTokenIds?: readonly number[];
}

/** Generation's tokenizer view: encodes with special tokens recognised. */
function specialAware(tok: EngineTokenizer): TextTokenizer {
  return {
    get vocabSize() {
      return tok.vocabSize;
    },
    eosIds: tok.eosIds,
    bosId: tok.bosId,
    encode: (text, opts) => tok.encode(text, { ...opts, parseSpecial: true }),
    decode: (ids, opts) => tok.decode(ids, opts),
    decoder: (opts): StreamingDecoder => tok.decoder(opts),
    idToToken: (id) => tok.idToToken(id),
  };
}

/** The head's labels: config.id2label in id order, else LABEL_0, LABEL_1, ... as Hugging Face names them. */
function headLabels(head: WithClassificationHead): string[] {
  const named = Object.entries(head.config.id2label ?? {})
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, l]) => l);
  if (named.length > 0) return named;
  const n = (head.score as { weight?: Tensor }).weight?.shape[0] ?? 0;
  if (n === 0) throw new InvalidArgumentError('ModelEngine', 'model.score', 'a classification head needs a weight (numLabels, hidden) or config.id2label');
  return Array.from({ length: n }, (_, i) => `LABEL_${i}`);
}

function checkBias(bias: Readonly<Record<number, number>>, vocab: number): Readonly<Record<number, number>> {
  for (const k of Object.keys(bias)) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new InvalidArgumentError('generate', 'logit_bias', `token id ${k} is not in [0, ${vocab})`);
  }
  return bias;
}

const FINISH: Record<GenFinish, FinishReason> = { stop: 'stop', eos: 'stop', length: 'length', abort: 'cancelled' };

export class ModelEngine implements Engine {
  readonly info: ModelInfo;
  readonly scheduler: Scheduler;
  private readonly tok: TextTokenizer;
  private readonly texts = new Map<number, { text: string; bytes: number[] }>();
  private readonly head: WithClassificationHead | null;
  private readonly handles = new Set<{ cancel(): void }>();
  private readonly stopTokenIds: readonly number[];
  private closed = false;

  constructor(
    readonly model: CausalLM,
    readonly tokenizer: EngineTokenizer,
    opts: ModelEngineOptions,
  ) {
    this.tok = specialAware(tokenizer);
    this.scheduler = new Scheduler(model, this.tok, {
      maxBatch: opts.maxBatch ?? 16,
      maxQueue: opts.maxQueue ?? 64,
      ...(opts.prefillChunk !== undefined ? { prefillChunk: opts.prefillChunk } : {}),
    });
    this.head = classificationHeadOf(model);
    this.stopTokenIds = opts.stopTokenIds ?? [];
    let memoryBytes = 0;
    const params = (model as { parameters?: () => Tensor[] }).parameters?.() ?? [];
    for (const p of params) memoryBytes += p.data.byteLength;
    const cfg = tokenizer.config ?? {};
    this.info = {
      id: opts.id,
      architecture: model.config.architecture,
      contextLength: model.config.contextLength,
      vocabSize: model.config.vocabSize,
      chatTemplate: cfg.chatTemplate ?? null,
      bosToken: cfg.bosToken ?? null,
      eosToken: cfg.eosToken ?? null,
      builtIn: opts.builtIn ?? false,
      classifierLabels: this.head ? headLabels(this.head) : null,
      memoryBytes,
      created: Math.floor(Date.now() / 1000),
    };
    this.scheduler.start();
  }

  /** Text and UTF-8 bytes of one token, as it decodes on its own. */
  private tokenText(id: number): { text: string; bytes: number[] } {
    let t = this.texts.get(id);
    if (!t) {
      const text = this.tokenizer.decode([id]);
      t = { text, bytes: [...Buffer.from(text, 'utf8')] };
      if (this.texts.size < 200_000) this.texts.set(id, t);
    }
    return t;
  }

  private toLogprob(lp: GenLogprob | null, id: number): TokenLogprob {
    const t = this.tokenText(id);
    if (!lp) return { id, text: t.text, bytes: t.bytes, logprob: null };
    const out: TokenLogprob = { id, text: t.text, bytes: t.bytes, logprob: lp.logprob };
    if (!lp.top) return out;
    return { ...out, top: lp.top.map((a) => ({ id: a.token, logprob: a.logprob, ...this.tokenText(a.token) })) };
  }

  private encode(p: PromptInput, addSpecial: boolean): number[] {
    if (typeof p !== 'string') {
      for (const id of p) {
        if (!Number.isInteger(id) || id < 0 || id >= this.info.vocabSize) throw new InvalidArgumentError('generate', 'prompt', `token id ${id} is not in [0, ${this.info.vocabSize})`);
      }
      return [...p];
    }
    const ids = this.tok.encode(p, { addSpecial });
    if (ids.length === 0 && this.tok.bosId !== undefined) return [this.tok.bosId];
    return ids;
  }

  generate(req: GenerateRequest, opts: CallOptions = {}): AsyncIterable<GenerateEvent> {
    const self = this;
    return (async function* () {
      if (self.closed) throw new UnsupportedError('generate', `model '${self.info.id}' is unloading`);
      const ids = self.encode(req.prompt, req.addSpecial ?? true);
      const ctx = self.info.contextLength;
      if (ids.length === 0) throw new InvalidArgumentError('generate', 'prompt', 'is empty and the tokenizer has no BOS token to start from');
      let maxTokens = req.maxTokens;
      if (req.clampToContext) maxTokens = Math.min(maxTokens, ctx - ids.length);
      if (ids.length > ctx || ids.length + maxTokens > ctx || (req.clampToContext && maxTokens < 1)) {
        throw new ContextLengthError(self.info.id, ids.length, req.clampToContext ? 0 : req.maxTokens, ctx);
      }
      const s = req.sampling;
      // A full queue throws QueueFullError here, before anything is sent.
      const handle = self.scheduler.submit({
          prompt: ids,
          maxTokens,
          temperature: s.temperature,
          topP: s.topP,
          ...(s.topK !== undefined ? { topK: s.topK } : {}),
          ...(s.seed !== undefined ? { seed: s.seed } : {}),
          ...(s.presencePenalty ? { presencePenalty: s.presencePenalty } : {}),
          ...(s.frequencyPenalty ? { frequencyPenalty: s.frequencyPenalty } : {}),
          ...(s.logitBias ? { logitBias: checkBias(s.logitBias, self.info.vocabSize) } : {}),
          ...(req.stop && req.stop.length > 0 ? { stop: req.stop } : {}),
          ...(req.logprobs !== null && req.logprobs !== undefined ? { logprobs: req.logprobs } : {}),
          ...(req.echo ? { echo: true } : {}),
          ...(req.ignoreEos ? { ignoreEos: true } : {}),
          ...(self.stopTokenIds.length > 0 ? { stopTokenIds: self.stopTokenIds } : {}),
          ...(req.constraint ? { responseFormat: req.constraint.type === 'json_object' ? { type: 'json' } : { type: 'json_schema', schema: req.constraint.schema } } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      let completion = 0;
      let held = '';
      let started = false;
      self.handles.add(handle);
      try {
      for await (const ev of handle as AsyncIterable<SchedulerEvent>) {
        switch (ev.type) {
          case 'prompt': {
            started = true;
            const prompt = req.echo ? ev.tokens.map((id, i) => self.toLogprob(ev.logprobs?.[i] ?? null, id)) : undefined;
            yield { type: 'start', promptTokens: ev.tokens.length, ...(prompt ? { prompt } : {}) };
            break;
          }
          case 'piece': {
            const p = ev.piece;
            // The end-of-sequence token is not part of the answer: its piece only flushes held text.
            if (p.finishReason === 'eos') {
              held += p.text;
              break;
            }
            completion++;
            const lp = p.logprob !== undefined ? { token: p.token, logprob: p.logprob, ...(p.top ? { top: p.top } : {}) } : null;
            yield { type: 'token', text: p.text, token: self.toLogprob(lp, p.token) };
            break;
          }
          case 'done':
            // Consumers may stop at the end event without resuming us: let go of the handle first.
            self.handles.delete(handle);
            // A request cancelled while it waited for a slot never had its prompt event.
            if (!started) yield { type: 'start', promptTokens: ids.length };
            yield {
              type: 'end',
              finishReason: FINISH[ev.result.finishReason],
              text: held,
              promptTokens: ev.result.usage.promptTokens,
              completionTokens: ev.result.usage.completionTokens,
            };
            return;
          case 'error':
            throw ev.error;
        }
      }
      } finally {
        self.handles.delete(handle);
      }
      // A request cancelled before its first step ends without events.
      if (!started) yield { type: 'start', promptTokens: ids.length };
      yield { type: 'end', finishReason: 'cancelled', text: held, promptTokens: ids.length, completionTokens: completion };
    })();
  }

  async score(reqs: readonly ScoreRequest[], opts: CallOptions = {}): Promise<ScoreResult[]> {
    const pairs = reqs.map((r, i) => {
      if (typeof r.context === 'string' && typeof r.continuation === 'string') return encodePair(this.tok, r.context, r.continuation);
      const context = typeof r.context === 'string' ? this.encode(r.context, false) : [...r.context];
      const continuation = typeof r.continuation === 'string' ? this.encode(r.continuation, false) : [...r.continuation];
      if (context.length === 0) {
        const prefix = this.tok.bosId ?? this.tok.eosIds[0];
        if (prefix === undefined) throw new InvalidArgumentError('score', `requests[${i}].context`, 'is empty and the tokenizer has neither BOS nor EOS to stand in');
        context.push(prefix);
      }
      return { context, continuation };
    });
    // Between requests of a batch the scheduler's decode steps get their turn.
    const out: ScoreResult[] = [];
    for (let i = 0; i < pairs.length; i += 16) {
      if (opts.signal?.aborted) throw new UnsupportedError('score', 'cancelled');
      for (const r of scorePairs(this.model, pairs.slice(i, i + 16), 16)) {
        out.push({
          logprob: r.logprob,
          greedy: r.isGreedy,
          tokens: r.tokens.map((id, k) => this.toLogprob({ token: id, logprob: r.tokenLogprobs[k]! }, id)),
        });
      }
      await new Promise((res) => setImmediate(res));
    }
    return out;
  }

  /** The final hidden state (B, T, C) of right-padded rows, as one array. */
  private lastHidden(rows: number[][]): { data: Float32Array; T: number; C: number } {
    const rt = this.model.rt;
    const T = Math.max(...rows.map((r) => r.length));
    const C = this.model.config.hiddenSize;
    const flat = new Int32Array(rows.length * T);
    rows.forEach((r, b) => flat.set(r, b * T));
    // Right padding needs no mask: causal attention keeps real tokens from seeing the pads after them.
    const data = rt.tidy(() =>
      rt.noGrad(() => {
        const out = this.model.forward(rt.tensor(flat, [rows.length, T], { dtype: 'i32' }), { outputHiddenStates: true, lastOnly: true });
        const h = out.hiddenStates![out.hiddenStates!.length - 1]!;
        return Float32Array.from(h.contiguous().toArray());
      }),
    );
    return { data, T, C };
  }

  private checkInputs(inputs: readonly PromptInput[], op: string): number[][] {
    if (inputs.length === 0) throw new InvalidArgumentError(op, 'input', 'is empty');
    return inputs.map((p, i) => {
      const ids = this.encode(p, true);
      if (ids.length > this.info.contextLength) throw new ContextLengthError(this.info.id, ids.length, 0, this.info.contextLength);
      if (ids.length === 0) throw new InvalidArgumentError(op, `input[${i}]`, 'encodes to no tokens');
      return ids;
    });
  }

  async embed(req: EmbedRequest, opts: CallOptions = {}): Promise<EmbedResult> {
    const all = this.checkInputs(req.inputs, 'embed');
    const embeddings: Float32Array[] = new Array(all.length);
    const C = this.model.config.hiddenSize;
    // Similar lengths together, so padding stays small.
    const order = all.map((_, i) => i).sort((a, b) => all[a]!.length - all[b]!.length);
    for (let s = 0; s < order.length; s += 8) {
      if (opts.signal?.aborted) throw new UnsupportedError('embed', 'cancelled');
      const idx = order.slice(s, s + 8);
      const { data, T } = this.lastHidden(idx.map((i) => all[i]!));
      idx.forEach((i, b) => {
        const len = all[i]!.length;
        const v = new Float32Array(C);
        const from = req.pooling === 'last' ? len - 1 : 0;
        for (let t = from; t < len; t++) {
          const off = (b * T + t) * C;
          // Each position is RMS-normalised first, as the model's final norm would: the residual
          // stream's scale varies wildly between positions (the first token's especially).
          let ss = 0;
          for (let c = 0; c < C; c++) ss += data[off + c]! * data[off + c]!;
          const inv = 1 / Math.sqrt(ss / C + 1e-6);
          for (let c = 0; c < C; c++) v[c]! += data[off + c]! * inv;
        }
        const n = len - from;
        for (let c = 0; c < C; c++) v[c]! /= n;
        if (req.normalize ?? true) {
          let norm = 0;
          for (let c = 0; c < C; c++) norm += v[c]! * v[c]!;
          norm = Math.sqrt(norm) || 1;
          for (let c = 0; c < C; c++) v[c]! /= norm;
        }
        embeddings[i] = v;
      });
      await new Promise((res) => setImmediate(res));
    }
    return { embeddings, promptTokens: all.reduce((s, r) => s + r.length, 0) };
  }

  async classify(inputs: readonly PromptInput[], opts: CallOptions = {}): Promise<ClassifyResult> {
    const head = this.head;
    const labels = this.info.classifierLabels;
    if (!head || !labels) throw new UnsupportedError('classify', `model '${this.info.id}' has no classification head`);
    const all = this.checkInputs(inputs, 'classify');
    const probs: number[][] = new Array(all.length);
    const C = this.model.config.hiddenSize;
    const rt = this.model.rt;
    for (let s = 0; s < all.length; s += 8) {
      if (opts.signal?.aborted) throw new UnsupportedError('classify', 'cancelled');
      const rows = all.slice(s, s + 8);
      const { data, T } = this.lastHidden(rows);
      const last = new Float32Array(rows.length * C);
      rows.forEach((r, b) => last.set(data.subarray((b * T + r.length - 1) * C, (b * T + r.length) * C), b * C));
      const logits = rt.tidy(() => rt.noGrad(() => Float32Array.from(head.score.forward(rt.tensor(last, [rows.length, C])).contiguous().toArray())));
      const L = logits.length / rows.length;
      rows.forEach((_, b) => {
        const x = Array.from(logits.subarray(b * L, (b + 1) * L));
        const m = Math.max(...x);
        const e = x.map((v) => Math.exp(v - m));
        const z = e.reduce((a, c) => a + c, 0);
        probs[s + b] = e.map((v) => v / z);
      });
    }
    return { labels, probs, promptTokens: all.reduce((n, r) => n + r.length, 0) };
  }

  async tokenize(text: string): Promise<number[]> {
    return this.tok.encode(text, { addSpecial: false });
  }

  async stats(): Promise<EngineStats> {
    return { queued: this.scheduler.queued, running: this.scheduler.active };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Cancel what runs or waits, let the loop reap it (each ends with 'cancelled'), then stop the loop.
    for (const h of this.handles) h.cancel();
    for (let i = 0; i < 100 && (this.scheduler.active > 0 || this.scheduler.queued > 0); i++) await new Promise((r) => setImmediate(r));
    await this.scheduler.stop();
  }
}
