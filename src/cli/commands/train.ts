/**
 * `lmkit train`: train a model from a config file, or from data with a preset.
 * Ctrl-C stops after the current step, writes a checkpoint and exits 130;
 * `--resume` continues from the last good checkpoint.
 */
import { join } from 'node:path';
import { numberFlag, parseFlags, writeLine, type CliIo, type Command } from '../command.js';
import { settingsFromEnv } from '../env.js';
import { UsageError } from '../../errors.js';
import { parseTrainConfig, readTrainConfig, PRESET_NAMES, type PresetName, type TrainConfig } from '../../train/config.js';
import { PRESETS } from '../../train/presets.js';
import { ProgressBar, formatDuration, formatRate } from '../../train/progress.js';
import { runTraining, type RunEvent } from '../../train/run.js';

const usage = `lmkit train --config FILE --out DIR [flags]
lmkit train --data PATH... --out DIR [--preset tiny|small] [flags]
lmkit train --out DIR --resume [--max-steps N]

  --config FILE       training config (JSON or YAML); see docs/training.md
  --data PATH         text, JSONL or CSV files or folders (repeatable); a folder with
                      train.* and valid.* files gives both splits
  --val-data PATH     validation files (default: --val-fraction of the data)
  --val-fraction F    share of the data held out for validation (default 0.01)
  --field NAME        JSONL field / CSV column holding the text (default text)
  --preset NAME       tiny (default) or small: model size and training settings
  --tokenizer T       a tokenizer folder or file, or 'bytes' (default: the preset's)
  --out DIR           the run folder (metrics, checkpoints, final model)
  --max-steps N       optimizer steps; with --resume, continue up to N
  --resume            continue the run in --out from its latest good checkpoint
  --threads N         threads for the native backend
  --json              print a JSON summary as the last line
Environment: LMKIT_BACKEND, LMKIT_THREADS, LMKIT_HOME (run registry: $LMKIT_HOME/runs.db).`;

function shortFormConfig(values: Record<string, unknown>, data: string[], valData: string[]): TrainConfig {
  const preset = (values.preset as string | undefined) ?? 'tiny';
  if (!PRESET_NAMES.includes(preset as PresetName)) throw new UsageError('train', `--preset must be one of ${PRESET_NAMES.join(', ')}, got '${preset}'`);
  const p = PRESETS[preset as PresetName];
  const tokFlag = values.tokenizer as string | undefined;
  const tokenizer = tokFlag === undefined ? p.run.tokenizer : tokFlag === 'bytes' ? { type: 'bytes' as const } : { path: tokFlag };
  const valFraction = numberFlag('train', 'val-fraction', values['val-fraction'] as string | undefined, { min: 0, max: 0.99 });
  return parseTrainConfig(
    {
      ...p.run,
      tokenizer,
      model: { preset },
      data: {
        train: data,
        ...(valData.length ? { validation: valData } : {}),
        ...(values.field ? { field: values.field } : {}),
        ...(valFraction !== undefined ? { valFraction } : {}),
      },
    },
    `preset ${preset}`,
  );
}

function reporter(io: CliIo, bar: ProgressBar, json: boolean) {
  return (e: RunEvent) => {
    switch (e.kind) {
      case 'tokenizer':
        if (e.phase === 'merge' && e.done === e.total) bar.message(`tokenizer: trained ${e.total} merges`);
        break;
      case 'prepare':
        bar.message(`tokenizing: ${(e.bytes / 1e6).toFixed(1)} of ${(e.totalBytes / 1e6).toFixed(1)} MB`);
        break;
      case 'prepared':
        bar.message(e.reused ? `data: ${e.tokens.toLocaleString('en-US')} training tokens in ${e.dir}` : `data: tokenized ${e.tokens.toLocaleString('en-US')} training tokens at ${e.mbPerSecond.toFixed(2)} MB/s into ${e.dir}`);
        break;
      case 'start':
        bar.message(`run ${e.runId}: ${e.params.toLocaleString('en-US')} parameters, ${e.resumedFrom ? `resuming from ${e.resumedFrom} at step ${e.step}` : 'from step 0'} to ${e.maxSteps}`);
        break;
      case 'step':
        bar.update(e);
        break;
      case 'eval':
        bar.message(`step ${e.step}: validation loss ${e.valLoss.toFixed(4)} (perplexity ${e.perplexity.toFixed(2)})${e.improved ? '' : ', no improvement'}`);
        break;
      case 'checkpoint':
        if (!json) bar.message(`step ${e.step}: checkpoint ${e.file}`);
        break;
      case 'message':
        bar.message(e.text);
        break;
    }
  };
}

const command: Command = {
  summary: 'train a GPT-2 or Llama-family model from a config or a preset',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('train', {
      args: argv,
      options: {
        config: { type: 'string' },
        data: { type: 'string', multiple: true },
        'val-data': { type: 'string', multiple: true },
        'val-fraction': { type: 'string' },
        field: { type: 'string' },
        preset: { type: 'string' },
        tokenizer: { type: 'string' },
        out: { type: 'string' },
        'max-steps': { type: 'string' },
        resume: { type: 'boolean' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const out = values.out;
    if (!out) throw new UsageError('train', '--out DIR is required (the run folder)');
    const maxSteps = numberFlag('train', 'max-steps', values['max-steps'], { integer: true, min: 1 });
    const threads = numberFlag('train', 'threads', values.threads, { integer: true, min: 1 });
    const data = values.data ?? [];
    let config: TrainConfig | undefined;
    let source = 'config';
    if (values.resume) {
      if (values.config || data.length || values.preset) throw new UsageError('train', '--resume continues the run in --out with its saved config; leave out --config, --data and --preset');
    } else if (values.config) {
      if (data.length || values.preset) throw new UsageError('train', 'give either --config or --data/--preset, not both');
      config = readTrainConfig(values.config);
      source = values.config;
    } else if (data.length) {
      config = shortFormConfig(values, data, values['val-data'] ?? []);
    } else throw new UsageError('train', 'needs --config FILE, or --data PATH with --out DIR, or --out DIR --resume');

    const settings = settingsFromEnv(io.env);
    const json = values.json ?? false;
    const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
    const bar = new ProgressBar(stderr, config?.log.every ?? 10);
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) bar.message('interrupt: stopping after this step and writing a checkpoint (Ctrl-C again to quit at once)');
      else process.exit(130);
    };
    process.on('SIGINT', onSigint);
    try {
      const r = await runTraining({
        ...(config ? { config } : {}),
        source,
        outDir: out,
        resume: values.resume ?? false,
        ...(maxSteps !== undefined ? { maxSteps } : {}),
        backend: settings.backend,
        ...((threads ?? settings.threads) !== undefined ? { threads: threads ?? settings.threads! } : {}),
        registryPath: join(settings.home, 'runs.db'),
        onEvent: reporter(io, bar, json),
        shouldStop: () => interrupts > 0,
      });
      bar.done();
      const summary = {
        run_id: r.runId,
        status: r.status,
        steps: r.steps,
        train_loss: r.trainLoss,
        val_loss: r.valLoss,
        best_val_loss: r.bestValLoss,
        perplexity: r.valLoss === null ? null : Math.exp(r.valLoss),
        tokens: r.tokens,
        tokens_per_second: r.tokensPerSecond,
        elapsed_s: r.elapsed,
        params: r.params,
        tokenizing_mb_per_second: r.tokenizingMbPerSecond,
        out: r.outDir,
        model: r.modelDir,
      };
      if (json) writeLine(io.stdout, JSON.stringify(summary));
      else {
        const lines = [
          `${r.status === 'interrupted' ? 'interrupted' : r.status === 'stopped_early' ? 'stopped early' : 'done'} at step ${r.steps}: train loss ${r.trainLoss?.toFixed(4) ?? '-'}, validation loss ${r.valLoss?.toFixed(4) ?? '-'}${r.valLoss !== null ? ` (perplexity ${Math.exp(r.valLoss).toFixed(2)})` : ''}`,
          `${formatRate(r.tokensPerSecond)} tokens/s over ${r.tokens.toLocaleString('en-US')} tokens in ${formatDuration(r.elapsed)}`,
          r.modelDir ? `model: ${r.modelDir}` : `resume with: lmkit train --out ${out} --resume`,
          `run: ${r.runId} (lmkit runs show ${r.runId})`,
        ];
        writeLine(io.stdout, lines.join('\n'));
      }
      return r.status === 'interrupted' ? 130 : 0;
    } finally {
      bar.done();
      process.off('SIGINT', onSigint);
    }
  },
};
export default command;
