/**
 * Named starting points: `tiny` (seconds to minutes on a laptop CPU, for
 * trying things out) and `small` (a few million parameters, a real if modest
 * model). Both are Llama-family models; the short CLI form
 * `lmkit train --data PATH --out DIR --preset NAME` uses their training
 * settings as well.
 */
import type { PresetName, TrainConfigInput } from './config.js';

export interface Preset {
  /** Model options (vocabulary size and context come from the tokenizer and the training context). */
  readonly model: Record<string, unknown> & { readonly architecture: 'gpt2' | 'llama' };
  /** Defaults for the rest of the config in the short CLI form. */
  readonly run: Omit<TrainConfigInput, 'model' | 'data'>;
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    model: { architecture: 'llama', hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 176, contextLength: 64, tieWordEmbeddings: true },
    run: {
      tokenizer: { type: 'bytes' },
      training: { maxSteps: 200, batchSize: 8, contextLength: 64 },
      optimizer: { lr: 3e-3, weightDecay: 0.1 },
      schedule: { warmupSteps: 20 },
      eval: { every: 50, batches: 8 },
      checkpoint: { every: 50 },
      log: { every: 10 },
    },
  },
  small: {
    model: { architecture: 'llama', hiddenSize: 256, numLayers: 4, numHeads: 8, numKvHeads: 4, intermediateSize: 688, contextLength: 256, tieWordEmbeddings: true },
    run: {
      tokenizer: { train: { vocabSize: 4096 } },
      training: { maxSteps: 2000, batchSize: 8, contextLength: 256 },
      optimizer: { lr: 1e-3, weightDecay: 0.1 },
      schedule: { warmupSteps: 100 },
      eval: { every: 200, batches: 20 },
      checkpoint: { every: 200 },
      log: { every: 10 },
    },
  },
};
