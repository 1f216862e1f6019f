import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, type CheckpointContents } from './checkpoint-file.js';
import { CheckpointDir, checkpointFileName } from './checkpoints.js';
import { FileFormatError } from '../errors.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-ckpt-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const contents = (step: number): CheckpointContents => ({
  step,
  tensors: [
    { name: 'w', dtype: 'f32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, step]) },
    { name: 'odd', dtype: 'f64', shape: [3], data: Float64Array.from([0.1, -0.2, 1e300]) },
    { name: 'ids', dtype: 'i32', shape: [1], data: Int32Array.from([-7]) },
  ],
  meta: { rng: [1, 2, 3, 4, null], note: 'ünïcode' },
});

test('a checkpoint round-trips tensors and metadata exactly', () => {
  const p = join(root, 'a.ckpt');
  writeCheckpoint(p, contents(5));
  const c = readCheckpoint(p);
  assert.equal(c.step, 5);
  assert.deepEqual(c.meta, contents(5).meta);
  assert.deepEqual(c.tensors.map((t) => [t.name, t.dtype, t.shape, Array.from(t.data)]), contents(5).tensors.map((t) => [t.name, t.dtype, t.shape, Array.from(t.data)]));
  assert.deepEqual(readdirSync(root).filter((f) => f.includes('.tmp-')), []);
});

test('truncation and corruption are detected with a clear message', () => {
  const p = join(root, 'b.ckpt');
  writeCheckpoint(p, contents(1));
  const size = statSync(p).size;
  const bytes = readFileSync(p);
  bytes[bytes.length - 40]! ^= 0x01; // flip one bit of tensor data
  writeFileSync(p, bytes);
  assert.throws(() => readCheckpoint(p), (e: unknown) => e instanceof FileFormatError && e.message === `[${p}] checksum mismatch: the checkpoint is corrupt`);
  writeCheckpoint(p, contents(1));
  truncateSync(p, size - 10);
  assert.throws(() => readCheckpoint(p), new RegExp(`is ${size - 10} bytes but its header describes ${size}; the checkpoint is truncated`));
  truncateSync(p, 20);
  assert.throws(() => readCheckpoint(p), /truncated/);
  writeFileSync(p, 'not a checkpoint at all, just some text padding it out');
  assert.throws(() => readCheckpoint(p), /bad magic/);
});

test('keeps the last K plus the best; resume skips a damaged newest checkpoint', () => {
  const dir = new CheckpointDir(join(root, 'run'), 2);
  const losses = [3.0, 1.0, 2.5, 2.0, 2.2];
  losses.forEach((l, i) => dir.save(contents((i + 1) * 10), l));
  assert.deepEqual(dir.list().map((e) => e.step), [20, 40, 50], 'last two (40, 50) plus the best (20, loss 1.0)');
  assert.equal(dir.best()!.step, 20);
  const latest = dir.loadLatest();
  assert.equal(latest.entry.step, 50);
  assert.deepEqual(latest.skipped, []);
  // Damage the newest: resume falls back to the previous good one and says why.
  const newest = join(dir.dir, checkpointFileName(50));
  truncateSync(newest, statSync(newest).size - 1);
  const fallback = dir.loadLatest();
  assert.equal(fallback.entry.step, 40);
  assert.equal(fallback.skipped.length, 1);
  assert.match(fallback.skipped[0]!.reason, /step-00000050\.ckpt\] is \d+ bytes but its header describes \d+; the checkpoint is truncated/);
  assert.ok(statSync(newest).size > 0, 'the damaged file is left for inspection');
  dir.discardAfter(40);
  assert.deepEqual(dir.list().map((e) => e.step), [20, 40]);
});
