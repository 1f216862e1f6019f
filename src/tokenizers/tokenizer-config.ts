/**
 * What tokenizer_config.json (and the other formats' equivalents) say beyond
 * the pipeline: the named special tokens, whether BOS/EOS are added, the chat
 * template, and extra end-of-generation ids.
 */
import { JsonReader, type Json } from './json-util.js';

export interface TokenizerConfig {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  chatTemplate?: string;
  /** Ids that also end generation (GGUF eot/eom, generation_config.json eos_token_id). */
  extraEosIds?: number[];
  /** Extra tokenizer_config.json keys kept for writing the file back. */
  extra?: Json;
}

/** A token given as a string or as {content: ...} (both occur in tokenizer_config.json). */
function tokenName(v: unknown, r: JsonReader, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  return r.str(r.obj(v, field).content, `${field}.content`);
}

export function configFromJSON(j: unknown, source: string): TokenizerConfig {
  const r = new JsonReader(source);
  const o = r.obj(j, '(root)');
  let chatTemplate: string | undefined;
  if (typeof o.chat_template === 'string') chatTemplate = o.chat_template;
  else if (Array.isArray(o.chat_template)) {
    // A list of named templates: the one named "default" is the chat template.
    const named = o.chat_template.map((t, i) => r.obj(t, `chat_template[${i}]`));
    const d = named.find((t) => t.name === 'default') ?? named[0];
    if (d) chatTemplate = r.str(d.template, 'chat_template.template');
  } else if (o.chat_template !== undefined && o.chat_template !== null) r.fail('chat_template', 'expected a string or a list of {name, template}');
  const extra: Json = {};
  for (const k of ['model_max_length', 'add_bos_token', 'add_eos_token', 'clean_up_tokenization_spaces', 'tokenizer_class']) if (o[k] !== undefined) extra[k] = o[k];
  return {
    bosToken: tokenName(o.bos_token, r, 'bos_token'),
    eosToken: tokenName(o.eos_token, r, 'eos_token'),
    padToken: tokenName(o.pad_token, r, 'pad_token'),
    unkToken: tokenName(o.unk_token, r, 'unk_token'),
    chatTemplate,
    extra,
  };
}

export function configToJSON(c: TokenizerConfig): Json {
  const out: Json = { ...(c.extra ?? {}) };
  if (c.bosToken !== undefined) out.bos_token = c.bosToken;
  if (c.eosToken !== undefined) out.eos_token = c.eosToken;
  if (c.padToken !== undefined) out.pad_token = c.padToken;
  if (c.unkToken !== undefined) out.unk_token = c.unkToken;
  if (c.chatTemplate !== undefined) out.chat_template = c.chatTemplate;
  return out;
}

/** Token texts that end a turn in common chat formats; counted as EOS when special and used by the chat template. */
export const END_OF_TURN_TOKENS = ['<|im_end|>', '<|eot_id|>', '<|eom_id|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '</s>', '<|return|>'];
