import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test-util/cli.js';
import { prepareShards } from '../../data/prepare.js';
import type { TextTokenizer } from '../../data/text-tokenizer.js';
import { ByteTokenizer } from '../../data/byte-tokenizer.js';
import { loadModel } from '../../models/load.js';
import { createRuntime } from '../../tensor/index.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-train-cli-'));
const bin = new URL('../../../bin/lmkit.js', import.meta.url).pathname;
const env = { LMKIT_HOME: join(root, 'home'), LMKIT_BACKEND: 'js' };
test.after(() => rmSync(root, { recursive: true, force: true }));

const words = ['the cat', 'a dog', 'sat on', 'the mat', 'ran to', 'a tree', 'and then', 'slowly'];
const text = Array.from({ length: 300 }, (_, i) => `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5 + 1) % 8]}.`).join('<|endoftext|>\n');
const dataPath = join(root, 'data.txt');
writeFileSync(dataPath, text);

const config = (over: Record<string, unknown> = {}) => ({
  seed: 7,
  model: { architecture: 'llama', hiddenSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 1, intermediateSize: 64, dropout: 0.1 },
  tokenizer: { type: 'bytes' },
  data: { train: dataPath, valFraction: 0.1 },
  training: { maxSteps: 24, batchSize: 4, contextLength: 16, gradAccumSteps: 2, labelSmoothing: 0.05 },
  optimizer: { lr: 0.01 },
  schedule: { warmupSteps: 4 },
  eval: { every: 8, batches: 4 },
  checkpoint: { every: 8, keepLast: 3 },
  log: { every: 1 },
  ...over,
});
const configPath = join(root, 'config.json');
writeFileSync(configPath, JSON.stringify(config()));

const trainLosses = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'train')
    .map((r) => [r.step, r.loss] as [number, number]);

const evalLosses = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'eval')
    .map((r) => r.valLoss as number);

function assertSameLosses(got: [number, number][], want: [number, number][], from = 0): void {
  for (const [step, loss] of got) {
    if (step <= from) continue;
    const w = want.find(([s]) => s === step);
    assert.ok(w, `step ${step} missing from the reference run`);
    assert.ok(Math.abs(loss - w[1]) <= 1e-6, `step ${step}: ${loss} vs uninterrupted ${w[1]}`);
  }
}

const runA = join(root, 'a');

test('a tiny run lowers validation loss, prints the JSON summary last and is registered', async () => {
  const r = await runCli(['train', '--config', configPath, '--out', runA, '--json'], '', env);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]!);
  assert.equal(summary.steps, 24);
  assert.equal(summary.status, 'completed');
  for (const k of ['train_loss', 'val_loss', 'tokens_per_second']) assert.equal(typeof summary[k], 'number', k);
  const ev = evalLosses(runA);
  assert.equal(ev.length, 3);
  assert.ok(ev[2]! < ev[0]!, `validation loss should fall: ${ev.join(' -> ')}`);
  for (const f of ['model/config.json', 'model/model.safetensors', 'model/tokenizer.json', 'loss.svg', 'loss.html', 'checkpoints/step-00000024.ckpt']) {
    assert.ok(existsSync(join(runA, f)), f);
  }
  // The final model folder loads back, with a tokenizer that encodes as the run's did.
  const { model } = await loadModel(join(runA, 'model'), { rt: createRuntime({ backend: 'js' }) });
  assert.equal(model.config.vocabSize, 257);
  const tok = await Tokenizer.load(join(runA, 'model'));
  assert.deepEqual(tok.encode('the cat<|endoftext|>', { parseSpecial: true }), new ByteTokenizer().encode('the cat<|endoftext|>'));
  const runs = await runCli(['runs', '--json'], '', env);
  const listed = runs.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(listed.some((x) => x.id === summary.run_id && x.status === 'completed' && x.steps === 24 && Math.abs(x.val_loss - summary.val_loss) < 1e-12));
  const plot = await runCli(['runs', 'plot', summary.run_id, '--out', join(root, 'curve.svg')], '', env);
  assert.equal(plot.code, 0, plot.stderr);
  assert.match(readFileSync(join(root, 'curve.svg'), 'utf8'), /^<svg [^]*<path d="M[^]*validation loss[^]*<\/svg>\n$/);
  assert.match(readFileSync(join(root, 'curve.html'), 'utf8'), /<svg[^]*<th>validation loss<\/th>/);
});

test('the short form: --data with the tiny preset and --max-steps', async () => {
  const out = join(root, 'short');
  const r = await runCli(['train', '--data', dataPath, '--out', out, '--max-steps', '2', '--val-fraction', '0.1', '--json'], '', env);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(summary.steps, 2);
  assert.equal(typeof summary.val_loss, 'number');
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.model.architecture, 'llama');
  assert.equal(cfg.model.vocabSize, 257);
  assert.equal(cfg.training.maxSteps, 2);
});

test('Ctrl-C writes a checkpoint; --resume reproduces the uninterrupted losses; a damaged checkpoint is refused', async () => {
  const runB = join(root, 'b');
  const child = spawn(process.execPath, [bin, 'train', '--config', configPath, '--out', runB], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && /step 10\/24/.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  assert.equal(code, 130, stderr);
  assert.match(stdout, /interrupted at step 1\d/);
  const stoppedAt = Number(/interrupted at step (\d+)/.exec(stdout)![1]);
  assert.ok(existsSync(join(runB, 'checkpoints', `step-${String(stoppedAt).padStart(8, '0')}.ckpt`)), 'a checkpoint at the interrupted step');

  const r = await runCli(['train', '--out', runB, '--resume', '--json'], '', env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`resuming from step-0*${stoppedAt}\\.ckpt at step ${stoppedAt}`));
  const a = trainLosses(runA);
  const b = trainLosses(runB);
  assert.deepEqual(b.map(([s]) => s), a.map(([s]) => s));
  assertSameLosses(b, a);

  // Damage the newest checkpoint: resuming refuses it, says so, and continues from the previous good one.
  const runC = join(root, 'c');
  cpSync(runB, runC, { recursive: true });
  const newest = join(runC, 'checkpoints', 'step-00000024.ckpt');
  truncateSync(newest, statSync(newest).size - 100);
  const rc = await runCli(['train', '--out', runC, '--resume', '--max-steps', '24', '--json'], '', env);
  assert.equal(rc.code, 0, rc.stderr);
  assert.match(rc.stderr, /refusing checkpoint step-00000024\.ckpt: .*the checkpoint is truncated; kept as step-00000024\.ckpt\.corrupt/);
  assert.match(rc.stderr, /resuming from step-00000016\.ckpt at step 16/);
  assertSameLosses(trainLosses(runC), a);
});

class OtherTokenizer implements TextTokenizer {
  readonly vocabSize = 300;
  readonly eosId = 299;
  encode(t: string): number[] {
    return [...Buffer.from(t)];
  }
  decode(): string {
    return '';
  }
  hash(): string {
    return 'another-tokenizer';
  }
}

test('bad input: clear errors and no run folder left behind', async () => {
  const out = join(root, 'bad');
  const cases: [string, unknown, RegExp][] = [
    ['missing data', config({ data: { train: join(root, 'nope.txt') } }), /no such file or folder: .*nope\.txt/],
    ['unknown field', config({ trainig: {} }), /trainig: unknown field; did you mean 'training'\?/],
    ['wrong type', config({ training: { maxSteps: 'ten', batchSize: 4 } }), /training\.maxSteps: expected number, got the string "ten"/],
    ['bad model field', config({ model: { architecture: 'llama', hiddenSize: 30, numLayers: 2, numHeads: 4, intermediateSize: 64 } }), /model\.hiddenSize/],
  ];
  const empty = join(root, 'empty.txt');
  writeFileSync(empty, '\n\n');
  cases.push(['empty data', config({ data: { train: empty } }), /no text found in .*empty\.txt/]);
  const shards = join(root, 'other-shards');
  await prepareShards({ inputs: [dataPath], tokenizer: new OtherTokenizer(), outDir: shards, valFraction: 0.1 });
  cases.push(['tokenizer mismatch', config({ data: { shards } }), /were made with tokenizer another-toke.*not this run's [0-9a-f]{12}.*prepare the data again/]);
  for (const [name, cfg, message] of cases) {
    const p = join(root, `bad-${name.replace(/ /g, '-')}.json`);
    writeFileSync(p, JSON.stringify(cfg));
    const r = await runCli(['train', '--config', p, '--out', out], '', env);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /(^|\n)lmkit: /, name);
    assert.match(r.stderr, message, name);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
    assert.equal(existsSync(out), false, `${name}: no run folder`);
  }
  const yaml = join(root, 'bad.yaml');
  writeFileSync(yaml, 'model:\n  preset: tiny\n data: [\n');
  const ry = await runCli(['train', '--config', yaml, '--out', out], '', env);
  assert.match(ry.stderr, /is not valid YAML at line \d+/);
  const missing = await runCli(['train', '--out', join(root, 'none'), '--resume'], '', env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no run to resume in .*none/);
  const again = await runCli(['train', '--config', configPath, '--out', runA], '', env);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds run .*; add --resume to continue it/);
});
