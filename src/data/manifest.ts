/**
 * The manifest of a shard folder (`manifest.json`): which tokenizer made the
 * shards, the token and document counts per split, the source files with their
 * sizes and mtimes (to tell when shards are stale) and the options used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FileFormatError, InvalidArgumentError, NotFoundError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const SHARDS_FORMAT = 'lmkit-shards';
export const SHARDS_VERSION = 1;

export type SplitName = 'train' | 'validation';

const shardEntry = z.object({ file: z.string().regex(/^[\w.-]+$/), tokens: z.number().int().nonnegative(), documents: z.number().int().nonnegative() });
const splitInfo = z.object({ tokens: z.number().int().nonnegative(), documents: z.number().int().nonnegative(), shards: z.array(shardEntry) });

const manifestSchema = z.object({
  format: z.literal(SHARDS_FORMAT),
  version: z.literal(SHARDS_VERSION),
  tokenizer: z.object({ hash: z.string(), vocabSize: z.number().int().positive(), eosId: z.number().int().nonnegative() }),
  dtype: z.enum(['uint16', 'uint32']),
  options: z.object({
    field: z.string(),
    docSplit: z.enum(['separator', 'blank-line', 'line', 'file']),
    separator: z.string(),
    valFraction: z.number().nullable(),
    parseSpecial: z.boolean(),
    shardTokens: z.number().int().positive(),
  }),
  files: z.array(
    z.object({
      path: z.string(),
      bytes: z.number().nonnegative(),
      mtimeMs: z.number(),
      split: z.enum(['train', 'validation']),
      format: z.enum(['text', 'jsonl', 'csv', 'tsv']),
    }),
  ),
  splits: z.object({ train: splitInfo, validation: splitInfo }),
  stats: z.object({ bytes: z.number(), seconds: z.number(), mbPerSecond: z.number() }),
  createdAt: z.string(),
});

export type ShardManifest = z.infer<typeof manifestSchema>;
export type SplitInfo = ShardManifest['splits']['train'];
export type SourceFile = ShardManifest['files'][number];

/** Reads and validates `dir/manifest.json`. */
export function readManifest(dir: string): ShardManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new NotFoundError('data', `no ${MANIFEST_FILE} in ${dir}; prepare the shards with 'lmkit data prepare'`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FileFormatError(path, `is not valid JSON (${(e as Error).message})`);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new FileFormatError(path, i.message, i.path.join('.') || undefined);
  }
  return r.data;
}

/** Throws unless the shards were made with the tokenizer of this hash. */
export function checkTokenizer(dir: string, m: ShardManifest, tok: { hash(): string; vocabSize: number }): void {
  const h = tok.hash();
  if (m.tokenizer.hash !== h) {
    throw new InvalidArgumentError(
      'data',
      'tokenizer',
      `the shards in ${dir} were made with tokenizer ${m.tokenizer.hash.slice(0, 12)} (vocab ${m.tokenizer.vocabSize}), not this run's ${h.slice(0, 12)} (vocab ${tok.vocabSize}); prepare the data again with this tokenizer`,
    );
  }
}

/**
 * Whether the manifest describes exactly these source files (same paths, sizes
 * and mtimes) and options, so its shards can be reused instead of re-tokenizing.
 */
export function manifestMatches(
  m: ShardManifest,
  files: readonly { path: string; bytes: number; mtimeMs: number; split: SplitName }[],
  opts: Partial<Pick<ShardManifest['options'], 'field' | 'docSplit' | 'separator' | 'valFraction' | 'parseSpecial'>>,
): boolean {
  if (m.files.length !== files.length) return false;
  for (let i = 0; i < files.length; i++) {
    const a = m.files[i]!;
    const b = files[i]!;
    if (a.path !== b.path || a.bytes !== b.bytes || a.mtimeMs !== b.mtimeMs || a.split !== b.split) return false;
  }
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && (m.options as Record<string, unknown>)[k] !== v) return false;
  return true;
}
