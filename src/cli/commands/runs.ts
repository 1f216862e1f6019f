/**
 * `lmkit runs`: the run registry. Lists runs with their final metrics, shows
 * one run's config and history, and plots its loss curves to SVG + HTML.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseFlags, writeLine, type Command } from '../command.js';
import { settingsFromEnv } from '../env.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomicSync } from '../../io/atomic.js';
import { CheckpointDir } from '../../train/checkpoints.js';
import { MetricsLog } from '../../train/metrics.js';
import { lossCurveHtml, lossCurveSvg } from '../../train/plot.js';
import { formatDuration, formatRate } from '../../train/progress.js';
import { RunRegistry, type RunRecord } from '../../train/registry.js';

const usage = `lmkit runs [--json]                      list training runs (newest first)
lmkit runs show RUN [--json]             one run: config, metrics, checkpoints
lmkit runs plot RUN [--out FILE.svg]     loss curves as SVG plus an HTML page beside it

RUN is a run id (or a unique prefix of one), a run name, or the run's folder.
The registry lives in $LMKIT_HOME/runs.db (default ~/.lmkit).`;

export function registryPath(env: NodeJS.ProcessEnv): string {
  return join(settingsFromEnv(env).home, 'runs.db');
}

const num = (v: number | null, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function summary(r: RunRecord) {
  return {
    id: r.id,
    name: r.name,
    dir: r.dir,
    status: r.status,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    architecture: r.architecture,
    params: r.params,
    steps: r.steps,
    tokens: r.tokens,
    train_loss: r.trainLoss,
    val_loss: r.valLoss,
    best_val_loss: r.bestValLoss,
    tokens_per_second: r.tokensPerSecond,
    elapsed_s: r.elapsedSeconds,
  };
}

function list(reg: RunRegistry, json: boolean, io: Parameters<Command['run']>[1]): number {
  const runs = reg.list();
  if (json) {
    for (const r of runs) writeLine(io.stdout, JSON.stringify(summary(r)));
    return 0;
  }
  if (runs.length === 0) {
    writeLine(io.stdout, "no runs yet; start one with 'lmkit train'");
    return 0;
  }
  const rows = [['ID', 'NAME', 'STATUS', 'STEPS', 'TRAIN', 'VAL', 'TOK/S', 'TIME', 'FOLDER']];
  for (const r of runs) {
    rows.push([r.id, r.name, r.status, String(r.steps), num(r.trainLoss), num(r.valLoss), r.tokensPerSecond ? formatRate(r.tokensPerSecond) : '-', formatDuration(r.elapsedSeconds), r.dir]);
  }
  writeLine(io.stdout, table(rows));
  return 0;
}

function show(r: RunRecord, json: boolean, io: Parameters<Command['run']>[1]): number {
  const metrics = new MetricsLog(join(r.dir, 'metrics.jsonl'));
  const records = existsSync(metrics.path) ? metrics.read() : [];
  const evals = records.filter((m) => m.kind === 'eval');
  const checkpoints = new CheckpointDir(join(r.dir, 'checkpoints')).list();
  if (json) {
    writeLine(io.stdout, JSON.stringify({ ...summary(r), config: r.config, evals: evals.map((e) => ({ step: e.step, val_loss: e.valLoss })), checkpoints }));
    return 0;
  }
  const lines = [
    `run ${r.id} (${r.name}): ${r.status}`,
    `  folder        ${r.dir}`,
    `  created       ${r.createdAt}`,
    `  model         ${r.architecture ?? '-'}${r.params ? `, ${r.params.toLocaleString('en-US')} parameters` : ''}`,
    `  steps         ${r.steps} (${r.tokens.toLocaleString('en-US')} tokens, ${formatDuration(r.elapsedSeconds)})`,
    `  train loss    ${num(r.trainLoss)}`,
    `  val loss      ${num(r.valLoss)} (best ${num(r.bestValLoss)}, perplexity ${r.valLoss === null ? '-' : Math.exp(r.valLoss).toFixed(2)})`,
    `  tokens/s      ${r.tokensPerSecond ? r.tokensPerSecond.toFixed(0) : '-'}`,
    `  checkpoints   ${checkpoints.map((c) => `${c.file}${c.valLoss !== null ? ` (val ${c.valLoss.toFixed(4)})` : ''}`).join(', ') || '-'}`,
    '  config',
    ...JSON.stringify(r.config, null, 2)
      .split('\n')
      .map((l) => '    ' + l),
  ];
  writeLine(io.stdout, lines.join('\n'));
  return 0;
}

function plot(r: RunRecord, out: string | undefined, io: Parameters<Command['run']>[1]): number {
  const metrics = new MetricsLog(join(r.dir, 'metrics.jsonl'));
  const records = metrics.read();
  if (!records.some((m) => m.kind === 'train')) throw new UsageError('runs', `run ${r.id} has no training metrics yet (${metrics.path})`);
  const svgPath = resolve(out ?? join(r.dir, 'loss.svg'));
  if (extname(svgPath).toLowerCase() !== '.svg') throw new UsageError('runs', `--out must name an .svg file, got ${out}`);
  const htmlPath = join(dirname(svgPath), basename(svgPath, extname(svgPath)) + '.html');
  const title = `${r.name} (${r.id})`;
  const svg = lossCurveSvg(records, title);
  writeFileAtomicSync(svgPath, svg);
  const html = lossCurveHtml(svg, title, {
    status: r.status,
    steps: r.steps,
    'train loss': r.trainLoss,
    'validation loss': r.valLoss,
    'best validation loss': r.bestValLoss,
    'tokens/s': r.tokensPerSecond,
    parameters: r.params,
    folder: r.dir,
  });
  writeFileAtomicSync(htmlPath, html);
  writeLine(io.stdout, `wrote ${svgPath}\nwrote ${htmlPath}`);
  return 0;
}

const command: Command = {
  summary: 'list training runs, show one, plot its loss curves',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('runs', {
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, out: { type: 'string' } },
    });
    const [sub, ref, ...extra] = positionals;
    if (extra.length) throw new UsageError('runs', `unexpected argument '${extra[0]}'`);
    const reg = new RunRegistry(registryPath(io.env));
    try {
      if (sub === undefined) return list(reg, values.json ?? false, io);
      if (sub !== 'show' && sub !== 'plot') throw new UsageError('runs', `unknown subcommand '${sub}'; use show or plot`);
      if (!ref) throw new UsageError('runs', `'runs ${sub}' needs a RUN (id, name or folder)`);
      const r = reg.find(ref);
      return sub === 'show' ? show(r, values.json ?? false, io) : plot(r, values.out, io);
    } finally {
      reg.close();
    }
  },
};
export default command;
