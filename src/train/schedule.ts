/**
 * Learning-rate schedules: linear warmup, then cosine or linear decay to a
 * floor, or constant. Pure functions of the step, so resuming needs no state.
 */
import { InvalidArgumentError } from '../errors.js';

export interface ScheduleConfig {
  readonly kind: 'cosine' | 'linear' | 'constant';
  /** Peak learning rate, reached at the end of warmup. */
  readonly lr: number;
  readonly warmupSteps: number;
  /** Step at which decay ends (usually the run's max steps). */
  readonly totalSteps: number;
  /** Final learning rate as a fraction of the peak (default 0.1). */
  readonly minLrRatio?: number;
}

/** The learning rate for a 0-based step. */
export function learningRate(cfg: ScheduleConfig, step: number): number {
  if (cfg.warmupSteps < 0 || cfg.totalSteps < 1) throw new InvalidArgumentError('schedule', 'steps', 'warmupSteps >= 0 and totalSteps >= 1 are required');
  const minLr = cfg.lr * (cfg.minLrRatio ?? 0.1);
  if (step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  if (cfg.kind === 'constant') return cfg.lr;
  const span = Math.max(1, cfg.totalSteps - cfg.warmupSteps);
  const progress = Math.min(1, (step - cfg.warmupSteps) / span);
  if (cfg.kind === 'linear') return cfg.lr + (minLr - cfg.lr) * progress;
  return minLr + 0.5 * (cfg.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
