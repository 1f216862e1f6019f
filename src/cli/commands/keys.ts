/**
 * `lmkit keys create|list|revoke`: API keys for `lmkit serve --api-keys`,
 * kept as SHA-256 hashes in $LMKIT_HOME/keys.sqlite.
 */
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { KeyStore, type ApiKeyRecord } from '../../serve/keys.js';
import { parseFlags, writeLine, type Command } from '../command.js';
import { settingsFromEnv } from '../env.js';

const usage = `lmkit keys create --name NAME [--json]
lmkit keys list [--json]
lmkit keys revoke ID|NAME [--json]

API keys for 'lmkit serve --api-keys'. The store ($LMKIT_HOME/keys.sqlite,
default ~/.lmkit) keeps only each key's SHA-256 hash: 'create' prints the key
once, copy it then. 'revoke' takes a key id (key_...) or a name (revokes every
active key of that name). Clients send the key as 'Authorization: Bearer KEY'.`;

function row(r: ApiKeyRecord): string {
  const state = r.revokedAt ? `revoked ${r.revokedAt}` : 'active';
  return `${r.id}  ${r.name.padEnd(16)} ${r.prefix}...  created ${r.createdAt}  ${state}${r.lastUsedAt ? `  last used ${r.lastUsedAt}` : ''}`;
}

export function keyStorePath(env: NodeJS.ProcessEnv): string {
  return join(settingsFromEnv(env).home, 'keys.sqlite');
}

const command: Command = {
  summary: 'create, list and revoke API keys for lmkit serve',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseFlags('keys', {
      args: rest,
      allowPositionals: true,
      options: { name: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError('keys', `expected create, list or revoke, got '${sub ?? ''}'`);
    const store = new KeyStore(keyStorePath(io.env));
    try {
      if (sub === 'create') {
        if (!values.name) throw new UsageError('keys create', '--name is required');
        if (positionals.length > 0) throw new UsageError('keys create', `unexpected argument '${positionals[0]}'`);
        const { record, key } = store.create(values.name);
        if (values.json) writeLine(io.stdout, JSON.stringify({ ...record, key }));
        else {
          writeLine(io.stdout, key);
          io.stderr.write(`created ${record.id} '${record.name}'; this is the only time the key is shown\n`);
        }
        return 0;
      }
      if (sub === 'list') {
        const all = store.list();
        if (values.json) writeLine(io.stdout, JSON.stringify(all));
        else if (all.length === 0) writeLine(io.stdout, "no keys; create one with 'lmkit keys create --name NAME'");
        else for (const r of all) writeLine(io.stdout, row(r));
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('keys revoke', 'give one key id or name');
      const revoked = store.revoke(positionals[0]!);
      if (values.json) writeLine(io.stdout, JSON.stringify(revoked));
      else for (const r of revoked) writeLine(io.stdout, `revoked ${r.id} '${r.name}'`);
      return 0;
    } finally {
      store.close();
    }
  },
};
export default command;
