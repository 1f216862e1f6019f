import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test-util/cli.js';

const root = mkdtempSync(join(tmpdir(), 'lmkit-data-cli-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('data prepare writes reusable shards a run can use; data info --verify checks them', async () => {
  const csv = join(root, 'd.csv');
  writeFileSync(csv, 'id,body\n' + Array.from({ length: 50 }, (_, i) => `${i},"row ${i}, with a comma"`).join('\n') + '\n');
  const out = join(root, 'shards');
  const r = await runCli(['data', 'prepare', '--data', csv, '--field', 'body', '--tokenizer', 'bytes', '--out', out, '--val-fraction', '0.1', '--json'], '', {});
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.equal(m.splits.train.documents + m.splits.validation.documents, 50);
  assert.equal(m.files[0].format, 'csv');
  const info = await runCli(['data', 'info', out, '--verify'], '', {});
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /uint16 shards[^]*train\s+[\d,]+ tokens[^]*checksums\s+ok/);
  const bad = await runCli(['data', 'prepare', '--data', csv, '--tokenizer', 'bytes', '--out', join(root, 'x')], '', {});
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no column 'text' in the header \(columns: id, body\); choose one with --field/);
  assert.equal(existsSync(join(root, 'x')), false);
  const usage = await runCli(['data', 'prepare', '--data', csv, '--out', join(root, 'y')], '', {});
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--tokenizer is required/);
});
