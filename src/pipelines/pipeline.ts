/**
 * `pipeline(task, { model })`: one call from a task name to a ready pipeline,
 * as in transformers.js, with the task selecting the returned type.
 *
 * @example
 * ```ts
 * const sentiment = await pipeline('sentiment-analysis', { model: 'default' });
 * const { label, score } = await sentiment.classify('Warm, dry and light: great boots.');
 * await sentiment.close();
 * ```
 *
 * `model` is a model reference (a folder, a GGUF file, 'default' or a
 * registered name: loaded in this process, and unloaded by `close()`), a
 * model and tokenizer already loaded, or any Engine (a server's, a mock).
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM } from '../models/types.js';
import type { Engine } from '../serve/engine.js';
import { ModelEngine, type EngineTokenizer } from '../serve/model-engine.js';
import { openEngine, type OpenEngineOptions } from '../serve/open-engine.js';
import { ChatPipeline } from './chat.js';
import { SentimentPipeline } from './sentiment.js';
import { SummarizationPipeline, TranslationPipeline } from './text-tasks.js';
import { EmbeddingsPipeline, TextGenerationPipeline } from './text-generation.js';

export interface PipelineTypes {
  'text-generation': TextGenerationPipeline;
  chat: ChatPipeline;
  translation: TranslationPipeline;
  'sentiment-analysis': SentimentPipeline;
  summarization: SummarizationPipeline;
  embeddings: EmbeddingsPipeline;
}

export type PipelineTask = keyof PipelineTypes;

export const PIPELINE_TASKS: readonly PipelineTask[] = ['text-generation', 'chat', 'translation', 'sentiment-analysis', 'summarization', 'embeddings'];

export type ModelInput = string | Engine | { readonly model: CausalLM; readonly tokenizer: EngineTokenizer; readonly id?: string };

export interface PipelineOptions extends Omit<OpenEngineOptions, 'id'> {
  readonly model: ModelInput;
}

const builders: { [T in PipelineTask]: (engine: Engine, owned: boolean) => PipelineTypes[T] } = {
  'text-generation': (e, o) => new TextGenerationPipeline(e, o),
  chat: (e, o) => new ChatPipeline(e, o),
  translation: (e, o) => new TranslationPipeline(e, undefined, o),
  'sentiment-analysis': (e, o) => new SentimentPipeline(e, undefined, o),
  summarization: (e, o) => new SummarizationPipeline(e, undefined, o),
  embeddings: (e, o) => new EmbeddingsPipeline(e, o),
};

function isEngine(x: unknown): x is Engine {
  return typeof x === 'object' && x !== null && 'info' in x && typeof (x as Engine).generate === 'function';
}

export async function pipeline<T extends PipelineTask>(task: T, opts: PipelineOptions): Promise<PipelineTypes[T]> {
  const build = builders[task] as ((e: Engine, owned: boolean) => PipelineTypes[T]) | undefined;
  if (!build) throw new InvalidArgumentError('pipeline', 'task', `unknown task '${String(task)}'; one of ${PIPELINE_TASKS.join(', ')}`);
  const m = opts.model;
  if (typeof m === 'string') {
    const { model: _, ...rest } = opts;
    return build(await openEngine(m, rest), true);
  }
  if (isEngine(m)) return build(m, false);
  if (typeof m === 'object' && m !== null && 'model' in m && 'tokenizer' in m) {
    const engine = new ModelEngine(m.model, m.tokenizer, {
      id: m.id ?? 'model',
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      ...(opts.maxQueue !== undefined ? { maxQueue: opts.maxQueue } : {}),
    });
    return build(engine, true);
  }
  throw new InvalidArgumentError('pipeline', 'model', 'expected a model reference, an Engine, or { model, tokenizer }');
}
