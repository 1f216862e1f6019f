/**
 * The generation tasks: translation and summarization. Each asks the model
 * with the task's prompt (the built-in model's canonical one, or a generic
 * instruction) in its chat template, decodes greedily, and returns the
 * trimmed answer. Several inputs are submitted at once, so the scheduler
 * batches them.
 */
import type { CallOptions, Engine } from '../serve/engine.js';
import type { ChatMessage } from './chat-template.js';
import { ChatPipeline } from './chat.js';
import { EnginePipeline } from './base.js';
import { promptsFor, type TaskPrompts } from './task-prompts.js';

export interface TaskGenerationOptions extends CallOptions {
  /** Most tokens per answer (default 256, capped by the context). */
  readonly maxTokens?: number;
}

export interface TaskAnswer {
  readonly text: string;
  readonly finishReason: 'stop' | 'length' | 'tool_calls' | 'cancelled';
  readonly promptTokens: number;
  readonly completionTokens: number;
}

async function answerAll(engine: Engine, turns: readonly ChatMessage[][], opts: TaskGenerationOptions): Promise<TaskAnswer[]> {
  const chat = new ChatPipeline(engine);
  return Promise.all(
    turns.map(async (messages) => {
      const r = await chat.chat(messages, {
        sampling: { temperature: 0 },
        ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return { text: (r.message.content ?? '').trim(), finishReason: r.finishReason, promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens };
    }),
  );
}

export interface TranslationOptions extends TaskGenerationOptions {
  /** Language codes, e.g. 'en', 'es'. */
  readonly source: string;
  readonly target: string;
}

export class TranslationPipeline extends EnginePipeline {
  constructor(
    engine: Engine,
    private readonly prompts: TaskPrompts = promptsFor(engine.info),
    owned = false,
  ) {
    super(engine, owned);
  }

  /** Translates one text, or each of several, from `source` to `target` (language codes). */
  translate(text: string, opts: TranslationOptions): Promise<TaskAnswer>;
  translate(texts: readonly string[], opts: TranslationOptions): Promise<TaskAnswer[]>;
  async translate(input: string | readonly string[], opts: TranslationOptions): Promise<TaskAnswer | TaskAnswer[]> {
    const texts = typeof input === 'string' ? [input] : input;
    const out = await answerAll(
      this.engine,
      texts.map((t) => this.prompts.translate(t, opts.source, opts.target)),
      opts,
    );
    return typeof input === 'string' ? out[0]! : out;
  }
}

export class SummarizationPipeline extends EnginePipeline {
  constructor(
    engine: Engine,
    private readonly prompts: TaskPrompts = promptsFor(engine.info),
    owned = false,
  ) {
    super(engine, owned);
  }

  /** A one-line summary of one text, or of each of several. */
  summarize(text: string, opts?: TaskGenerationOptions): Promise<TaskAnswer>;
  summarize(texts: readonly string[], opts?: TaskGenerationOptions): Promise<TaskAnswer[]>;
  async summarize(input: string | readonly string[], opts: TaskGenerationOptions = {}): Promise<TaskAnswer | TaskAnswer[]> {
    const texts = typeof input === 'string' ? [input] : input;
    const out = await answerAll(
      this.engine,
      texts.map((t) => this.prompts.summarize(t)),
      opts,
    );
    return typeof input === 'string' ? out[0]! : out;
  }
}
