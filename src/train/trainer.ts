/**
 * The training loop: micro-batches with gradient accumulation, AdamW with
 * warmup + decay and gradient clipping, periodic evaluation with early
 * stopping, checkpoints every N steps and on interruption.
 *
 * Exact resume: a checkpoint holds the weights, the optimizer's moments and
 * step, the runtime RNG (dropout seeds), the sampler's state (data order) and
 * the loop's counters. The learning rate is a pure function of the step.
 * Evaluation draws no random numbers and reads its own fixed batches, so a
 * resumed run computes exactly the losses of an uninterrupted one.
 *
 * Each micro-step runs inside `rt.tidy()`: activations and gradients of
 * intermediates return to the buffer pool, so memory stays flat.
 */
import { InvalidArgumentError } from '../errors.js';
import type { BatchSampler, SamplerState, TokenSplit } from '../data/dataset.js';
import { evalBatches } from '../data/dataset.js';
import type { CausalLM } from '../models/types.js';
import type { Module } from '../nn/module.js';
import { crossEntropy } from '../tensor/ops/nn.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CheckpointContents, CheckpointTensor } from './checkpoint-file.js';
import type { CheckpointDir } from './checkpoints.js';
import type { TrainConfig } from './config.js';
import type { MetricsLog } from './metrics.js';
import { AdamW, clipGradNorm, type OptimizerState } from './optimizers.js';
import { learningRate } from './schedule.js';

export type TrainableModel = CausalLM & Module;

/** The loop's settings: the config's sections with every default resolved. */
export interface TrainerSettings {
  readonly training: TrainConfig['training'] & { readonly contextLength: number };
  readonly optimizer: TrainConfig['optimizer'];
  readonly schedule: TrainConfig['schedule'] & { readonly warmupSteps: number; readonly decaySteps: number };
  readonly eval: TrainConfig['eval'];
  readonly checkpoint: TrainConfig['checkpoint'];
  readonly log: TrainConfig['log'];
}

/** Loop counters saved in every checkpoint. */
export interface LoopState {
  readonly step: number;
  readonly tokens: number;
  /** Seconds spent in training steps (excluding evaluation and checkpoint writes). */
  readonly trainSeconds: number;
  readonly elapsed: number;
  readonly bestValLoss: number | null;
  readonly lastValLoss: number | null;
  readonly badEvals: number;
  /** Step of the last evaluation. */
  readonly evalStep: number | null;
}

export interface TrainerCheckpointMeta {
  readonly loop: LoopState;
  readonly rng: readonly (number | null)[];
  readonly sampler: SamplerState;
  readonly optimizer: { readonly kind: 'adamw'; readonly step: number; readonly params: readonly string[] };
  /** Whatever the caller adds (resolved config, run id). */
  readonly extra: unknown;
}

export type TrainStatus = 'completed' | 'stopped_early' | 'interrupted';

export interface TrainResult {
  readonly status: TrainStatus;
  readonly steps: number;
  /** Mean training loss over the last logging window. */
  readonly trainLoss: number | null;
  readonly valLoss: number | null;
  readonly bestValLoss: number | null;
  readonly tokens: number;
  readonly tokensPerSecond: number;
  readonly elapsed: number;
}

export type TrainEvent =
  | { readonly kind: 'step'; readonly step: number; readonly maxSteps: number; readonly loss: number; readonly lr: number; readonly gradNorm: number; readonly tokensPerSecond: number; readonly eta: number; readonly valLoss: number | null }
  | { readonly kind: 'eval'; readonly step: number; readonly valLoss: number; readonly perplexity: number; readonly improved: boolean }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly file: string }
  | { readonly kind: 'message'; readonly text: string };

export interface TrainerOptions {
  readonly rt: Runtime;
  readonly model: TrainableModel;
  readonly train: BatchSampler;
  readonly validation: TokenSplit | null;
  readonly settings: TrainerSettings;
  readonly checkpoints: CheckpointDir;
  readonly metrics: MetricsLog;
  /** Stored in each checkpoint's meta as `extra`. */
  readonly extraMeta?: unknown;
  readonly onEvent?: (e: TrainEvent) => void;
  /** Polled between steps; true stops the run after a checkpoint (Ctrl-C). */
  readonly shouldStop?: () => boolean;
}

/** Parameters that get weight decay: matrices and embeddings (2-D and up), as in nanoGPT. */
function paramGroups(model: TrainableModel, weightDecay: number) {
  const named = model.namedParameters().filter(([, p]) => p.requiresGrad);
  const decay = named.filter(([, p]) => p.ndim >= 2);
  const noDecay = named.filter(([, p]) => p.ndim < 2);
  return {
    names: [...decay, ...noDecay].map(([n]) => n),
    params: [...decay, ...noDecay].map(([, p]) => p),
    groups: [
      { params: decay.map(([, p]) => p), weightDecay },
      { params: noDecay.map(([, p]) => p), weightDecay: 0 },
    ],
  };
}

export class Trainer {
  private readonly opt: AdamW;
  private readonly paramNames: string[];
  private readonly params: Tensor[];
  private loop: LoopState = { step: 0, tokens: 0, trainSeconds: 0, elapsed: 0, bestValLoss: null, lastValLoss: null, badEvals: 0, evalStep: null };
  private lastSavedStep = -1;

  constructor(private readonly o: TrainerOptions) {
    const { training } = o.settings;
    if (training.contextLength > o.model.config.contextLength) {
      throw new InvalidArgumentError('train', 'training.contextLength', `${training.contextLength} exceeds the model's context length ${o.model.config.contextLength}`);
    }
    const g = paramGroups(o.model, o.settings.optimizer.weightDecay);
    this.paramNames = g.names;
    this.params = g.params;
    const { lr, beta1, beta2, eps, weightDecay } = o.settings.optimizer;
    this.opt = new AdamW(g.groups, { lr, beta1, beta2, eps, weightDecay });
  }

  get state(): LoopState {
    return this.loop;
  }

  private lrAt(step: number): number {
    const s = this.o.settings.schedule;
    return learningRate({ kind: s.kind, lr: this.o.settings.optimizer.lr, warmupSteps: s.warmupSteps, totalSteps: s.decaySteps, minLrRatio: s.minLrRatio }, step);
  }

  /** One optimizer step over `gradAccumSteps` micro-batches. Returns the mean loss and the gradient norm. */
  private step(): { loss: number; gradNorm: number; lr: number } {
    const { rt, model } = this.o;
    const { gradAccumSteps: accum, labelSmoothing } = this.o.settings.training;
    const lr = this.lrAt(this.loop.step);
    this.opt.lr = lr;
    let total = 0;
    for (let k = 0; k < accum; k++) {
      const batch = this.o.train.next();
      total += rt.tidy(() => {
        const ids = rt.fromArray(batch.inputs, [batch.batchSize, batch.context], 'i32');
        const targets = rt.fromArray(batch.targets, [batch.batchSize, batch.context], 'i32');
        const { logits } = model.forward(ids);
        const loss = crossEntropy(logits, targets, { labelSmoothing, checkFinite: true });
        (accum > 1 ? loss.div(accum) : loss).backward();
        return loss.item();
      });
    }
    const clip = this.o.settings.optimizer.gradClip;
    const gradNorm = clipGradNorm(this.params, clip > 0 ? clip : Infinity);
    this.opt.step();
    this.opt.zeroGrad();
    return { loss: total / accum, gradNorm, lr };
  }

  /** Mean next-token loss (no label smoothing) over the fixed validation batches. */
  evaluate(): number {
    const { rt, model, validation } = this.o;
    if (!validation) throw new InvalidArgumentError('train', 'validation', 'there is no validation split to evaluate on');
    const { batchSize, contextLength } = this.o.settings.training;
    model.eval();
    let sum = 0;
    let count = 0;
    try {
      rt.noGrad(() => {
        for (const b of evalBatches(validation, batchSize, contextLength, this.o.settings.eval.batches)) {
          sum += rt.tidy(() => {
            const ids = rt.fromArray(b.inputs, [b.batchSize, b.context], 'i32');
            const targets = rt.fromArray(b.targets, [b.batchSize, b.context], 'i32');
            return crossEntropy(model.forward(ids).logits, targets, { reduction: 'sum' }).item();
          });
          count += b.batchSize * b.context;
        }
      });
    } finally {
      model.train();
    }
    return sum / count;
  }

  // ---- checkpoints ----

  private checkpointContents(): CheckpointContents<TrainerCheckpointMeta> {
    const tensors: CheckpointTensor[] = [];
    for (const [name, p] of this.o.model.namedParameters()) {
      tensors.push({ name: `model/${name}`, dtype: p.dtype === 'f64' ? 'f64' : 'f32', shape: p.shape, data: p.data as Float32Array });
    }
    const os = this.opt.state({ copy: false });
    os.buffers.forEach((b, i) => {
      const shape = this.params[i]!.shape;
      for (const [k, v] of Object.entries(b)) tensors.push({ name: `optim/${this.paramNames[i]}/${k}`, dtype: v instanceof Float64Array ? 'f64' : 'f32', shape, data: v });
    });
    return {
      step: this.loop.step,
      tensors,
      meta: {
        loop: this.loop,
        rng: this.o.rt.rng.getState().map((v) => (Number.isNaN(v) ? null : v)),
        sampler: this.o.train.state(),
        optimizer: { kind: 'adamw', step: os.step, params: this.paramNames },
        extra: this.o.extraMeta ?? null,
      },
    };
  }

  private saveCheckpoint(): void {
    if (this.lastSavedStep === this.loop.step) return;
    const entry = this.o.checkpoints.save(this.checkpointContents(), this.loop.lastValLoss);
    this.lastSavedStep = this.loop.step;
    this.o.metrics.append({ kind: 'checkpoint', step: this.loop.step, file: entry.file });
    this.o.onEvent?.({ kind: 'checkpoint', step: this.loop.step, file: entry.file });
  }

  /** Restores weights, optimizer, RNG, sampler and counters from a checkpoint. */
  restore(c: CheckpointContents<TrainerCheckpointMeta>): void {
    const byName = new Map(c.tensors.map((t) => [t.name, t]));
    const take = (name: string, like: Tensor): CheckpointTensor => {
      const t = byName.get(name);
      if (!t) throw new InvalidArgumentError('resume', 'checkpoint', `has no tensor '${name}'; it was written for a different model`);
      if (t.shape.join(',') !== like.shape.join(',')) {
        throw new InvalidArgumentError('resume', 'checkpoint', `tensor '${name}' has shape [${t.shape}], the model's is [${like.shape}]`);
      }
      return t;
    };
    for (const [name, p] of this.o.model.namedParameters()) (p.data as Float32Array).set(take(`model/${name}`, p).data);
    const meta = c.meta;
    if (meta.optimizer.params.join('\n') !== this.paramNames.join('\n')) {
      throw new InvalidArgumentError('resume', 'checkpoint', "its optimizer state is for different parameters; the model config changed since it was written");
    }
    const state: OptimizerState = {
      kind: 'adamw',
      step: meta.optimizer.step,
      buffers: this.paramNames.map((n, i) => ({
        m: take(`optim/${n}/m`, this.params[i]!).data as Float32Array,
        v: take(`optim/${n}/v`, this.params[i]!).data as Float32Array,
      })),
    };
    this.opt.loadState(state);
    this.o.rt.rng.setState(meta.rng.map((v) => (v === null ? NaN : v)));
    this.o.train.loadState(meta.sampler);
    this.loop = meta.loop;
    this.lastSavedStep = meta.loop.step;
  }

  // ---- the loop ----

  async run(): Promise<TrainResult> {
    const { settings, metrics, onEvent } = this.o;
    const { maxSteps, batchSize, contextLength, gradAccumSteps } = settings.training;
    const tokensPerStep = batchSize * contextLength * gradAccumSteps;
    const evalEvery = settings.eval.every;
    const ckptEvery = settings.checkpoint.every;
    const logEvery = settings.log.every;
    const startElapsed = this.loop.elapsed;
    const t0 = performance.now();
    const recent: number[] = [];
    let windowLoss = 0;
    let windowSteps = 0;
    let status: TrainStatus = 'completed';
    let lastLogged: number | null = null;
    this.o.model.train();
    const now = () => startElapsed + (performance.now() - t0) / 1000;
    const doEval = (): boolean => {
      const valLoss = this.evaluate();
      const es = settings.eval.earlyStopping;
      const improved = this.loop.bestValLoss === null || valLoss < this.loop.bestValLoss - (es?.minDelta ?? 0);
      this.loop = {
        ...this.loop,
        lastValLoss: valLoss,
        evalStep: this.loop.step,
        bestValLoss: this.loop.bestValLoss === null ? valLoss : Math.min(valLoss, this.loop.bestValLoss),
        badEvals: improved ? 0 : this.loop.badEvals + 1,
      };
      metrics.append({ kind: 'eval', step: this.loop.step, valLoss, perplexity: Math.exp(valLoss), elapsed: now() });
      onEvent?.({ kind: 'eval', step: this.loop.step, valLoss, perplexity: Math.exp(valLoss), improved });
      return es !== undefined && this.loop.badEvals >= es.patience;
    };

    while (this.loop.step < maxSteps) {
      const s0 = performance.now();
      const { loss, gradNorm, lr } = this.step();
      const dt = (performance.now() - s0) / 1000;
      this.loop = { ...this.loop, step: this.loop.step + 1, tokens: this.loop.tokens + tokensPerStep, trainSeconds: this.loop.trainSeconds + dt, elapsed: now() };
      const step = this.loop.step;
      recent.push(dt);
      if (recent.length > 20) recent.shift();
      const stepTime = recent.reduce((a, b) => a + b, 0) / recent.length;
      const tokensPerSecond = tokensPerStep / stepTime;
      windowLoss += loss;
      windowSteps++;
      if (step % logEvery === 0 || step === maxSteps) {
        lastLogged = windowLoss / windowSteps;
        windowLoss = 0;
        windowSteps = 0;
        metrics.append({ kind: 'train', step, loss, lr, gradNorm, tokens: this.loop.tokens, tokensPerSecond, elapsed: this.loop.elapsed });
      }
      onEvent?.({ kind: 'step', step, maxSteps, loss, lr, gradNorm, tokensPerSecond, eta: (maxSteps - step) * stepTime, valLoss: this.loop.lastValLoss });
      let stopEarly = false;
      if (this.o.validation && evalEvery > 0 && step % evalEvery === 0 && step < maxSteps) stopEarly = doEval();
      if (ckptEvery > 0 && step % ckptEvery === 0 && step < maxSteps) this.saveCheckpoint();
      if (stopEarly) {
        status = 'stopped_early';
        onEvent?.({ kind: 'message', text: `early stopping at step ${step}: no improvement in ${this.loop.badEvals} evaluations (best ${this.loop.bestValLoss!.toFixed(4)})` });
        break;
      }
      // Let signal handlers (Ctrl-C) run between steps.
      await new Promise((r) => setImmediate(r));
      if (this.o.shouldStop?.()) {
        status = 'interrupted';
        break;
      }
    }
    // A finished run always ends with an evaluation of its final weights.
    if (status !== 'interrupted' && this.o.validation && this.loop.evalStep !== this.loop.step) doEval();
    this.loop = { ...this.loop, elapsed: now() };
    this.saveCheckpoint();
    const tokensPerSecond = this.loop.trainSeconds > 0 ? this.loop.tokens / this.loop.trainSeconds : 0;
    metrics.append({ kind: 'end', step: this.loop.step, status, tokensPerSecond, elapsed: this.loop.elapsed });
    return {
      status,
      steps: this.loop.step,
      trainLoss: windowSteps > 0 ? windowLoss / windowSteps : lastLogged,
      valLoss: this.loop.lastValLoss,
      bestValLoss: this.loop.bestValLoss,
      tokens: this.loop.tokens,
      tokensPerSecond,
      elapsed: this.loop.elapsed,
    };
  }
}
