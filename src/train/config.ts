/**
 * The training config: its schema (zod, strict: unknown fields are errors with
 * a suggestion), defaults, and the reader for JSON and YAML files.
 *
 * The `model` section is checked here only for `architecture` and `preset`;
 * its other fields belong to the architecture's own option schema
 * (src/models), which validates them when the run resolves the model.
 */
import { readFileSync, existsSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import * as z from 'zod';
import { ConfigError, NotFoundError, type ConfigIssue } from '../errors.js';

const posInt = z.int().positive();
const nonNegInt = z.int().nonnegative();
const prob = z.number().min(0).lt(1);
const paths = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const PRESET_NAMES = ['tiny', 'small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const ModelSection = z
  .looseObject({
    preset: z.enum(PRESET_NAMES).optional(),
    architecture: z.enum(['gpt2', 'llama']).optional(),
  })
  .refine((m) => m.preset !== undefined || m.architecture !== undefined, { message: "needs 'architecture' (gpt2 or llama) or a 'preset' (tiny or small)" });

const TokenizerSection = z.union([
  z.strictObject({ path: z.string().min(1) }),
  z.strictObject({
    train: z.strictObject({
      vocabSize: z.int().min(260).max(1 << 20),
      minFrequency: posInt.default(2),
      /** Given the first ids; the first one ending or naming 'end' is EOS. */
      specialTokens: z.array(z.string().min(1)).min(1).default(['<|endoftext|>', '<|im_start|>', '<|im_end|>']),
    }),
  }),
  z.strictObject({ type: z.literal('bytes') }),
]);

const DataSection = z
  .strictObject({
    /** Raw input files or folders (tokenized into the run's shards, reused when unchanged). */
    train: paths.optional(),
    validation: paths.optional(),
    /** A folder prepared by `lmkit data prepare`, used as is. */
    shards: z.string().min(1).optional(),
    format: z.enum(['text', 'jsonl', 'csv', 'tsv']).optional(),
    field: z.string().min(1).default('text'),
    docSplit: z.enum(['separator', 'blank-line', 'line', 'file']).default('separator'),
    separator: z.string().min(1).default('<|endoftext|>'),
    valFraction: prob.default(0.01),
    parseSpecial: z.boolean().default(true),
    sampling: z.enum(['random', 'sequential']).default('random'),
  })
  .refine((d) => (d.train === undefined) !== (d.shards === undefined), { message: "give either 'train' (input files) or 'shards' (a prepared folder), not both" });

const TrainingSection = z.strictObject({
  maxSteps: posInt,
  batchSize: posInt.default(8),
  /** Tokens per sequence; defaults to the model's context length. */
  contextLength: posInt.optional(),
  gradAccumSteps: posInt.default(1),
  labelSmoothing: prob.default(0),
  /** Overrides the model's dropout probabilities when set. */
  dropout: prob.optional(),
  activationCheckpointing: z.boolean().default(false),
});

const OptimizerSection = z.strictObject({
  lr: z.number().positive().default(3e-4),
  beta1: prob.default(0.9),
  beta2: prob.default(0.95),
  eps: z.number().positive().default(1e-8),
  /** Decoupled weight decay, applied to matrices (2-D and up), not to biases and norm gains. */
  weightDecay: z.number().min(0).default(0.1),
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  gradClip: z.number().min(0).default(1),
});

const ScheduleSection = z.strictObject({
  kind: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  warmupSteps: nonNegInt.optional(),
  /** Step where decay ends; defaults to training.maxSteps and is kept fixed when a resumed run goes further. */
  decaySteps: posInt.optional(),
  minLrRatio: z.number().min(0).max(1).default(0.1),
});

const EvalSection = z.strictObject({
  /** Evaluate every N steps (and at the end); 0: only at the end. */
  every: nonNegInt.default(100),
  /** Batches of the validation split per evaluation (the same windows every time). */
  batches: posInt.default(20),
  earlyStopping: z.strictObject({ patience: posInt, minDelta: z.number().min(0).default(0) }).optional(),
});

const CheckpointSection = z.strictObject({
  /** Save every N steps (and on Ctrl-C and at the end); 0: only then. */
  every: nonNegInt.default(100),
  keepLast: posInt.default(3),
  keepBest: z.boolean().default(true),
});

export const TrainConfigSchema = z.strictObject({
  name: z.string().min(1).optional(),
  seed: z.int().nonnegative().default(1234),
  model: ModelSection,
  tokenizer: TokenizerSection.default({ type: 'bytes' }),
  data: DataSection,
  training: TrainingSection,
  optimizer: OptimizerSection.default(OptimizerSection.parse({})),
  schedule: ScheduleSection.default(ScheduleSection.parse({})),
  eval: EvalSection.default(EvalSection.parse({})),
  checkpoint: CheckpointSection.default(CheckpointSection.parse({})),
  log: z.strictObject({ every: posInt.default(10) }).default({ every: 10 }),
});

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type TokenizerConfig = TrainConfig['tokenizer'];

// ---- errors with paths and suggestions ----

function unwrap(s: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let cur = s;
  for (let i = 0; i < 8 && cur; i++) {
    const def = (cur as { _zod: { def: { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } } })._zod.def;
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else break;
  }
  return cur;
}

/** Field names the schema allows at `path` (for "did you mean"). */
function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let cur: z.core.$ZodType | undefined = unwrap(schema);
  for (const k of path) {
    const shape = (cur as { shape?: Record<string, z.core.$ZodType> } | undefined)?.shape;
    cur = unwrap(shape?.[String(k)]);
  }
  const options = (cur as { _zod?: { def: { options?: z.core.$ZodType[] } } } | undefined)?._zod?.def.options;
  if (options) return options.flatMap((o) => Object.keys((unwrap(o) as { shape?: object }).shape ?? {}));
  return Object.keys((cur as { shape?: object } | undefined)?.shape ?? {});
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** zod issues as ConfigIssues: unknown fields with a suggestion, wrong types naming what was given. */
export function toConfigIssues(schema: z.core.$ZodType, error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of error.issues) {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (i.code === 'unrecognized_keys') {
      const known = knownKeys(schema, i.path);
      for (const key of i.keys) {
        const near = known.map((k) => [k, editDistance(key, k)] as const).sort((a, b) => a[1] - b[1])[0];
        const hint = near && near[1] <= Math.max(2, key.length / 3) ? `; did you mean '${near[0]}'?` : known.length ? `; known fields: ${known.join(', ')}` : '';
        out.push({ path: [...path, key], message: `unknown field${hint}` });
      }
    } else if (i.code === 'invalid_type') {
      const got = valueAt(input, i.path);
      out.push({ path, message: got === undefined ? `is required (expected ${i.expected})` : `expected ${i.expected}, got ${describe(got)}` });
    } else if (i.code === 'invalid_union') {
      const got = valueAt(input, i.path);
      const keys = got && typeof got === 'object' ? Object.keys(got).join(', ') : describe(got);
      out.push({ path, message: path[0] === 'tokenizer' ? `expected { path } or { train: { vocabSize } } or { type: "bytes" }, got ${keys ? `{ ${keys} }` : 'an empty object'}` : i.message });
    } else out.push({ path, message: i.message });
  }
  return out;
}

/** Validates a config object, filling defaults. Throws ConfigError listing every problem. */
export function parseTrainConfig(input: unknown, source = 'config'): TrainConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ConfigError(source, [{ path: [], message: 'must be an object' }]);
  const r = TrainConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(source, toConfigIssues(TrainConfigSchema, r.error, input));
  return r.data;
}

/** Reads a JSON (.json) or YAML (.yaml, .yml) config file and validates it. */
export function readTrainConfig(path: string): TrainConfig {
  if (!existsSync(path)) throw new NotFoundError('config', `no such file: ${path}`);
  const text = readFileSync(path, 'utf8');
  const ext = extname(path).toLowerCase();
  let raw: unknown;
  try {
    raw = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    const msg = (e as Error).message.split('\n')[0];
    throw new ConfigError(path, [{ path: [], message: `is not valid ${ext === '.json' ? 'JSON' : 'YAML'}${where}: ${msg}` }]);
  }
  return parseTrainConfig(raw, path);
}
