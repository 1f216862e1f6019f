/**
 * Parsing Hugging Face `config.json` files with zod schemas.
 *
 * Each architecture declares the keys it uses; parsing then
 *   - fails with a `ConfigError` naming the file and every bad or missing
 *     field (by path, e.g. `rope_scaling.factor`),
 *   - tolerates the bookkeeping keys every HF config carries
 *     (`transformers_version`, `torch_dtype`, generation defaults, ...),
 *   - and reports any other key it does not know in `warnings`, so a typo or
 *     an unsupported feature is visible instead of silently dropped.
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import { ConfigError, FileFormatError, NotFoundError, type ConfigIssue } from '../errors.js';

/** Keys of PretrainedConfig and generation defaults that do not change the network. */
const HF_COMMON_KEYS = new Set([
  '_name_or_path', '_attn_implementation', '_attn_implementation_autoset', 'architectures', 'model_type', 'transformers_version',
  'torch_dtype', 'dtype', 'use_cache', 'return_dict', 'output_hidden_states', 'output_attentions', 'torchscript',
  'id2label', 'label2id', 'num_labels', 'problem_type', 'pruned_heads', 'chunk_size_feed_forward', 'is_decoder',
  'is_encoder_decoder', 'tie_encoder_decoder', 'cross_attention_hidden_size', 'tokenizer_class', 'prefix',
  'pad_token_id', 'bos_token_id', 'eos_token_id', 'sep_token_id', 'decoder_start_token_id', 'task_specific_params',
  'finetuning_task', 'max_length', 'min_length', 'do_sample', 'early_stopping', 'num_beams', 'num_beam_groups',
  'diversity_penalty', 'temperature', 'top_k', 'top_p', 'typical_p', 'repetition_penalty', 'length_penalty',
  'no_repeat_ngram_size', 'encoder_no_repeat_ngram_size', 'bad_words_ids', 'num_return_sequences', 'output_scores',
  'return_dict_in_generate', 'forced_bos_token_id', 'forced_eos_token_id', 'remove_invalid_values',
  'exponential_decay_length_penalty', 'suppress_tokens', 'begin_suppress_tokens', 'tf_legacy_loss', 'use_bfloat16',
  'gradient_checkpointing', 'initializer_range',
]);

export interface ParsedConfig<T> {
  readonly value: T;
  /** Keys present in the file that neither the schema nor HF's bookkeeping keys explain. */
  readonly warnings: readonly string[];
}

/** Reads and parses a JSON file; a missing file is NotFoundError, bad JSON a FileFormatError naming the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(path, 'file not found');
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(path, `is not valid JSON (${(e as Error).message})`);
  }
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let cur = json;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** zod issues as ConfigIssues, with "is required" for absent fields. */
export function configIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const missing = i.code === 'invalid_type' && valueAt(input, i.path) === undefined;
    return { path, message: missing ? `is required (expected ${(i as { expected?: string }).expected ?? 'a value'})` : i.message };
  });
}

/**
 * Validates `json` against an object schema. `extraKnown` lists further keys
 * that are understood elsewhere (checked by hand) and so not worth a warning.
 */
export function parseConfigObject<S extends z.ZodObject>(schema: S, json: unknown, source: string, extraKnown: readonly string[] = []): ParsedConfig<z.output<S>> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(source, [{ path: [], message: 'must be a JSON object' }]);
  const r = schema.safeParse(json);
  if (!r.success) throw new ConfigError(source, configIssues(r.error, json));
  const known = new Set([...Object.keys(schema.shape), ...extraKnown]);
  const warnings = Object.keys(json)
    .filter((k) => !known.has(k) && !HF_COMMON_KEYS.has(k))
    .map((k) => `${source}: key '${k}' is not used by lmkit and was ignored`);
  return { value: r.data, warnings };
}

/** Throws a ConfigError for problems found after schema validation (cross-field checks). */
export function failIf(source: string, issues: ConfigIssue[]): void {
  if (issues.length) throw new ConfigError(source, issues);
}
