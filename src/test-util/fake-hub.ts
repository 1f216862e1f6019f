/**
 * Test helper: a fake Hugging Face hub on loopback (the API's file list, the
 * resolve endpoint with ETags and redirects to a separate CDN origin for LFS
 * blobs, with Range support), with switches for the faults the downloader
 * must survive: a dropped connection, a corrupted blob.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const COMMIT = 'a'.repeat(39) + '1';

export interface Repo {
  files: Map<string, { data: Buffer; lfs: boolean }>;
}

export interface Log {
  method: string;
  url: string;
  range?: string;
  auth?: string;
}

/** A fake hub (API + resolve) and a separate CDN origin that serves LFS blobs with Range support. */
export async function startHub(repo: Repo, faults: { dropFirst?: boolean; corrupt?: boolean; dropAlways?: boolean; badSmall?: boolean } = {}) {
  const log: Log[] = [];
  let drops = 0;
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
  const byHash = new Map<string, Buffer>();
  for (const f of repo.files.values()) if (f.lfs) byHash.set(sha256(f.data), f.data);

  const record = (req: IncomingMessage) =>
    log.push({ method: req.method!, url: req.url!, range: req.headers.range, auth: req.headers.authorization });

  const cdn = createServer((req: IncomingMessage, res: ServerResponse) => {
    record(req);
    const data = byHash.get(req.url!.replace('/blobs/', ''));
    if (!data) return res.writeHead(404).end();
    let body = data;
    if (faults.corrupt) {
      body = Buffer.from(data);
      body[body.length >> 1]! ^= 0xff;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length && m) return res.writeHead(416).end();
    const part = body.subarray(start);
    res.writeHead(m ? 206 : 200, {
      'content-length': part.length,
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    if ((faults.dropFirst && drops === 0) || faults.dropAlways) {
      drops++;
      // Send half of what was asked for, then cut the connection.
      res.write(part.subarray(0, part.length >> 1), () => res.destroy());
      return;
    }
    res.end(part);
  });
  await new Promise<void>((ok) => cdn.listen(0, '127.0.0.1', ok));
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  const hub: Server = createServer((req, res) => {
    record(req);
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/models/org/tiny/revision/main') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: 'org/tiny', sha: COMMIT, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) }));
    }
    if (url.pathname === '/api/models/old/tiny/revision/main') return res.writeHead(307, { location: '/api/models/org/tiny/revision/main' }).end();
    if (url.pathname.startsWith('/api/')) return res.writeHead(404).end();
    const old = /^\/old\/tiny\/(.*)$/.exec(url.pathname);
    if (old) return res.writeHead(307, { location: `/org/tiny/${old[1]}` }).end();
    const m = /^\/org\/tiny\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const f = m && repo.files.get(decodeURIComponent(m[2]!));
    if (!m || !f) return res.writeHead(404).end();
    if (f.lfs) {
      const h = sha256(f.data);
      return res
        .writeHead(302, { location: `${cdnUrl}/blobs/${h}`, 'x-linked-etag': `"${h}"`, 'x-linked-size': String(f.data.length), 'x-repo-commit': COMMIT, etag: '"pointer"' })
        .end();
    }
    res.writeHead(200, { etag: `"${gitSha1(f.data)}"`, 'content-length': f.data.length, 'x-repo-commit': COMMIT });
    const body = faults.badSmall ? Buffer.from(f.data).fill(0x20, 0, 1) : f.data;
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok) => hub.listen(0, '127.0.0.1', ok));
  const endpoint = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise((ok) => hub.close(ok));
    await new Promise((ok) => cdn.close(ok));
  };
  return { endpoint, log, close };
}

