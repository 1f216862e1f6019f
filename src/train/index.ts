/** Training: optimizers, schedules, the loop, checkpoints, runs, estimates, evaluation. */
export { AdamW, SGD, clipGradNorm, type Optimizer, type OptimizerState, type ParamGroup, type AdamWConfig, type SgdConfig } from './optimizers.js';
export { learningRate, type ScheduleConfig } from './schedule.js';
export { TrainConfigSchema, parseTrainConfig, readTrainConfig, toConfigIssues, PRESET_NAMES, type TrainConfig, type TrainConfigInput, type PresetName } from './config.js';
export { PRESETS, type Preset } from './presets.js';
export { resolveModelConfig, type ResolvedModel } from './model-config.js';
export { Trainer, type TrainableModel, type TrainerOptions, type TrainerSettings, type TrainResult, type TrainEvent, type TrainStatus, type LoopState, type TrainerCheckpointMeta } from './trainer.js';
export { runTraining, type RunTrainingOptions, type RunTrainingResult, type RunEvent } from './run.js';
export { writeCheckpoint, readCheckpoint, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, type CheckpointContents, type CheckpointTensor } from './checkpoint-file.js';
export { CheckpointDir, checkpointFileName, type CheckpointEntry, type LoadedCheckpoint } from './checkpoints.js';
export { enableActivationCheckpointing } from './activation-checkpointing.js';
export { MetricsLog, type MetricRecord } from './metrics.js';
export { RunRegistry, type RunRecord, type RunStatus, type RunUpdate } from './registry.js';
export { lineChartSvg, lossCurveSvg, lossCurveHtml, niceTicks, type Series } from './plot.js';
export { estimate, countParams, formatBytes, PROCESS_OVERHEAD_BYTES, type Estimate, type EstimateModel, type EstimateOptions, type MemoryBreakdown, type ParamCounts } from './estimate.js';
export { perplexity, slidingWindows, type PerplexityOptions, type PerplexityResult } from './perplexity.js';
export { resolveTokenizer, loadTokenizerFile, type SavableTokenizer } from './tokenizer-setup.js';
export { ProgressBar, progressLine, formatDuration, formatRate } from './progress.js';
