/**
 * `hf:ORG/NAME[@REVISION][:FILE]` references: download a model's files from a
 * Hugging Face hub (or any server with the same API) into the shared hub cache
 * (see hub-cache.ts), and resolve them offline from that cache.
 *
 * Online:
 *   GET  {endpoint}/api/models/{repo}/revision/{rev}  → { sha, siblings: [{ rfilename }] }
 *   HEAD {endpoint}/{repo}/resolve/{commit}/{file}    → X-Linked-Etag / ETag, X-Linked-Size /
 *        Content-Length, X-Repo-Commit; a redirect (LFS files go to a CDN) is not followed,
 *        except a relative one (a renamed repository)
 *   GET  the redirect target (or the resolve URL), with `Range: bytes=N-` to resume a partial
 *        `.incomplete` blob; a dropped connection is retried from where it stopped.
 * A finished blob is verified (sha256 for LFS ETags, git's blob sha1 for 40-hex ETags, and
 * the size) before it is renamed into place, so the cache never holds a corrupt blob.
 *
 * The endpoint, token and cache folder come in as options: library code reads no
 * environment (the CLI maps HF_ENDPOINT, HF_TOKEN and LMKIT_CACHE onto them).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, LmkitError, NotFoundError } from '../errors.js';
import {
  COMMIT_RE,
  checkRepoPath,
  linkSnapshot,
  listSnapshot,
  normalizeEtag,
  parseHubRef,
  readRef,
  repoFolder,
  selectModelFiles,
  writeRef,
} from './hub-cache.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubProgress {
  readonly file: string;
  readonly loaded: number;
  readonly total: number | undefined;
}

export interface HubOptions {
  /** The cache root (holds models--ORG--NAME folders). */
  readonly cacheDir: string;
  /** Default https://huggingface.co. */
  readonly endpoint?: string;
  /** Use the cache only; a file that is not cached is a NotFoundError. */
  readonly offline?: boolean;
  /** Sent as `Authorization: Bearer` to the endpoint (never to a CDN on another host). */
  readonly token?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Which repository files to fetch, instead of the default model files. */
  readonly include?: (path: string) => boolean;
  /** Attempts per file after a dropped connection (default 3). */
  readonly retries?: number;
  readonly onProgress?: (p: HubProgress) => void;
}

export interface HubSnapshot {
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  /** snapshots/COMMIT: a model folder that the loaders open directly. */
  readonly dir: string;
  /** Repo paths of the files fetched (or found in the cache). */
  readonly files: readonly string[];
  /** The requested file's local path, for `hf:ORG/NAME:FILE` references. */
  readonly path?: string;
}

function hubError(message: string, cause?: unknown): LmkitError {
  return new LmkitError('io', `[hub] ${message}`, { cause });
}

/** Resolves an `hf:` reference to a local snapshot folder, downloading what is missing. */
export async function resolveHub(ref: string, opts: HubOptions): Promise<HubSnapshot> {
  const r = parseHubRef(ref);
  const folder = repoFolder(opts.cacheDir, r.repo);
  if (opts.offline) return resolveOffline(ref, r.repo, r.revision, r.file, folder, opts);
  const endpoint = (opts.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};

  let info: { sha?: unknown; siblings?: unknown };
  try {
    const res = await doFetch(`${endpoint}/api/models/${r.repo}/revision/${encodeURIComponent(r.revision)}`, { headers: auth });
    if (res.status === 401 || res.status === 403) throw hubError(`${r.repo}: access denied (HTTP ${res.status}); a private or gated model needs a token (HF_TOKEN)`);
    if (res.status === 404) throw new NotFoundError(r.repo, `no such model or revision '${r.revision}' on ${endpoint}`);
    if (!res.ok) throw hubError(`${r.repo}: ${endpoint} answered HTTP ${res.status} to the model listing`);
    info = (await res.json()) as typeof info;
  } catch (e) {
    if (LmkitError.isInstance(e)) throw e;
    // Unreachable hub: fall back to the cache when it has this revision.
    if (readRef(folder, r.revision) || COMMIT_RE.test(r.revision)) {
      try {
        return resolveOffline(ref, r.repo, r.revision, r.file, folder, opts);
      } catch {
        // report the network failure below, which says more
      }
    }
    throw hubError(`cannot reach ${endpoint} for ${r.repo} (${(e as Error).message}); retry when online or pass offline with a filled cache`, e);
  }
  const commit = typeof info.sha === 'string' && COMMIT_RE.test(info.sha) ? info.sha : undefined;
  if (!commit || !Array.isArray(info.siblings)) throw hubError(`${r.repo}: the model listing has no commit sha or file list`);
  const all = info.siblings.map((s) => (s as { rfilename?: unknown }).rfilename).filter((f): f is string => typeof f === 'string');
  let wanted: string[];
  if (r.file !== undefined) {
    if (!all.includes(r.file)) throw new NotFoundError(r.repo, `has no file '${r.file}' at ${r.revision}`);
    wanted = [r.file];
  } else {
    wanted = opts.include ? all.filter(opts.include) : selectModelFiles(r.repo, all);
  }
  for (const f of wanted) checkRepoPath(f, 'siblings');
  mkdirSync(folder, { recursive: true });
  writeRef(folder, r.revision, commit);

  const dir = join(folder, 'snapshots', commit);
  for (const file of wanted) {
    if (existsSync(join(dir, file))) continue;
    await downloadFile(endpoint, r.repo, commit, file, folder, auth, doFetch, opts);
  }
  return { repo: r.repo, revision: r.revision, commit, dir, files: wanted, ...(r.file !== undefined ? { path: join(dir, r.file) } : {}) };
}

function resolveOffline(ref: string, repo: string, revision: string, file: string | undefined, folder: string, opts: HubOptions): HubSnapshot {
  const commit = COMMIT_RE.test(revision) ? revision : readRef(folder, revision);
  if (!commit) throw new NotFoundError(ref, `revision '${revision}' of ${repo} is not in the cache at ${opts.cacheDir}; run once online to download it`);
  const dir = join(folder, 'snapshots', commit);
  const present = listSnapshot(dir);
  if (file !== undefined) {
    if (!present.includes(file)) throw new NotFoundError(ref, `file '${file}' is not in the cached snapshot ${dir}; run once online to download it`);
    return { repo, revision, commit, dir, files: [file], path: join(dir, file) };
  }
  const files = opts.include ? present.filter(opts.include) : present;
  if (!opts.include && !files.includes('config.json') && !files.some((f) => f.endsWith('.gguf'))) {
    throw new NotFoundError(ref, `the cached snapshot ${dir} has no config.json or .gguf; run once online to download the model`);
  }
  if (!opts.include && files.includes('model.safetensors.index.json')) {
    const missing = shardsMissing(dir, files);
    if (missing.length) throw new NotFoundError(ref, `the cached snapshot lacks ${missing.join(', ')}; run once online to finish the download`);
  }
  return { repo, revision, commit, dir, files };
}

function shardsMissing(dir: string, files: string[]): string[] {
  try {
    const idx = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map?: Record<string, string> };
    return [...new Set(Object.values(idx.weight_map ?? {}))].filter((f) => !files.includes(f));
  } catch {
    return [];
  }
}

interface FileMeta {
  etag: string;
  size: number | undefined;
  /** Where to GET the content (a CDN URL for LFS files). */
  location: string;
  sameOrigin: boolean;
}

/** HEAD the resolve URL without following absolute redirects, as huggingface_hub does, to read the ETag. */
async function fileMeta(url: string, file: string, auth: Record<string, string>, doFetch: typeof fetch): Promise<FileMeta> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await doFetch(current, { method: 'HEAD', redirect: 'manual', headers: { ...auth, 'accept-encoding': 'identity' } });
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc) {
      const target = new URL(loc, current);
      const sameOrigin = target.origin === new URL(url).origin;
      const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
      // A relative redirect (renamed repo) is followed; an absolute one to a CDN is where the data lives.
      if (sameOrigin && !loc.match(/^[a-z]+:/i)) {
        current = target.href;
        continue;
      }
      if (!etag) throw hubError(`${file}: the redirect from ${current} carries no ETag`);
      const size = numberHeader(res.headers.get('x-linked-size')) ?? undefined;
      return { etag, size, location: target.href, sameOrigin };
    }
    if (res.status === 404) throw new NotFoundError(file, `not found at ${current}`);
    if (res.status === 401 || res.status === 403) throw hubError(`${file}: access denied (HTTP ${res.status}); a gated model needs a token`);
    if (!res.ok) throw hubError(`${file}: HTTP ${res.status} from ${current}`);
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    if (!etag) throw hubError(`${file}: ${current} sent no ETag, so the download cannot be cached or verified`);
    const size = numberHeader(res.headers.get('x-linked-size')) ?? numberHeader(res.headers.get('content-length'));
    return { etag, size, location: current, sameOrigin: true };
  }
  throw hubError(`${file}: too many redirects from ${url}`);
}

function numberHeader(v: string | null): number | undefined {
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function downloadFile(
  endpoint: string,
  repo: string,
  commit: string,
  file: string,
  folder: string,
  auth: Record<string, string>,
  doFetch: typeof fetch,
  opts: HubOptions,
): Promise<void> {
  const url = `${endpoint}/${repo}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
  const meta = await fileMeta(url, file, auth, doFetch);
  if (!/^[\w.-]+$/.test(meta.etag)) throw hubError(`${file}: unusable ETag '${meta.etag}'`);
  const blobs = join(folder, 'blobs');
  const blob = join(blobs, meta.etag);
  mkdirSync(blobs, { recursive: true });
  if (!existsSync(blob)) {
    const partial = `${blob}.incomplete`;
    const retries = opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        await fetchInto(meta, partial, file, meta.sameOrigin ? auth : {}, doFetch, opts);
        break;
      } catch (e) {
        if (LmkitError.isInstance(e) || attempt >= retries) {
          if (LmkitError.isInstance(e)) throw e;
          throw hubError(`${file}: download interrupted (${(e as Error).message}); ${existsSync(partial) ? statSync(partial).size : 0} bytes kept for resuming`, e);
        }
      }
    }
    await verify(partial, meta, file);
    renameSync(partial, blob);
  }
  linkSnapshot(folder, commit, file, meta.etag);
}

/** Appends the rest of the file to `partial`, asking for `Range: bytes=N-` when N bytes are already there. */
async function fetchInto(meta: FileMeta, partial: string, file: string, auth: Record<string, string>, doFetch: typeof fetch, opts: HubOptions): Promise<void> {
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (meta.size !== undefined && have > meta.size) {
    rmSync(partial);
    have = 0;
  }
  if (meta.size !== undefined && have === meta.size) return;
  const headers: Record<string, string> = { ...auth, 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const res = await doFetch(meta.location, { headers, redirect: 'follow' });
  if (res.status === 416 && have > 0) {
    // The server has nothing past what we hold: verification decides whether it is whole.
    await res.body?.cancel();
    return;
  }
  if (!res.ok) throw hubError(`${file}: HTTP ${res.status} from ${meta.location}`);
  let fd: number;
  if (res.status === 206) {
    const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) throw hubError(`${file}: the server resumed at the wrong offset (${res.headers.get('content-range')})`);
    fd = openSync(partial, 'a');
  } else {
    have = 0;
    fd = openSync(partial, 'w');
  }
  try {
    if (!res.body) throw hubError(`${file}: empty response body`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
      have += chunk.byteLength;
      opts.onProgress?.({ file, loaded: have, total: meta.size });
    }
  } finally {
    closeSync(fd);
  }
}

/** Checks the finished download against its ETag (sha256 or git blob sha1) and size; a bad one is deleted. */
async function verify(partial: string, meta: FileMeta, file: string): Promise<void> {
  const size = statSync(partial).size;
  const fail = (detail: string): never => {
    rmSync(partial, { force: true });
    throw new FileFormatError(file, `${detail}; the download was discarded, retry to fetch it again`, 'checksum');
  };
  if (meta.size !== undefined && size !== meta.size) fail(`downloaded ${size} bytes, expected ${meta.size}`);
  const algo = /^[0-9a-f]{64}$/.test(meta.etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(meta.etag) ? 'sha1' : undefined;
  if (!algo) return;
  const h = createHash(algo);
  if (algo === 'sha1') h.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(partial)) h.update(chunk as Buffer);
  const got = h.digest('hex');
  if (got !== meta.etag) fail(`${algo} is ${got}, expected ${meta.etag} (corrupted download?)`);
}

export { parseHubRef } from './hub-cache.js';
export type { HubRef } from './hub-cache.js';

/** Whether `s` is an `hf:` reference (as opposed to a local path). */
export function isHubRef(s: string): boolean {
  return s.startsWith('hf:');
}
