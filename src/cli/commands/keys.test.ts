/** `lmkit keys`: create prints the key once, list shows it, revoke stops it verifying. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KeyStore, hashKey } from '../../serve/keys.js';
import { runCli } from '../../test-util/cli.js';

test('lmkit keys create, list, revoke', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lmkit-home-'));
  const env = { LMKIT_HOME: home };
  try {
    const c = await runCli(['keys', 'create', '--name', 'alice'], '', env);
    assert.equal(c.code, 0);
    const key = c.stdout.trim();
    assert.match(key, /^lmk-/);
    assert.match(c.stderr, /only time the key is shown/);
    // Only the hash is stored (in the database or its write-ahead log).
    const raw = Buffer.concat(readdirSync(home).map((f) => readFileSync(join(home, f))));
    assert.equal(raw.includes(Buffer.from(key)), false);
    assert.equal(raw.includes(Buffer.from(hashKey(key))), true);
    const store = new KeyStore(join(home, 'keys.sqlite'));
    assert.equal(store.verify(key)?.name, 'alice');
    store.close();

    const list = await runCli(['keys', 'list', '--json'], '', env);
    const rows = JSON.parse(list.stdout) as { id: string; name: string; revokedAt: string | null }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.name, 'alice');

    const r = await runCli(['keys', 'revoke', 'alice'], '', env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /revoked key_/);
    const again = await runCli(['keys', 'revoke', 'alice'], '', env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no active key/);
    const s2 = new KeyStore(join(home, 'keys.sqlite'));
    assert.equal(s2.verify(key), null);
    assert.equal(s2.isRevoked(key), true);
    s2.close();

    const bad = await runCli(['keys', 'create'], '', env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--name is required/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
