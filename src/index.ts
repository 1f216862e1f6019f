/**
 * lmkit: a TypeScript-native toolkit for transformer language models.
 *
 * @module
 */
export * from './errors.js';
export * from './io/index.js';
export {
  generate, generateBatch, stream, beamSearch, Scheduler, QueueFullError,
  logLikelihood, logLikelihoods, promptLogprobs, perplexity, compileSchema,
  type GenerateOptions, type GenerateResult, type StreamPiece, type FinishReason, type SamplingOptions,
  type ResponseFormat, type TextTokenizer, type TokenLogprob, type BeamOptions, type BeamResult,
  type SchedulerOptions, type SchedulerRequest, type SchedulerEvent, type RequestHandle,
  type LogLikelihood, type Perplexity,
} from './generate/index.js';
