#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.test.js) with node's test runner.
// `node scripts/test.mjs tokenizers serve` runs only files whose path contains one of the words.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(dist, [])
  .filter((f) => filters.length === 0 || filters.some((w) => relative(dist, f).includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under dist/ match ${filters.join(' ') || '*.test.js'}; did the build run?`);
  process.exit(1);
}
const concurrency = process.env.LMKIT_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...passthrough, ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
