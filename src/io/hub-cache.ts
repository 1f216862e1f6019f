/**
 * The Hugging Face hub cache layout (shared with huggingface_hub, transformers,
 * llama.cpp and others), so files lmkit downloads are reused by those tools and
 * vice versa:
 *
 *   CACHE/models--ORG--NAME/
 *     blobs/ETAG                  file contents, named by ETag (sha256 for LFS files, git blob sha1 otherwise)
 *     blobs/ETAG.incomplete       a download in progress (resumed with an HTTP Range request)
 *     refs/REVISION               the commit hash a branch or tag last resolved to
 *     snapshots/COMMIT/PATH       relative symlink to ../../blobs/ETAG (a copy where symlinks fail)
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { writeFileAtomicSync } from './atomic.js';

export interface HubRef {
  /** 'org/name' (or a legacy single name). */
  readonly repo: string;
  /** Branch, tag or commit hash; 'main' by default. */
  readonly revision: string;
  /** One file to fetch (e.g. a chosen .gguf), instead of the default model files. */
  readonly file?: string;
}

const REPO_RE = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
export const COMMIT_RE = /^[0-9a-f]{40}$/;

/** Parses `hf:ORG/NAME[@REVISION][:FILE]`. */
export function parseHubRef(ref: string): HubRef {
  const m = /^hf:([^@:]+)(?:@([^:]+))?(?::(.+))?$/.exec(ref);
  if (!m || !REPO_RE.test(m[1]!) || m[1]!.includes('--') || m[1]!.includes('..')) {
    throw new InvalidArgumentError('hub', 'ref', `'${ref}' is not of the form hf:ORG/NAME[@REVISION][:FILE]`);
  }
  const revision = m[2] ?? 'main';
  if (revision.split('/').some((s) => s === '..' || s === '.' || s === '')) throw new InvalidArgumentError('hub', 'ref', `bad revision '${revision}'`);
  const file = m[3];
  if (file !== undefined) checkRepoPath(file, 'ref');
  return { repo: m[1]!, revision, ...(file !== undefined ? { file } : {}) };
}

/** Rejects paths that could escape the snapshot folder (a listing from a server is untrusted). */
export function checkRepoPath(p: string, what: string): void {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new InvalidArgumentError('hub', what, `'${p}' is not a safe file path inside a repository`);
  }
}

export function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** Strips a weak-validator prefix and quotes: W/"abc" → abc. */
export function normalizeEtag(e: string | null): string | undefined {
  if (!e) return undefined;
  return e.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export function readRef(folder: string, revision: string): string | undefined {
  const p = join(folder, 'refs', revision);
  if (!existsSync(p)) return undefined;
  const c = readFileSync(p, 'utf8').trim();
  return COMMIT_RE.test(c) ? c : undefined;
}

export function writeRef(folder: string, revision: string, commit: string): void {
  if (revision === commit) return;
  if (readRef(folder, revision) === commit) return;
  writeFileAtomicSync(join(folder, 'refs', revision), commit);
}

/** Points snapshots/COMMIT/PATH at blobs/ETAG: a relative symlink, or a copy where symlinks are not allowed. */
export function linkSnapshot(folder: string, commit: string, path: string, etag: string): string {
  const dst = join(folder, 'snapshots', commit, path);
  const blob = join(folder, 'blobs', etag);
  mkdirSync(dirname(dst), { recursive: true });
  rmSync(dst, { force: true });
  try {
    symlinkSync(relative(dirname(dst), blob), dst);
  } catch {
    copyFileSync(blob, dst);
  }
  return dst;
}

/** Every file under a snapshot folder, as repo paths. */
export function listSnapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      // statSync follows the symlink: a link whose blob was deleted is not a usable file.
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}

const CONFIG_FILES = new Set([
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'tokenizer.model',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'vocab.txt',
  'chat_template.json',
  'chat_template.jinja',
]);

/**
 * The files lmkit needs from a repository listing: config, generation config
 * and tokenizer files, plus the weights: a sharded index and its shards, else
 * model.safetensors, else every top-level .safetensors, else the one .gguf (a
 * repo with several .gguf files needs `:FILE` to choose). Only top-level
 * files are considered.
 */
export function selectModelFiles(repo: string, files: readonly string[]): string[] {
  const top = files.filter((f) => !f.includes('/'));
  const picked = top.filter((f) => CONFIG_FILES.has(f));
  const st = top.filter((f) => f.endsWith('.safetensors'));
  if (top.includes('model.safetensors.index.json')) {
    picked.push('model.safetensors.index.json', ...st.filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f)));
  } else if (top.includes('model.safetensors')) {
    picked.push('model.safetensors');
  } else if (st.length > 0) {
    picked.push(...st, ...top.filter((f) => f.endsWith('.safetensors.index.json')));
  } else {
    const ggufs = top.filter((f) => f.endsWith('.gguf'));
    if (ggufs.length === 1) picked.push(ggufs[0]!);
    else if (ggufs.length > 1) {
      throw new InvalidArgumentError('hub', 'ref', `${repo} has ${ggufs.length} .gguf files (${ggufs.slice(0, 6).join(', ')}${ggufs.length > 6 ? ', ...' : ''}); choose one with hf:${repo}:FILE`);
    } else throw new NotFoundError(repo, 'has no .safetensors or .gguf weights at its top level');
  }
  return [...new Set(picked)].sort();
}
