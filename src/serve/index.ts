/**
 * Serving: the OpenAI-compatible HTTP server, its engines (in-process, worker
 * thread, mock) and API keys.
 */
export { startServer, type ServerOptions, type RunningServer } from './server.js';
export { createApp, type AppOptions } from './app.js';
export {
  collectGeneration,
  ContextLengthError,
  QueueFullError,
  type Engine,
  type EngineStats,
  type GenerateEvent,
  type GenerateRequest,
  type GenerationResult,
  type ModelInfo,
  type OutputConstraint,
  type PromptInput,
  type SamplingOptions,
  type ScoreRequest,
  type ScoreResult,
  type EmbedRequest,
  type EmbedResult,
  type ClassifyResult,
  type TokenLogprob,
  type FinishReason,
  type CallOptions,
} from './engine.js';
export { ModelEngine, type ModelEngineOptions, type EngineTokenizer } from './model-engine.js';
export { openEngine, type OpenEngineOptions } from './open-engine.js';
export { WorkerEngine, workerEngineLoader } from './worker/worker-engine.js';
export { MODEL_MODULE, type ModelModuleOptions } from './worker/model-module.js';
export { ModelPool, type ModelPoolOptions, type Lease } from './model-pool.js';
export { KeyStore, type ApiKeyRecord } from './keys.js';
export { ApiError, toApiError } from './http-errors.js';
export { MockEngine, type MockEngineOptions, type MockCall } from './testing/mock-engine.js';
