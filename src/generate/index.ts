/**
 * Text generation: sampling, the generation loop, streaming, beam search,
 * scoring, constrained (JSON) decoding and the continuous-batching scheduler.
 */
export type {
  FinishReason,
  GenerateOptions,
  GenerateResult,
  Prompt,
  ResponseFormat,
  SamplingOptions,
  StreamingDecoder,
  StreamPiece,
  TextTokenizer,
  TokenLogprob,
  TopLogprob,
  Usage,
} from './types.js';
export { generate, generateBatch, stream, encodePrompt, type GenerationStream } from './generate.js';
export { beamSearch, type BeamOptions, type BeamResult, type BeamHypothesis } from './beam.js';
export { logLikelihood, logLikelihoods, scorePairs, encodePair, promptLogprobs, type LogLikelihood, type ScoreOptions } from './score.js';
export { Scheduler, type SchedulerOptions, type SchedulerRequest, type SchedulerEvent, type RequestHandle } from './scheduler.js';
export { QueueFullError } from './errors.js';
export { Sampler, choiceSeed } from './sampling.js';
export { Sequence, DEFAULT_MAX_TOKENS } from './sequence.js';
export { stepLogits, type RowLogits } from './step.js';
export { StopMatcher } from './stop.js';
export { compileSchema, constraintFor, type ConstraintFactory, type TokenConstraint } from './constrained/index.js';
export * as logitsProcessors from './logits.js';
