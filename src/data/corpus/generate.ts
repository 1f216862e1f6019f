/**
 * Generates the whole corpus in memory: train, validation and test records
 * for every task, deterministically from (seed, scale).
 *
 * - train and validation use only in-distribution entities and templates;
 * - test is half in-distribution, half held-out: each of those records uses at
 *   least one held-out brand, model word, customer name, category/color pair or
 *   template, listed in its `holdout` field;
 * - no validation or test record repeats a training record's prompt (task,
 *   context and input), so scores are never measured on memorized items.
 */
import { InvalidArgumentError } from '../../errors.js';
import { promptVariants, renderTrainingText } from './prompts.js';
import { TASKS, type CorpusRecord, type DraftRecord, type SplitName, type TaskName } from './record.js';
import { Rng } from './rng.js';
import { Scope, type Mode, type TemplateInfo } from './scope.js';
import { DESCRIPTION_TEMPLATES, generateDescription } from './tasks/description.js';
import { generateSentiment, generateSummary } from './tasks/labelled.js';
import { CLAUSES, OPENERS } from './tasks/review.js';
import { SUPPORT_TEMPLATES, generateSupport } from './tasks/support.js';
import { TICKET_TEMPLATES } from './tasks/ticket.js';
import { TRANSLATION_TEMPLATES, generateTranslation } from './tasks/translation.js';
import { buildWorld, type HeldOutEntities, type World } from './world.js';

export interface CorpusOptions {
  /** Non-negative integer; the same seed gives byte-identical output. Default 1. */
  readonly seed?: number;
  /** Multiplies every record count. Default 1 (about 16 MB of training text). */
  readonly scale?: number;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_SCALE = 1;

/** Training records per task at scale 1. */
export const BASE_COUNTS: Readonly<Record<TaskName, number>> = {
  description: 5000,
  support: 12000,
  translate: 18000,
  sentiment: 10000,
  summary: 8000,
};

/** Validation and test sizes relative to training (at least MIN_EVAL_RECORDS each). */
export const VALID_FRACTION = 0.04;
export const TEST_FRACTION = 0.04;
export const MIN_EVAL_RECORDS = 20;
/** Share of test records that must use a held-out entity or template. */
export const TEST_HELD_OUT_SHARE = 0.5;
/** Share of training records that use the canonical prompt (the rest use paraphrases). */
export const CANONICAL_SHARE = 0.6;

/** One record of a task, drawn from a scope. */
export const GENERATORS: Readonly<Record<TaskName, (scope: Scope) => DraftRecord>> = {
  description: generateDescription,
  support: generateSupport,
  translate: generateTranslation,
  sentiment: generateSentiment,
  summary: generateSummary,
};

export interface HeldOutTemplate {
  readonly id: string;
  readonly task: TaskName;
  readonly signatures: readonly string[];
}

/** Every held-out template, with the task it belongs to. */
export function heldOutTemplates(): HeldOutTemplate[] {
  const byTask: [TaskName, readonly TemplateInfo[]][] = [
    ['description', DESCRIPTION_TEMPLATES],
    ['support', SUPPORT_TEMPLATES],
    ['translate', TRANSLATION_TEMPLATES],
    ['sentiment', [...OPENERS, ...CLAUSES]],
    ['summary', TICKET_TEMPLATES],
  ];
  return byTask.flatMap(([task, list]) => list.filter((t) => t.heldOut).map((t) => ({ id: t.id, task, signatures: t.signatures ?? [] })));
}

export interface Corpus {
  readonly seed: number;
  readonly scale: number;
  readonly world: World;
  readonly splits: Readonly<Record<SplitName, readonly CorpusRecord[]>>;
  readonly heldOut: HeldOutEntities & { readonly templates: readonly HeldOutTemplate[] };
}

export function checkOptions(opts: CorpusOptions): { seed: number; scale: number } {
  const seed = opts.seed ?? DEFAULT_SEED;
  const scale = opts.scale ?? DEFAULT_SCALE;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidArgumentError('corpus', 'seed', `expected a non-negative integer, got ${seed}`);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) throw new InvalidArgumentError('corpus', 'scale', `expected a number in (0, 1000], got ${scale}`);
  return { seed, scale };
}

/** Record counts per split for one task at `scale`. */
export function splitCounts(task: TaskName, scale: number): Record<SplitName, number> {
  const train = Math.max(1, Math.round(BASE_COUNTS[task] * scale));
  return {
    train,
    valid: Math.max(MIN_EVAL_RECORDS, Math.round(train * VALID_FRACTION)),
    test: Math.max(MIN_EVAL_RECORDS, Math.round(train * TEST_FRACTION)),
  };
}

/** The key under which two records ask the same thing (descriptions, having no prompt, by their text). */
function promptKey(d: DraftRecord): string {
  if (d.task === 'description') return `${d.task}\u0000${d.output}`;
  return `${d.task}\u0000${d.context ?? ''}\u0000${d.input}`;
}

const MAX_TRIES = 200;

function pickVariant(rng: Rng, d: DraftRecord, split: SplitName): number {
  const n = promptVariants(d.task, d.lang);
  if (split === 'test' || n === 1 || rng.chance(CANONICAL_SHARE)) return 0;
  return 1 + rng.int(n - 1);
}

function finish(d: DraftRecord, split: SplitName, variant: number, holdout: Iterable<string>): CorpusRecord {
  // An object literal of one fixed shape (no spread): cheaper to build and to serialize.
  const r: CorpusRecord = {
    task: d.task,
    split,
    kind: d.kind,
    lang: d.lang,
    template: d.template,
    variant,
    input: d.input,
    context: d.context,
    output: d.output,
    label: d.label,
    facts: d.facts,
    holdout: [...holdout].sort(),
    text: renderTrainingText(d, variant),
  };
  return r;
}

/** Draws one record in `mode`, retrying until it is new and (in 'out' mode) uses something held out. */
function draw(scope: Scope, task: TaskName, mode: Mode, seen: ReadonlySet<string>): { draft: DraftRecord; used: ReadonlySet<string> } | null {
  for (let i = 0; i < MAX_TRIES; i++) {
    scope.reset(mode);
    const draft = GENERATORS[task](scope);
    if (mode === 'in' && scope.used.size > 0) {
      // A generator bug, not bad input: training text must never see a held-out item.
      throw new Error(`[corpus] internal: generator '${task}' used held-out items in an in-distribution record: ${[...scope.used].join(', ')}`);
    }
    if (mode === 'out' && scope.used.size === 0) continue;
    if (seen.has(promptKey(draft))) continue;
    return { draft, used: scope.used };
  }
  return null;
}

/** Builds the corpus for (seed, scale). Pure: the same options give the same records. */
export function generateCorpus(opts: CorpusOptions = {}): Corpus {
  const { seed, scale } = checkOptions(opts);
  const world = buildWorld(seed);
  const root = new Rng(seed);
  const splits: Record<SplitName, CorpusRecord[]> = { train: [], valid: [], test: [] };
  for (const task of TASKS) {
    const counts = splitCounts(task, scale);
    const trainKeys = new Set<string>();
    const rngTrain = root.fork(`${task}/train`);
    const trainScope = new Scope(world, rngTrain, 'in');
    const none = new Set<string>();
    for (let i = 0; i < counts.train; i++) {
      const { draft } = draw(trainScope, task, 'in', none)!;
      trainKeys.add(promptKey(draft));
      splits.train.push(finish(draft, 'train', pickVariant(rngTrain, draft, 'train'), []));
    }
    // Validation and test must not repeat a training prompt, nor each other's.
    const seen = new Set(trainKeys);
    for (const split of ['valid', 'test'] as const) {
      const rng = root.fork(`${task}/${split}`);
      const scope = new Scope(world, rng, 'in');
      for (let i = 0; i < counts[split]; i++) {
        const mode: Mode = split === 'test' && i < Math.round(counts.test * TEST_HELD_OUT_SHARE) ? 'out' : 'in';
        const got = draw(scope, task, mode, seen);
        if (!got) continue; // the in-distribution space is exhausted at this size: a smaller split, never a repeat
        seen.add(promptKey(got.draft));
        splits[split].push(finish(got.draft, split, pickVariant(rng, got.draft, split), [...got.used]));
      }
    }
  }
  for (const split of ['train', 'valid', 'test'] as const) root.fork(`shuffle/${split}`).shuffle(splits[split]);
  return { seed, scale, world, splits, heldOut: { ...world.heldOut, templates: heldOutTemplates() } };
}
