/**
 * `lmkit estimate --config FILE`: parameters, FLOPs per token and memory for
 * training and inference, from a training config, before running anything.
 */
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { readTrainConfig, type TrainConfig } from '../../train/config.js';
import { estimate, formatBytes, formatCount, type EstimateModel } from '../../train/estimate.js';
import { resolveModelConfig } from '../../train/model-config.js';

const usage = `lmkit estimate --config FILE [--batch B] [--context T] [--json]

Parameters, FLOPs per token, and memory (weights, gradients, AdamW state,
activations, KV cache) for training and for inference at batch B and
context T (default: the config's training batch size and context).`;

/** The vocabulary size a config's tokenizer will have, without loading data. */
async function vocabSizeOf(cfg: TrainConfig): Promise<number> {
  const fromModel = (cfg.model as { vocabSize?: unknown }).vocabSize;
  if (typeof fromModel === 'number') return fromModel;
  const t = cfg.tokenizer;
  if ('type' in t) return 257;
  if ('train' in t) return t.train.vocabSize;
  const { loadTokenizerFile } = await import('../../train/tokenizer-setup.js');
  return (await loadTokenizerFile(t.path)).vocabSize;
}

const command: Command = {
  summary: 'estimate parameters, FLOPs and memory of a training config',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('estimate', {
      args: argv,
      options: { config: { type: 'string' }, batch: { type: 'string' }, context: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!values.config) throw new UsageError('estimate', '--config FILE is required');
    const cfg = readTrainConfig(values.config);
    const model = resolveModelConfig(cfg, await vocabSizeOf(cfg), values.config);
    const batch = numberFlag('estimate', 'batch', values.batch, { integer: true, min: 1 }) ?? cfg.training.batchSize;
    const context = numberFlag('estimate', 'context', values.context, { integer: true, min: 1 }) ?? cfg.training.contextLength ?? model.config.contextLength;
    if (context > model.config.contextLength) throw new UsageError('estimate', `--context ${context} exceeds the model's context length ${model.config.contextLength}`);
    const e = estimate(model.config as EstimateModel, { batchSize: batch, contextLength: context, activationCheckpointing: cfg.training.activationCheckpointing });
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ architecture: model.config.architecture, ...e }));
      return 0;
    }
    const row = (label: string, t: number, i: number) => `  ${label.padEnd(18)} ${formatBytes(t).padStart(11)}   ${formatBytes(i).padStart(11)}`;
    const lines = [
      `${model.config.architecture}: ${formatCount(e.params.total)} parameters (${e.params.total.toLocaleString('en-US')}; ${formatCount(e.params.embedding)} in embeddings)`,
      `FLOPs per token: ${formatCount(e.flopsPerToken.training)} training, ${formatCount(e.flopsPerToken.inference)} inference (context ${context})`,
      `memory at batch ${batch}, context ${context}${cfg.training.activationCheckpointing ? ', activation checkpointing' : ''}:`,
      `  ${''.padEnd(18)} ${'training'.padStart(11)}   ${'inference'.padStart(11)}`,
      row('weights', e.training.weights, e.inference.weights),
      row('gradients', e.training.gradients, e.inference.gradients),
      row('optimizer (AdamW)', e.training.optimizer, e.inference.optimizer),
      row('activations', e.training.activations, e.inference.activations),
      row('KV cache', e.training.kvCache, e.inference.kvCache),
      row('process', e.training.overhead, e.inference.overhead),
      row('total', e.training.total, e.inference.total),
    ];
    writeLine(io.stdout, lines.join('\n'));
    return 0;
  },
};
export default command;
