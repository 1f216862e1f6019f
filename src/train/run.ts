/**
 * A training run end to end: tokenizer, data shards, model, the loop, the
 * final model folder, the plots and the registry row.
 *
 * The run folder:
 *   run.json        id, name, creation time
 *   config.json     the resolved config (every default filled, the model's full options)
 *   tokenizer/      the tokenizer the run uses (trained or copied), for resuming
 *   data/           token shards, when the config names raw input files
 *   metrics.jsonl   training and evaluation records
 *   checkpoints/    step-NNNNNNNN.ckpt, index.json
 *   model/          the final model as a Hugging Face folder with its tokenizer
 *   loss.svg, loss.html
 *
 * Bad input (config, data, tokenizer) is found before anything is written; a
 * fresh run that fails while setting up removes the folder it created.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { BackendKind } from '../backends/index.js';
import { BatchSampler, openShards, type ShardSet } from '../data/dataset.js';
import { resolveInputs } from '../data/inputs.js';
import { manifestMatches, readManifest, MANIFEST_FILE } from '../data/manifest.js';
import { prepareShards } from '../data/prepare.js';
import type { TextTokenizer } from '../data/text-tokenizer.js';
import { NotFoundError, UsageError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { createModel } from '../models/registry.js';
import { saveModel } from '../models/save.js';
import { createRuntime } from '../tensor/index.js';
import { enableActivationCheckpointing } from './activation-checkpointing.js';
import { CheckpointDir } from './checkpoints.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { MetricsLog } from './metrics.js';
import { resolveModelConfig } from './model-config.js';
import { lossCurveHtml, lossCurveSvg } from './plot.js';
import { RunRegistry } from './registry.js';
import { resolveTokenizer, type SavableTokenizer } from './tokenizer-setup.js';
import { Trainer, type TrainEvent, type TrainerCheckpointMeta, type TrainerSettings, type TrainResult } from './trainer.js';

export type RunEvent =
  | TrainEvent
  | { readonly kind: 'tokenizer'; readonly phase: string; readonly done: number; readonly total: number }
  | { readonly kind: 'prepare'; readonly bytes: number; readonly totalBytes: number }
  | { readonly kind: 'prepared'; readonly tokens: number; readonly mbPerSecond: number; readonly reused: boolean; readonly dir: string }
  | { readonly kind: 'start'; readonly runId: string; readonly params: number; readonly step: number; readonly maxSteps: number; readonly resumedFrom: string | null };

export interface RunTrainingOptions {
  /** Required for a new run; a resumed run reads the config saved in its folder. */
  readonly config?: TrainConfig;
  /** Names the config in error messages (its file). */
  readonly source?: string;
  readonly outDir: string;
  /** Continue the run in outDir from its latest good checkpoint. */
  readonly resume?: boolean;
  /** Overrides training.maxSteps (the short CLI form, or extending a resumed run). */
  readonly maxSteps?: number;
  readonly backend?: BackendKind;
  readonly threads?: number;
  /** The run registry's SQLite file; no registry when absent. */
  readonly registryPath?: string;
  readonly onEvent?: (e: RunEvent) => void;
  readonly shouldStop?: () => boolean;
  readonly warn?: (message: string) => void;
}

export interface RunTrainingResult extends TrainResult {
  readonly runId: string;
  readonly outDir: string;
  readonly modelDir: string | null;
  readonly params: number;
  readonly tokenizingMbPerSecond: number | null;
}

interface RunInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(2).toString('hex')}`;
}

const asList = (x: string | string[] | undefined): string[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Fills the schedule defaults that depend on the run length (kept fixed for the run's life). */
function resolveSettings(cfg: TrainConfig, contextLength: number): TrainerSettings {
  const maxSteps = cfg.training.maxSteps;
  return {
    training: { ...cfg.training, contextLength },
    optimizer: cfg.optimizer,
    schedule: {
      ...cfg.schedule,
      warmupSteps: cfg.schedule.warmupSteps ?? Math.min(100, Math.floor(maxSteps / 10)),
      decaySteps: cfg.schedule.decaySteps ?? maxSteps,
    },
    eval: cfg.eval,
    checkpoint: cfg.checkpoint,
    log: cfg.log,
  };
}

/** Opens the run's shards: a prepared folder as is, or the run's own data/ (re-tokenized only when the inputs changed). */
async function setupData(cfg: TrainConfig, outDir: string, tok: TextTokenizer, emit: (e: RunEvent) => void): Promise<{ shards: ShardSet; mbPerSecond: number | null }> {
  if (cfg.data.shards) {
    const shards = openShards(resolve(cfg.data.shards), { tokenizer: tok });
    emit({ kind: 'prepared', tokens: shards.train.numTokens, mbPerSecond: shards.manifest.stats.mbPerSecond, reused: true, dir: shards.dir });
    return { shards, mbPerSecond: null };
  }
  const dir = join(outDir, 'data');
  const inputs = resolveInputs(asList(cfg.data.train), asList(cfg.data.validation));
  const files = [
    ...inputs.train.map((p) => ({ path: p, split: 'train' as const })),
    ...inputs.validation.map((p) => ({ path: p, split: 'validation' as const })),
  ].map((f) => {
    const st = statSync(f.path);
    return { ...f, bytes: st.size, mtimeMs: st.mtimeMs };
  });
  const opts = {
    field: cfg.data.field,
    docSplit: cfg.data.docSplit,
    separator: cfg.data.separator,
    valFraction: inputs.validation.length ? null : cfg.data.valFraction,
    parseSpecial: cfg.data.parseSpecial,
  };
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const m = readManifest(dir);
    if (m.tokenizer.hash === tok.hash() && manifestMatches(m, files, opts)) {
      const shards = openShards(dir, { tokenizer: tok });
      emit({ kind: 'prepared', tokens: shards.train.numTokens, mbPerSecond: m.stats.mbPerSecond, reused: true, dir });
      return { shards, mbPerSecond: null };
    }
  }
  const manifest = await prepareShards({
    inputs: inputs.train,
    validation: inputs.validation,
    tokenizer: tok,
    outDir: dir,
    ...(cfg.data.format ? { format: cfg.data.format } : {}),
    field: cfg.data.field,
    docSplit: cfg.data.docSplit,
    separator: cfg.data.separator,
    valFraction: cfg.data.valFraction,
    parseSpecial: cfg.data.parseSpecial,
    onProgress: (p) => emit({ kind: 'prepare', bytes: p.bytes, totalBytes: p.totalBytes }),
  });
  emit({ kind: 'prepared', tokens: manifest.splits.train.tokens, mbPerSecond: manifest.stats.mbPerSecond, reused: false, dir });
  return { shards: openShards(dir, { tokenizer: tok }), mbPerSecond: manifest.stats.mbPerSecond };
}

/** Checks the inputs exist before a fresh run creates anything. */
function precheckInputs(cfg: TrainConfig): void {
  if (cfg.data.shards) readManifest(resolve(cfg.data.shards));
  else resolveInputs(asList(cfg.data.train), asList(cfg.data.validation));
}

function readRunFolder(outDir: string): { info: RunInfo; config: TrainConfig } {
  const runPath = join(outDir, 'run.json');
  const cfgPath = join(outDir, 'config.json');
  if (!existsSync(runPath) || !existsSync(cfgPath)) throw new NotFoundError('resume', `no run to resume in ${outDir} (run.json and config.json missing); start one without --resume`);
  const info = JSON.parse(readFileSync(runPath, 'utf8')) as RunInfo;
  const config = parseTrainConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), cfgPath);
  return { info, config };
}

export async function runTraining(o: RunTrainingOptions): Promise<RunTrainingResult> {
  const outDir = resolve(o.outDir);
  const emit = (e: RunEvent) => o.onEvent?.(e);
  const warn = (m: string) => (o.warn ? o.warn(m) : emit({ kind: 'message', text: m }));
  const source = o.source ?? 'config';
  let info: RunInfo;
  let cfg: TrainConfig;
  const createdDir = !existsSync(outDir);
  if (o.resume) {
    ({ info, config: cfg } = readRunFolder(outDir));
  } else {
    if (existsSync(join(outDir, 'run.json'))) {
      const prev = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as RunInfo;
      throw new UsageError('train', `${outDir} already holds run ${prev.id}; add --resume to continue it, or choose another --out`);
    }
    if (!createdDir && readdirSync(outDir).length > 0) throw new UsageError('train', `${outDir} exists and is not empty; choose a new folder for the run`);
    if (!o.config) throw new UsageError('train', 'a new run needs a config');
    cfg = o.config;
    precheckInputs(cfg);
    info = { id: newRunId(), name: cfg.name ?? basename(outDir), createdAt: new Date().toISOString() };
  }
  if (o.maxSteps !== undefined) cfg = { ...cfg, training: { ...cfg.training, maxSteps: o.maxSteps } };

  let shards: ShardSet | null = null;
  let registry: RunRegistry | null = null;
  let started = false;
  try {
    mkdirSync(outDir, { recursive: true });
    const tokenizerDir = join(outDir, 'tokenizer');
    const tok: SavableTokenizer = await resolveTokenizer(cfg.tokenizer, {
      runTokenizerDir: tokenizerDir,
      resume: o.resume ?? false,
      trainInputs: asList(cfg.data.train),
      field: cfg.data.field,
      ...(cfg.data.format ? { format: cfg.data.format } : {}),
      warn,
      onProgress: (p) => emit({ kind: 'tokenizer', phase: p.phase, done: p.done, total: p.total }),
    });
    const model = resolveModelConfig(cfg, tok.vocabSize, source);
    const data = await setupData(cfg, outDir, tok, emit);
    shards = data.shards;
    const contextLength = cfg.training.contextLength ?? model.config.contextLength;
    const abs = (x: string | string[] | undefined) => (x === undefined ? undefined : asList(x).map((p) => resolve(p)));
    const dataPaths = { train: abs(cfg.data.train), validation: abs(cfg.data.validation), shards: cfg.data.shards && resolve(cfg.data.shards) };
    const resolved: TrainConfig = {
      ...cfg,
      // Paths are stored absolute so a resumed run finds its inputs from any working folder.
      data: { ...cfg.data, ...Object.fromEntries(Object.entries(dataPaths).filter(([, v]) => v !== undefined)) },
      tokenizer: 'path' in cfg.tokenizer && cfg.tokenizer.path !== 'bytes' ? { path: resolve(cfg.tokenizer.path) } : cfg.tokenizer,
      model: model.options,
      training: { ...cfg.training, contextLength },
      schedule: { ...cfg.schedule, ...resolveSettings(cfg, contextLength).schedule },
    };
    // The stored config carries the resolved warmup and decay horizon, so a resumed run keeps its schedule.
    const settings = resolveSettings(resolved, contextLength);
    const rt = createRuntime({
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      seed: cfg.seed,
      warn,
    });
    const lm = createModel(rt, model.config);
    if (cfg.training.activationCheckpointing) enableActivationCheckpointing(lm);
    const params = lm.numParameters();
    const sampler = new BatchSampler(shards.train, { batchSize: settings.training.batchSize, context: contextLength, mode: cfg.data.sampling, seed: cfg.seed + 1 });
    const validation = shards.validation.numTokens > contextLength ? shards.validation : null;
    if (!validation && shards.validation.numTokens > 0) warn(`validation split has ${shards.validation.numTokens} tokens, too few for a context of ${contextLength}; no evaluation`);
    const checkpoints = new CheckpointDir(join(outDir, 'checkpoints'), cfg.checkpoint.keepLast, cfg.checkpoint.keepBest);
    const metrics = new MetricsLog(join(outDir, 'metrics.jsonl'));
    const trainer = new Trainer({
      rt,
      model: lm,
      train: sampler,
      validation,
      settings,
      checkpoints,
      metrics,
      extraMeta: { runId: info.id },
      onEvent: emit,
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    });
    let resumedFrom: string | null = null;
    if (o.resume) {
      const latest = checkpoints.loadLatest<TrainerCheckpointMeta>();
      for (const s of latest.skipped) {
        warn(`refusing checkpoint ${s.file}: ${s.reason}; kept as ${s.file}.corrupt`);
        renameSync(join(checkpoints.dir, s.file), join(checkpoints.dir, `${s.file}.corrupt`));
      }
      trainer.restore(latest.contents);
      checkpoints.discardAfter(latest.entry.step);
      metrics.truncateAfter(latest.entry.step);
      metrics.append({ kind: 'resume', step: latest.entry.step, checkpoint: latest.entry.file });
      resumedFrom = latest.entry.file;
    } else {
      writeFileAtomicSync(join(outDir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
    }
    writeFileAtomicSync(join(outDir, 'config.json'), JSON.stringify({ ...resolved, schedule: settings.schedule }, null, 2) + '\n');
    if (o.registryPath) {
      registry = new RunRegistry(o.registryPath);
      if (registry.dirOf(info.id) !== null && registry.dirOf(info.id) !== outDir) {
        // A copied run folder continues as a run of its own.
        info = { ...info, id: newRunId() };
        writeFileAtomicSync(join(outDir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
      }
      registry.upsert({ id: info.id, name: info.name, dir: outDir, config: { ...resolved, schedule: settings.schedule }, architecture: model.config.architecture, params });
    }
    started = true;
    emit({ kind: 'start', runId: info.id, params, step: trainer.state.step, maxSteps: settings.training.maxSteps, resumedFrom });
    const result = await trainer.run();
    let modelDir: string | null = null;
    if (result.status !== 'interrupted') {
      modelDir = join(outDir, 'model');
      lm.eval();
      await saveModel(lm, modelDir, { tokenizer: tok });
    }
    const title = `${info.name} (${info.id})`;
    const svg = lossCurveSvg(metrics.read(), title);
    writeFileAtomicSync(join(outDir, 'loss.svg'), svg);
    writeFileAtomicSync(join(outDir, 'loss.html'), lossCurveHtml(svg, title, { status: result.status, steps: result.steps, 'train loss': result.trainLoss, 'validation loss': result.valLoss, 'tokens/s': result.tokensPerSecond, parameters: params }));
    registry?.update(info.id, {
      status: result.status,
      steps: result.steps,
      tokens: result.tokens,
      trainLoss: result.trainLoss,
      valLoss: result.valLoss,
      bestValLoss: result.bestValLoss,
      tokensPerSecond: result.tokensPerSecond,
      elapsedSeconds: result.elapsed,
    });
    return { ...result, runId: info.id, outDir, modelDir, params, tokenizingMbPerSecond: data.mbPerSecond };
  } catch (e) {
    if (started) registry?.update(info.id, { status: 'failed' });
    else if (!o.resume) {
      // Nothing of a run that never started stays behind (the folder was new or empty).
      rmSync(outDir, { recursive: true, force: true });
      if (!createdDir) mkdirSync(outDir);
    }
    throw e;
  } finally {
    shards?.close();
    registry?.close();
  }
}
