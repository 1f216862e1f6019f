/**
 * The training progress line: step, loss, tokens/s and ETA. On a terminal it
 * redraws one line in place (at most ~10 times a second); elsewhere (a log
 * file, CI) it prints a plain line at each logging step.
 */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(tokensPerSecond: number): string {
  if (tokensPerSecond >= 1e6) return `${(tokensPerSecond / 1e6).toFixed(2)}M`;
  if (tokensPerSecond >= 1e4) return `${(tokensPerSecond / 1e3).toFixed(1)}k`;
  return tokensPerSecond.toFixed(0);
}

export interface ProgressState {
  readonly step: number;
  readonly maxSteps: number;
  readonly loss: number;
  readonly tokensPerSecond: number;
  /** Seconds left at the current speed. */
  readonly eta: number;
  readonly valLoss?: number | null;
}

export function progressLine(p: ProgressState, width = 24): string {
  const frac = Math.min(1, p.step / p.maxSteps);
  const filled = Math.round(frac * width);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled ? (frac >= 1 ? '=' : '>') : '') + ' '.repeat(width - filled);
  const val = p.valLoss !== undefined && p.valLoss !== null ? ` | val ${p.valLoss.toFixed(4)}` : '';
  return `step ${p.step}/${p.maxSteps} [${bar}] loss ${p.loss.toFixed(4)}${val} | ${formatRate(p.tokensPerSecond)} tok/s | ETA ${formatDuration(p.eta)}`;
}

export class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly logEvery: number,
  ) {}

  update(p: ProgressState): void {
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.last < 100 && p.step < p.maxSteps) return;
      this.last = now;
      const line = progressLine(p).slice(0, Math.max(20, (this.out.columns ?? 120) - 1));
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (p.step % this.logEvery === 0 || p.step === p.maxSteps) this.out.write(progressLine(p) + '\n');
  }

  /** Prints a message on its own line without garbling the bar. */
  message(text: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    this.drawn = false;
  }

  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
