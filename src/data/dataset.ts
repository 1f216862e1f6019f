/**
 * Reading prepared shards as training batches.
 *
 * A split is the concatenation of its shard files (documents separated by EOS);
 * a batch is B windows of T+1 consecutive tokens, inputs the first T and
 * targets the last T. Windows are drawn at random positions (seeded, the
 * sampler's state is checkpointed) or sequentially (the cursor is
 * checkpointed), so a resumed run sees the very same batches.
 */
import { join } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { checkTokenizer, readManifest, type ShardManifest, type SplitInfo, type SplitName } from './manifest.js';
import { TokenShard } from './shard-file.js';

/** The shards of one split read as one long token array. */
export class TokenSplit {
  private readonly shards: TokenShard[] = [];
  /** starts[i]: global offset of shard i's first token. */
  private readonly starts: number[] = [];
  readonly numTokens: number;
  readonly numDocuments: number;

  constructor(
    readonly name: SplitName,
    dir: string,
    info: SplitInfo,
  ) {
    let total = 0;
    try {
      for (const s of info.shards) {
        const shard = new TokenShard(join(dir, s.file));
        this.shards.push(shard);
        if (shard.numTokens !== s.tokens) {
          throw new FileFormatError(shard.path, `holds ${shard.numTokens} tokens but the manifest says ${s.tokens}; prepare the data again`);
        }
        this.starts.push(total);
        total += shard.numTokens;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.numTokens = total;
    this.numDocuments = info.documents;
  }

  /** Copies tokens [start, start + count) into out[offset...], crossing shard files as needed. */
  read(start: number, count: number, out: Int32Array, offset = 0): void {
    if (start < 0 || start + count > this.numTokens) {
      throw new InvalidArgumentError('TokenSplit.read', 'range', `[${start}, ${start + count}) is outside the ${this.numTokens} tokens of ${this.name}`);
    }
    let i = upperBound(this.starts, start) - 1;
    let pos = start;
    let left = count;
    while (left > 0) {
      const shard = this.shards[i]!;
      const local = pos - this.starts[i]!;
      const n = Math.min(left, shard.numTokens - local);
      shard.read(local, n, out, offset);
      offset += n;
      pos += n;
      left -= n;
      i++;
    }
  }

  /** Recomputes every shard's checksums. */
  verify(): void {
    for (const s of this.shards) s.verify();
  }

  close(): void {
    for (const s of this.shards) s.close();
  }
}

function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ShardSet {
  readonly dir: string;
  readonly manifest: ShardManifest;
  readonly train: TokenSplit;
  readonly validation: TokenSplit;
  close(): void;
}

/**
 * Opens a prepared shard folder. With `tokenizer`, refuses shards made by a
 * different tokenizer; with `verify`, recomputes every checksum.
 */
export function openShards(dir: string, opts: { tokenizer?: { hash(): string; vocabSize: number }; verify?: boolean } = {}): ShardSet {
  const manifest = readManifest(dir);
  if (opts.tokenizer) checkTokenizer(dir, manifest, opts.tokenizer);
  const train = new TokenSplit('train', dir, manifest.splits.train);
  let validation: TokenSplit;
  try {
    validation = new TokenSplit('validation', dir, manifest.splits.validation);
  } catch (e) {
    train.close();
    throw e;
  }
  const set: ShardSet = {
    dir,
    manifest,
    train,
    validation,
    close() {
      train.close();
      validation.close();
    },
  };
  if (opts.verify) {
    try {
      train.verify();
      validation.verify();
    } catch (e) {
      set.close();
      throw e;
    }
  }
  return set;
}

export interface Batch {
  readonly batchSize: number;
  readonly context: number;
  /** (B, T) row-major input ids. */
  readonly inputs: Int32Array;
  /** (B, T) row-major next-token targets. */
  readonly targets: Int32Array;
}

export type SamplerState =
  | { readonly kind: 'random'; readonly rng: readonly (number | null)[]; readonly drawn: number }
  | { readonly kind: 'sequential'; readonly cursor: number; readonly epoch: number; readonly drawn: number };

export interface SamplerOptions {
  readonly batchSize: number;
  readonly context: number;
  readonly mode: 'random' | 'sequential';
  /** Seed of the random sampler's own generator. */
  readonly seed?: number;
}

function checkFits(split: TokenSplit, T: number): void {
  if (split.numTokens < T + 1) {
    throw new InvalidArgumentError('data', split.name, `holds ${split.numTokens} tokens; a context of ${T} needs at least ${T + 1}; use a shorter context or more data`);
  }
}

/** Draws training batches from a split; its state goes into checkpoints. */
export class BatchSampler {
  private readonly rng: Rng;
  private cursor = 0;
  private epoch = 0;
  private drawn = 0;
  private readonly window: Int32Array;

  constructor(
    readonly split: TokenSplit,
    readonly opts: SamplerOptions,
  ) {
    checkFits(split, opts.context);
    this.rng = new Rng(opts.seed ?? 0);
    this.window = new Int32Array(opts.context + 1);
  }

  /** Sequential mode: completed passes over the split. Random mode: windows drawn / windows in the split. */
  get epochs(): number {
    return this.opts.mode === 'sequential' ? this.epoch + this.cursor / this.split.numTokens : (this.drawn * this.opts.context) / this.split.numTokens;
  }

  next(): Batch {
    const { batchSize: B, context: T } = this.opts;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const N = this.split.numTokens;
    for (let b = 0; b < B; b++) {
      let start: number;
      if (this.opts.mode === 'random') start = this.rng.int(N - T);
      else {
        if (this.cursor + T + 1 > N) {
          this.cursor = 0;
          this.epoch++;
        }
        start = this.cursor;
        this.cursor += T;
      }
      this.split.read(start, T + 1, this.window);
      inputs.set(this.window.subarray(0, T), b * T);
      targets.set(this.window.subarray(1), b * T);
      this.drawn++;
    }
    return { batchSize: B, context: T, inputs, targets };
  }

  state(): SamplerState {
    if (this.opts.mode === 'random') return { kind: 'random', rng: this.rng.getState().map((v) => (Number.isNaN(v) ? null : v)), drawn: this.drawn };
    return { kind: 'sequential', cursor: this.cursor, epoch: this.epoch, drawn: this.drawn };
  }

  loadState(s: SamplerState): void {
    if (s.kind !== this.opts.mode) throw new InvalidArgumentError('BatchSampler.loadState', 'kind', `state is for a ${s.kind} sampler, this one is ${this.opts.mode}`);
    this.drawn = s.drawn;
    if (s.kind === 'random') this.rng.setState(s.rng.map((v) => (v === null ? NaN : v)));
    else {
      this.cursor = s.cursor;
      this.epoch = s.epoch;
    }
  }
}

/**
 * The evaluation batches of a split: consecutive non-overlapping windows from
 * its start, at most `maxBatches` batches (the last may have fewer rows). The
 * same every time, so losses are comparable across evaluations.
 */
export function* evalBatches(split: TokenSplit, batchSize: number, context: number, maxBatches = Infinity): Generator<Batch> {
  checkFits(split, context);
  const T = context;
  const windows = Math.min(Math.floor((split.numTokens - 1) / T), maxBatches * batchSize);
  const w = new Int32Array(T + 1);
  for (let first = 0; first < windows; first += batchSize) {
    const B = Math.min(batchSize, windows - first);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      split.read((first + b) * T, T + 1, w);
      inputs.set(w.subarray(0, T), b * T);
      targets.set(w.subarray(1), b * T);
    }
    yield { batchSize: B, context: T, inputs, targets };
  }
}
