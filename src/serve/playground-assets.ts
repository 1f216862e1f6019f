/**
 * The web playground's files (plain HTML, CSS and JavaScript in
 * src/serve/playground/, shipped with the package), read once and kept in
 * memory. Only files in that folder are served, by exact name.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/serve/playground, from dist/serve (compiled) or src/serve (this file). */
export const PLAYGROUND_DIR = fileURLToPath(new URL('../../src/serve/playground/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

let files: Promise<Map<string, { body: string; type: string }>> | null = null;

async function loadAll(): Promise<Map<string, { body: string; type: string }>> {
  const out = new Map<string, { body: string; type: string }>();
  for (const name of await readdir(PLAYGROUND_DIR)) {
    const type = TYPES[extname(name)];
    if (type) out.set(name, { body: await readFile(join(PLAYGROUND_DIR, name), 'utf8'), type });
  }
  return out;
}

export async function playgroundAsset(name: string): Promise<{ body: string; type: string } | null> {
  files ??= loadAll();
  return (await files).get(name) ?? null;
}
