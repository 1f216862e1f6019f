/**
 * API keys, stored as SHA-256 hashes in SQLite.
 *
 * A key is `lmk-` followed by 32 random bytes (base64url), shown once when it
 * is created; the store keeps only its hash, a short prefix (to tell keys
 * apart in `lmkit keys list`), a name and timestamps. Verifying hashes the
 * presented key and looks the hash up: the keys have 256 bits of entropy, so
 * a plain fast hash is enough (no password stretching needed), and the
 * lookup is by an indexed column rather than a comparison loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidArgumentError, NotFoundError } from '../errors.js';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** The first characters of the key, e.g. `lmk-Ab3d`, for telling keys apart. */
  readonly prefix: string;
  /** ISO-8601 times. */
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const KEY_PREFIX = 'lmk-';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface Row {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

function toRecord(r: Row): ApiKeyRecord {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at };
}

export class KeyStore {
  private readonly db: Database.Database;

  /** Opens (creating if needed) the key database at `file`, e.g. `~/.lmkit/keys.sqlite`. */
  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // WAL with NORMAL sync stays consistent after a crash; only the last moments of use times may be lost.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      prefix TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT,
      last_used_at TEXT
    )`);
  }

  /** Creates a key; the returned `key` is the only time the secret is available. */
  create(name: string): { record: ApiKeyRecord; key: string } {
    if (!/^[\w.@-]{1,64}$/.test(name)) throw new InvalidArgumentError('keys create', 'name', `expected 1-64 letters, digits, '_', '.', '@' or '-', got '${name}'`);
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = `key_${randomBytes(6).toString('hex')}`;
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO api_keys (id, name, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name, hashKey(key), key.slice(0, KEY_PREFIX.length + 4), now);
    return { record: { id, name, prefix: key.slice(0, KEY_PREFIX.length + 4), createdAt: now, revokedAt: null, lastUsedAt: null }, key };
  }

  list(): ApiKeyRecord[] {
    return (this.db.prepare('SELECT id, name, prefix, created_at, revoked_at, last_used_at FROM api_keys ORDER BY created_at, id').all() as Row[]).map(toRecord);
  }

  /** Revokes by id or by name (every active key of that name). Returns the revoked records. */
  revoke(idOrName: string): ApiKeyRecord[] {
    const now = new Date().toISOString();
    const rows = this.db
      .prepare('SELECT id, name, prefix, created_at, revoked_at, last_used_at FROM api_keys WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
      .all(idOrName, idOrName) as Row[];
    if (rows.length === 0) throw new NotFoundError('keys revoke', `no active key with id or name '${idOrName}'; see 'lmkit keys list'`);
    const stmt = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) stmt.run(now, r.id);
    })();
    return rows.map((r) => toRecord({ ...r, revoked_at: now }));
  }

  /** The active key record for a presented key, or null (unknown or revoked). Records the use. */
  verify(key: string): ApiKeyRecord | null {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const row = this.db.prepare('SELECT id, name, prefix, created_at, revoked_at, last_used_at FROM api_keys WHERE hash = ?').get(hashKey(key)) as Row | undefined;
    if (!row || row.revoked_at !== null) return null;
    // Verifying happens on every request: record the use at most once a minute per key.
    const now = new Date();
    if (row.last_used_at !== null && now.getTime() - Date.parse(row.last_used_at) < 60_000) return toRecord(row);
    this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    return toRecord({ ...row, last_used_at: now.toISOString() });
  }

  /** Whether the key exists but was revoked (for a clearer 401 message). */
  isRevoked(key: string): boolean {
    const row = this.db.prepare('SELECT revoked_at FROM api_keys WHERE hash = ?').get(hashKey(key)) as { revoked_at: string | null } | undefined;
    return row !== undefined && row.revoked_at !== null;
  }

  close(): void {
    this.db.close();
  }
}
