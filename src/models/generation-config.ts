/**
 * `generation_config.json`: the decoding defaults a checkpoint ships with
 * (special token ids, sampling settings). Parsed loosely: every key is
 * optional, unknown keys are kept aside, and a missing file falls back to the
 * token ids of config.json.
 */
import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { configIssues } from './hf-config.js';

export interface GenerationConfig {
  readonly bosTokenId: number | null;
  /** Every id that ends generation (Llama 3 lists several). */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  readonly maxLength?: number;
  readonly maxNewTokens?: number;
  readonly doSample?: boolean;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly minP?: number;
  readonly repetitionPenalty?: number;
}

const tokenId = z.int().nonnegative();
const ids = z.union([tokenId, z.array(tokenId)]).nullable().optional();

const GenerationHFSchema = z.looseObject({
  bos_token_id: tokenId.nullable().optional(),
  eos_token_id: ids,
  pad_token_id: tokenId.nullable().optional(),
  max_length: z.int().positive().nullable().optional(),
  max_new_tokens: z.int().positive().nullable().optional(),
  do_sample: z.boolean().optional(),
  temperature: z.number().nonnegative().nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_k: z.int().nonnegative().nullable().optional(),
  min_p: z.number().min(0).max(1).nullable().optional(),
  repetition_penalty: z.number().positive().nullable().optional(),
});

const asList = (v: number | readonly number[] | null | undefined): number[] => (v === null || v === undefined ? [] : typeof v === 'number' ? [v] : [...v]);

/** Token ids from config.json, the fallback when there is no generation_config.json. */
export interface ModelTokenIds {
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | readonly number[] | null;
  readonly padTokenId?: number | null;
}

export function generationConfigFromModel(ids: ModelTokenIds): GenerationConfig {
  return { bosTokenId: ids.bosTokenId, eosTokenIds: asList(ids.eosTokenId), padTokenId: ids.padTokenId ?? null };
}

/** Parses generation_config.json; ids it leaves out come from the model config. */
export function generationConfigFromHF(json: unknown, source: string, fallback: ModelTokenIds): GenerationConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(source, [{ path: [], message: 'must be a JSON object' }]);
  const r = GenerationHFSchema.safeParse(json);
  if (!r.success) throw new ConfigError(source, configIssues(r.error, json));
  const g = r.data;
  const base = generationConfigFromModel(fallback);
  const opt = <K extends keyof GenerationConfig>(k: K, v: GenerationConfig[K] | null | undefined) => (v === null || v === undefined ? {} : { [k]: v });
  return {
    bosTokenId: g.bos_token_id !== undefined ? g.bos_token_id : base.bosTokenId,
    eosTokenIds: g.eos_token_id !== undefined ? asList(g.eos_token_id) : base.eosTokenIds,
    padTokenId: g.pad_token_id !== undefined ? g.pad_token_id : base.padTokenId,
    ...opt('maxLength', g.max_length),
    ...opt('maxNewTokens', g.max_new_tokens),
    ...opt('doSample', g.do_sample),
    ...opt('temperature', g.temperature),
    ...opt('topP', g.top_p),
    ...opt('topK', g.top_k),
    ...opt('minP', g.min_p),
    ...opt('repetitionPenalty', g.repetition_penalty),
  };
}

/** generation_config.json content as transformers writes it. */
export function generationConfigToHF(g: GenerationConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (g.bosTokenId !== null) out.bos_token_id = g.bosTokenId;
  if (g.eosTokenIds.length) out.eos_token_id = g.eosTokenIds.length === 1 ? g.eosTokenIds[0] : [...g.eosTokenIds];
  if (g.padTokenId !== null) out.pad_token_id = g.padTokenId;
  const keys = [
    ['max_length', g.maxLength],
    ['max_new_tokens', g.maxNewTokens],
    ['do_sample', g.doSample],
    ['temperature', g.temperature],
    ['top_p', g.topP],
    ['top_k', g.topK],
    ['min_p', g.minP],
    ['repetition_penalty', g.repetitionPenalty],
  ] as const;
  for (const [k, v] of keys) if (v !== undefined) out[k] = v;
  return out;
}
