/**
 * Tokenizes input files once into token shards with a manifest.
 *
 * Documents stream from the readers in ./sources.ts, are tokenized piece by
 * piece and end with EOS. The validation split is either given as files or
 * carved from the training inputs: a document (or a 64K-token segment of a
 * very long one) goes to validation whenever that brings validation's share
 * of the tokens seen so far nearest to `valFraction` (the document counted at
 * half its length), so the split is deterministic, proportional, and spread
 * over the whole input.
 *
 * Everything is written in a staging folder inside `outDir` and moved into
 * place only when complete (manifest last), so a failure leaves no partial
 * output and any earlier shards in `outDir` untouched.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { resolveInputs } from './inputs.js';
import { bytesPerToken, ShardWriter } from './shard-file.js';
import { MANIFEST_FILE, SHARDS_FORMAT, SHARDS_VERSION, type ShardManifest, type SourceFile, type SplitInfo, type SplitName } from './manifest.js';
import { detectFormat, readDocuments, type DocSplit, type SourceFormat } from './sources.js';
import type { TextTokenizer } from './text-tokenizer.js';

/** Long documents are cut into segments of at most this many tokens for the split assignment. */
const SEGMENT_TOKENS = 1 << 16;

export interface PrepareOptions {
  /** Files or folders for training (a folder laid out as train/valid splits gives both). */
  readonly inputs: readonly string[];
  /** Files or folders for validation; when absent validation is carved from `inputs`. */
  readonly validation?: readonly string[];
  readonly tokenizer: TextTokenizer;
  readonly outDir: string;
  readonly format?: SourceFormat;
  readonly field?: string;
  readonly docSplit?: DocSplit;
  readonly separator?: string;
  /** Fraction of tokens carved for validation when no validation files are given. Default 0.01. */
  readonly valFraction?: number;
  /** Recognise special-token text (`<|im_start|>`) in the input. Default true. */
  readonly parseSpecial?: boolean;
  /** Tokens per shard file. Default 2^26. */
  readonly shardTokens?: number;
  /** Called about every 4 MB of input with the bytes done so far. */
  readonly onProgress?: (p: { bytes: number; totalBytes: number; tokens: number }) => void;
}

/** A growable run of token ids (a segment being assembled). */
class TokenBuffer {
  private buf = new Int32Array(1 << 16);
  length = 0;
  push(id: number): void {
    if (this.length === this.buf.length) this.grow(this.length + 1);
    this.buf[this.length++] = id;
  }
  append(ids: readonly number[]): void {
    if (this.length + ids.length > this.buf.length) this.grow(this.length + ids.length);
    const b = this.buf;
    let n = this.length;
    for (let i = 0; i < ids.length; i++) b[n++] = ids[i]!;
    this.length = n;
  }
  private grow(min: number): void {
    let cap = this.buf.length;
    while (cap < min) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  view(): Int32Array {
    return this.buf.subarray(0, this.length);
  }
  clear(): void {
    this.length = 0;
  }
}

class SplitWriter {
  private writer: ShardWriter | null = null;
  readonly shards: { file: string; tokens: number; documents: number }[] = [];
  tokens = 0;
  documents = 0;

  constructor(
    readonly name: SplitName,
    private readonly dir: string,
    private readonly vocabSize: number,
    private readonly shardTokens: number,
  ) {}

  private current(): ShardWriter {
    if (!this.writer) {
      const file = `${this.name}-${String(this.shards.length).padStart(5, '0')}.bin`;
      this.writer = new ShardWriter(join(this.dir, file), this.vocabSize);
    }
    return this.writer;
  }

  private rollIfFull(): void {
    if (this.writer && this.writer.numTokens >= this.shardTokens) this.closeShard();
  }

  private closeShard(): void {
    const w = this.writer!;
    const h = w.finish();
    this.shards.push({ file: w.path.slice(this.dir.length + 1), tokens: h.numTokens, documents: h.numDocs });
    this.writer = null;
  }

  /** Appends one segment (a document or part of one); `start` marks a document start. */
  write(ids: Int32Array, start: boolean): void {
    this.rollIfFull();
    if (start) {
      this.current().startDocument();
      this.documents++;
    }
    let off = 0;
    while (off < ids.length) {
      const w = this.current();
      const room = this.shardTokens - w.numTokens;
      const n = Math.min(room, ids.length - off);
      w.write(ids.subarray(off, off + n));
      off += n;
      this.tokens += n;
      if (off < ids.length) this.closeShard();
    }
  }

  finish(): SplitInfo {
    if (this.writer) this.closeShard();
    return { tokens: this.tokens, documents: this.documents, shards: this.shards };
  }

  abort(): void {
    this.writer?.abort();
    this.writer = null;
  }
}

/** Tokenizes the inputs into `outDir` and returns the manifest written there. */
export async function prepareShards(opts: PrepareOptions): Promise<ShardManifest> {
  const tok = opts.tokenizer;
  const eos = tok.eosId;
  if (eos === undefined) throw new InvalidArgumentError('data', 'tokenizer', 'has no EOS token; the pipeline needs one to mark document ends');
  const valFraction = opts.valFraction ?? 0.01;
  if (!(valFraction >= 0 && valFraction < 1)) throw new InvalidArgumentError('data', 'valFraction', `${valFraction} must be in [0, 1)`);
  const shardTokens = opts.shardTokens ?? 1 << 26;
  if (!Number.isInteger(shardTokens) || shardTokens < 1) throw new InvalidArgumentError('data', 'shardTokens', 'must be a positive integer');
  const parseSpecial = opts.parseSpecial ?? true;
  const { train, validation } = resolveInputs(opts.inputs, opts.validation ?? []);
  const files: SourceFile[] = [];
  for (const [split, list] of [['train', train], ['validation', validation]] as const) {
    for (const p of list) {
      const st = statSync(p);
      files.push({ path: p, bytes: st.size, mtimeMs: st.mtimeMs, split, format: opts.format ?? detectFormat(p) });
    }
  }
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  const outDir = resolve(opts.outDir);
  const createdOut = !existsSync(outDir);
  mkdirSync(outDir, { recursive: true });
  const staging = join(outDir, `.staging-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(staging);
  const writers = {
    train: new SplitWriter('train', staging, tok.vocabSize, shardTokens),
    validation: new SplitWriter('validation', staging, tok.vocabSize, shardTokens),
  };
  const t0 = performance.now();
  let bytesDone = 0;
  let lastReport = 0;
  const seg = new TokenBuffer();
  try {
    let seen = 0;
    for (const f of files) {
      const carve = f.split === 'train' && validation.length === 0 && valFraction > 0;
      let segIsDocStart = true;
      const emit = (docEnd: boolean) => {
        if (docEnd) seg.push(eos);
        const len = seg.length;
        let dest = writers[f.split];
        if (carve && writers.validation.tokens + len / 2 <= valFraction * (seen + len)) dest = writers.validation;
        dest.write(seg.view(), segIsDocStart);
        seen += len;
        seg.clear();
        segIsDocStart = docEnd;
      };
      const reader = readDocuments(f.path, {
        format: f.format,
        ...(opts.field !== undefined ? { field: opts.field } : {}),
        ...(opts.docSplit !== undefined ? { docSplit: opts.docSplit } : {}),
        ...(opts.separator !== undefined ? { separator: opts.separator } : {}),
      });
      let chars = 0;
      for await (const piece of reader) {
        const ids = piece.text === '' ? [] : tok.encode(piece.text, { parseSpecial });
        const V = tok.vocabSize;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i]!;
          if (!(id >= 0 && id < V)) throw new InvalidArgumentError('data', 'tokenizer', `produced id ${id} outside its vocabulary of ${V}`);
        }
        seg.append(ids);
        if (seg.length >= SEGMENT_TOKENS && !piece.end) emit(false);
        if (piece.end) emit(true);
        // Bytes are estimated from characters until the file is done (exact for ASCII).
        chars += piece.text.length;
        if (opts.onProgress && chars - lastReport > 4 << 20) {
          lastReport = chars;
          opts.onProgress({ bytes: bytesDone + Math.min(chars, f.bytes), totalBytes, tokens: writers.train.tokens + writers.validation.tokens });
        }
      }
      if (seg.length) emit(true);
      bytesDone += f.bytes;
      lastReport = 0;
    }
    const trainInfo = writers.train.finish();
    const validInfo = writers.validation.finish();
    if (trainInfo.tokens === 0) {
      throw new InvalidArgumentError('data', 'inputs', `no text found in ${train.join(', ')}: the inputs are empty${opts.field ? ` or field '${opts.field}' is always empty` : ''}`);
    }
    if (validInfo.tokens === 0 && (validation.length > 0 || valFraction > 0)) {
      throw new InvalidArgumentError(
        'data',
        'validation',
        validation.length > 0
          ? `no text found in the validation files ${validation.join(', ')}`
          : `the split is empty: ${trainInfo.documents} document(s) of ${trainInfo.tokens} tokens are too few for --val-fraction ${valFraction}; raise it or give validation files`,
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    const manifest: ShardManifest = {
      format: SHARDS_FORMAT,
      version: SHARDS_VERSION,
      tokenizer: { hash: tok.hash(), vocabSize: tok.vocabSize, eosId: eos },
      dtype: bytesPerToken(tok.vocabSize) === 2 ? 'uint16' : 'uint32',
      options: {
        field: opts.field ?? 'text',
        docSplit: opts.docSplit ?? 'separator',
        separator: opts.separator ?? '<|endoftext|>',
        valFraction: validation.length ? null : valFraction,
        parseSpecial,
        shardTokens,
      },
      files,
      splits: { train: trainInfo, validation: validInfo },
      stats: { bytes: totalBytes, seconds, mbPerSecond: totalBytes / 1e6 / Math.max(seconds, 1e-9) },
      createdAt: new Date().toISOString(),
    };
    commit(staging, outDir, manifest);
    return manifest;
  } catch (e) {
    writers.train.abort();
    writers.validation.abort();
    rmSync(staging, { recursive: true, force: true });
    if (createdOut && readdirSync(outDir).length === 0) rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/** Moves the staged shards into outDir: the old manifest goes first, the new one last. */
function commit(staging: string, outDir: string, manifest: ShardManifest): void {
  rmSync(join(outDir, MANIFEST_FILE), { force: true });
  for (const name of readdirSync(outDir)) if (/^(train|validation)-\d{5}\.bin$/.test(name)) rmSync(join(outDir, name));
  for (const name of readdirSync(staging)) renameSync(join(staging, name), join(outDir, name));
  rmSync(staging, { recursive: true, force: true });
  writeFileAtomicSync(join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}
