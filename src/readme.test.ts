/**
 * The README's library tour runs as written: its TypeScript block is taken
 * from README.md, pointed at this build instead of the installed package, and
 * run in a child process from the repository root. It uses the built-in
 * model, so it is skipped (saying so) in a checkout without models/default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasDefault = existsSync(join(root, 'models', 'default', 'config.json'));

test('the README library tour runs against this build', { skip: hasDefault ? false : 'models/default is absent (run recipes/builtin/build.sh)' }, () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /## A tour of the library\s+```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README has a ```ts block under "A tour of the library"');
  const entry = pathToFileURL(join(root, 'dist', 'index.js')).href;
  const code = m[1]!.replace(/from 'lmkit'/g, `from '${entry}'`).replace(/tokenizer!/g, 'tokenizer');
  assert.ok(code.includes(entry), 'the tour imports from lmkit');
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-readme-'));
  try {
    const file = join(dir, 'tour.mjs');
    writeFileSync(file, code + "\nconsole.log('\\nTOUR-OK', JSON.stringify(out.text).length > 2);\n");
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `the tour failed:\n${r.stderr}`);
    assert.match(r.stdout, /TOUR-OK true/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
