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
import type { TaskPrompts } from './task-prompts.js';

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

export class TranslationPipeline {
  constructor(
    readonly engine: Engine,
    private readonly prompts: TaskPrompts,
  ) {}

  translate(texts: readonly string[], opts: TranslationOptions): Promise<TaskAnswer[]> {
    return answerAll(
      this.engine,
      texts.map((t) => this.prompts.translate(t, opts.source, opts.target)),
      opts,
    );
  }
}

export class SummarizationPipeline {
  constructor(
    readonly engine: Engine,
    private readonly prompts: TaskPrompts,
  ) {}

  summarize(texts: readonly string[], opts: TaskGenerationOptions = {}): Promise<TaskAnswer[]> {
    return answerAll(
      this.engine,
      texts.map((t) => this.prompts.summarize(t)),
      opts,
    );
  }
}
