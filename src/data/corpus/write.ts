/**
 * Writes a generated corpus to a folder: for each split a `.txt` of training
 * text and a `.jsonl` of records, plus `world.json` (the catalog) and
 * `manifest.json` (options, counts, held-out lists, sha256 of every file).
 * Every file is written atomically; the manifest is written last, so a folder
 * whose manifest matches its files is complete.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../io/atomic.js';
import { generateCorpus, type Corpus, type CorpusOptions, type HeldOutTemplate } from './generate.js';
import { END_OF_TEXT, SPECIAL_TOKENS } from './prompts.js';
import { SHOP } from './policies.js';
import { enFullName, priceEn, specFactEn, weightEn } from './product-text.js';
import { SPLITS, TASKS, type CorpusRecord, type SplitName, type TaskName } from './record.js';

export const MANIFEST_FORMAT = 'lmkit-corpus';
export const MANIFEST_VERSION = 1;

export interface FileInfo {
  readonly bytes: number;
  readonly sha256: string;
}

export interface CorpusManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly seed: number;
  readonly scale: number;
  readonly shop: string;
  readonly specialTokens: readonly string[];
  /** Records per split and task, with a total. */
  readonly counts: Record<SplitName, Record<TaskName | 'total', number>>;
  /** Test records that use at least one held-out entity or template. */
  readonly testHeldOutRecords: number;
  readonly catalog: { readonly products: number; readonly trainProducts: number; readonly heldOutProducts: number };
  readonly heldOut: {
    readonly brands: readonly string[];
    readonly modelWords: readonly string[];
    readonly names: readonly string[];
    /** "categoryId/colorId". */
    readonly pairs: readonly string[];
    readonly templates: readonly HeldOutTemplate[];
  };
  readonly files: Record<string, FileInfo>;
}

/**
 * The training text of a split: every record's text, each ending in
 * <|endoftext|> and a newline, so splitting on "<|endoftext|>\n" gives the
 * records back and a trainer can mark document boundaries.
 */
export function splitText(records: readonly CorpusRecord[]): string {
  let out = '';
  for (const r of records) out += r.text.endsWith(END_OF_TEXT) ? `${r.text}\n` : `${r.text}${END_OF_TEXT}\n`;
  return out;
}

/** One JSON object per line, with a stable key order. */
export function splitJsonl(records: readonly CorpusRecord[]): string {
  const lines = records.map((r) =>
    JSON.stringify({
      task: r.task, split: r.split, kind: r.kind, lang: r.lang, template: r.template, variant: r.variant,
      input: r.input, context: r.context, output: r.output, label: r.label, facts: r.facts, holdout: r.holdout, text: r.text,
    }),
  );
  return lines.join('\n') + '\n';
}

/** The catalog as data, for evaluation harnesses and for reading. */
export function worldJson(c: Corpus): string {
  const products = c.world.products.map((p) => ({
    id: p.id, name: enFullName(p), category: p.category.id, brand: p.brand, model: p.model,
    price: priceEn(p), weight: weightEn(p.weightG), colors: p.colors.map((k) => k.en), material: p.material.en,
    spec: specFactEn(p.spec), warrantyYears: p.warrantyYears, stock: p.stock, heldOut: p.heldOut,
  }));
  return JSON.stringify({ shop: SHOP, products }, null, 1) + '\n';
}

function fileInfo(content: string): { buf: Buffer; info: FileInfo } {
  const buf = Buffer.from(content, 'utf8');
  return { buf, info: { bytes: buf.byteLength, sha256: createHash('sha256').update(buf).digest('hex') } };
}

export function buildManifest(c: Corpus, files: Record<string, FileInfo>): CorpusManifest {
  const counts = {} as Record<SplitName, Record<TaskName | 'total', number>>;
  for (const split of SPLITS) {
    const row = { total: c.splits[split].length } as Record<TaskName | 'total', number>;
    for (const t of TASKS) row[t] = 0;
    for (const r of c.splits[split]) row[r.task]++;
    counts[split] = row;
  }
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    seed: c.seed,
    scale: c.scale,
    shop: SHOP.name,
    specialTokens: SPECIAL_TOKENS,
    counts,
    testHeldOutRecords: c.splits.test.filter((r) => r.holdout.length > 0).length,
    catalog: { products: c.world.products.length, trainProducts: c.world.trainProducts.length, heldOutProducts: c.world.heldProducts.length },
    heldOut: {
      brands: c.heldOut.brands,
      modelWords: c.heldOut.modelWords,
      names: c.heldOut.names,
      pairs: c.heldOut.pairs.map(([cat, color]) => `${cat}/${color}`),
      templates: c.heldOut.templates,
    },
    files,
  };
}

export interface WriteCorpusOptions extends CorpusOptions {
  readonly outDir: string;
}

/** Generates the corpus for (seed, scale) and writes it under `outDir`; returns the manifest. */
export function writeCorpus(opts: WriteCorpusOptions): CorpusManifest {
  const corpus = generateCorpus(opts);
  const files: Record<string, FileInfo> = {};
  const put = (name: string, content: string) => {
    const { buf, info } = fileInfo(content);
    writeFileAtomicSync(join(opts.outDir, name), buf);
    files[name] = info;
  };
  for (const split of SPLITS) {
    put(`${split}.txt`, splitText(corpus.splits[split]));
    put(`${split}.jsonl`, splitJsonl(corpus.splits[split]));
  }
  put('world.json', worldJson(corpus));
  const manifest = buildManifest(corpus, files);
  writeFileAtomicSync(join(opts.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
