/**
 * lmkit: a TypeScript-native toolkit for transformer language models.
 *
 * @module
 */
export * from './errors.js';
export {
  createRuntime, Runtime, Tensor, backward, grad, defineOp, Rng, ops,
  DTYPES, isQuantized, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16,
  type RuntimeOptions, type TensorOptions, type NestedArray, type TensorLike, type VjpContext, type OpSpec,
  type DType, type FloatDType, type QuantDType, type TypedArray,
} from './tensor/index.js';
export { createBackend, createJsBackend, type Backend, type BackendKind, type BackendChoice, type View } from './backends/index.js';
export * from './io/index.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './tokenizers/index.js';
export {
  writeCorpus, generateCorpus, loadSplit, readManifest, splitCounts, heldOutTemplates,
  buildPrompt, renderTrainingText, renderChatML, renderGenerationPrompt, promptMessages,
  translatePrompt, sentimentPrompt, summaryPrompt, supportSystemPrompt, parseSentiment,
  SUPPORT_SYSTEM, TASK_PROMPTS, SPECIAL_TOKENS, CORPUS_TASKS, CORPUS_SPLITS, SENTIMENTS,
  type CorpusRecord, type CorpusTask, type CorpusSplit, type CorpusLang, type Sentiment,
  type CorpusOptions, type CorpusManifest, type WriteCorpusOptions, type HeldOutTemplate,
} from './data/corpus/index.js';
export {
  corpusChrF, sentenceChrF, chrfStatistics, chrfFromStatistics, accuracy,
  factRecall, factMatch, allFactsStated, factTokens, type ChrfOptions,
} from './eval/metrics/index.js';
export {
  generate, generateBatch, stream, beamSearch, Scheduler, QueueFullError,
  logLikelihood, logLikelihoods, promptLogprobs, compileSchema,
  type GenerateOptions, type GenerateResult, type StreamPiece, type FinishReason, type SamplingOptions,
  type ResponseFormat, type TextTokenizer as GenerationTokenizer, type TokenLogprob, type BeamOptions, type BeamResult,
  type SchedulerOptions, type SchedulerRequest, type SchedulerEvent, type RequestHandle,
  type LogLikelihood,
} from './generate/index.js';
export {
  pipeline, PIPELINE_TASKS, ChatPipeline, ChatTemplate, CHATML_TEMPLATE, SentimentPipeline, TranslationPipeline,
  SummarizationPipeline, TextGenerationPipeline, EmbeddingsPipeline, cosineSimilarity, parseToolCalls, promptsFor,
  type PipelineTask, type PipelineTypes, type PipelineOptions, type ChatMessage, type ChatReply, type ChatOptions,
  type ToolCall, type ToolSpec, type ToolChoice, type SentimentResult, type SentimentOptions, type TaskAnswer,
  type TranslationOptions, type EmbeddingOptions, type GenerationOptions, type GenerationOutput,
} from './pipelines/index.js';
export {
  startServer, createApp, ModelEngine, openEngine, WorkerEngine, workerEngineLoader, MODEL_MODULE, ModelPool, KeyStore, ApiError,
  MockEngine, ContextLengthError, collectGeneration,
  type ServerOptions, type RunningServer, type Engine, type GenerateEvent, type GenerateRequest, type ModelInfo,
  type OpenEngineOptions, type ApiKeyRecord, type MockEngineOptions,
} from './serve/index.js';
export {
  ByteTokenizer, readDocuments, detectFormat, resolveInputs, prepareShards, openShards, TokenSplit, BatchSampler, evalBatches,
  TokenShard, ShardWriter, bytesPerToken, checkTokenizer, manifestMatches, readManifest as readShardManifest,
  type TextTokenizer, type DocPiece, type DocSplit, type SourceFormat, type SourceOptions, type ShardManifest, type PrepareOptions,
  type ShardSet, type Batch, type SamplerState, type SamplerOptions,
} from './data/index.js';
export * from './train/index.js';
export * from './models/gguf/index.js';
export { convertModel, outputFormat, type ConvertOptions, type ConvertResult, type ConvertDType } from './models/convert.js';
export { loadNativeBackend, nativeIsas, type NativeBackend, type NativeOptions, type Isa } from './backends/native/index.js';
export { evaluateOnCorpus, type CorpusEvalResult, type CorpusEvalOptions, type TaskScore, type Score } from './eval/corpus-eval.js';
