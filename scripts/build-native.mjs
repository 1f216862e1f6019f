#!/usr/bin/env node
// Builds the native backend (build/Release/lmkit_native.node) with node-gyp.
// Runs as the package's `install` script. A failed build is not fatal: lmkit
// then runs on its JavaScript backend and says so once at run time. Set
// LMKIT_REQUIRE_NATIVE=1 (CI) to make a failed build fail the install.
//
//   node scripts/build-native.mjs            build (quiet unless it fails)
//   node scripts/build-native.mjs --verbose  show the compiler output
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose');
const strict = process.env.LMKIT_REQUIRE_NATIVE === '1';

if (process.env.LMKIT_SKIP_NATIVE_BUILD === '1') {
  console.warn('lmkit: skipping the native backend build (LMKIT_SKIP_NATIVE_BUILD=1); the js backend will be used');
  process.exit(0);
}

// npm hands its bundled node-gyp to lifecycle scripts; otherwise look next to npm.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

const gyp = findNodeGyp();
if (!gyp) fail('node-gyp was not found (it ships with npm)');

const args = [gyp, 'rebuild', '--release', '-j', 'max'];
// Outside npm, build against the running node's own headers when they are installed
// (distribution packages put them under <prefix>/include/node), so no download is needed.
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (r.status !== 0) {
  // One line normally; the compiler's last words when the build is required (CI).
  if (!verbose && strict) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-30).join('\n') + '\n');
  fail(`node-gyp exited with ${r.status ?? r.signal}; 'npm run build:native' shows why`);
}
if (!existsSync(join(root, 'build', 'Release', 'lmkit_native.node'))) fail('node-gyp succeeded but build/Release/lmkit_native.node is missing');
if (verbose) console.log('lmkit: native backend built');

function fail(why) {
  console.warn(`lmkit: the native backend did not build (${why}); lmkit will use its slower js backend`);
  process.exit(strict ? 1 : 0);
}
