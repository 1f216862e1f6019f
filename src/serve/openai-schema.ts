/**
 * Request bodies of the OpenAI-compatible endpoints, as zod schemas.
 *
 * Known fields are validated (type, range), and a wrong one is a 400 naming
 * the field. An unknown top-level field is a 400 too, as OpenAI answers it
 * ("Unrecognized request argument supplied"), which catches typos such as
 * `max_token`; OpenAI fields that change nothing here (store, metadata,
 * service_tier, ...) are accepted and ignored. Inside messages, extra keys
 * are ignored, so an assistant message passed back as received (refusal,
 * annotations) is fine. `model` is optional here: the server's default model
 * answers requests without one.
 */
import { z } from 'zod';

const int = (what: string) => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` });

export const stopSchema = z
  .union([z.string(), z.array(z.string()).max(16, { error: 'at most 16 stop strings' })], { error: 'expected a string or an array of strings' })
  .nullish();

/** OpenAI request fields that do not apply to a local model: accepted, ignored. */
const ignoredFields = {
  store: z.unknown().optional(),
  metadata: z.unknown().optional(),
  service_tier: z.unknown().optional(),
  reasoning_effort: z.unknown().optional(),
  verbosity: z.unknown().optional(),
  modalities: z.unknown().optional(),
  prediction: z.unknown().optional(),
  prompt_cache_key: z.unknown().optional(),
  safety_identifier: z.unknown().optional(),
  web_search_options: z.unknown().optional(),
};

const samplingFields = {
  ...ignoredFields,
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** Not in OpenAI's API; llama.cpp, vLLM and Ollama accept it. */
  top_k: int('an integer').min(0).nullish(),
  n: int('an integer').min(1).max(16).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  stop: stopSchema,
  seed: int('an integer').nullish(),
  /** Not in OpenAI's API (vLLM's name): keep generating past end-of-sequence tokens, for benchmarks. */
  ignore_eos: z.boolean().nullish(),
  /** Token id (as a string key) -> bias added to its logit, -100..100 (OpenAI's range; -100 bans, 100 forces). */
  logit_bias: z.record(z.string().regex(/^\d+$/, { error: 'keys must be token ids' }), z.number().min(-100).max(100)).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().optional(),
};

const jsonSchemaObject = z.record(z.string(), z.unknown());

export const responseFormatSchema = z
  .discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().min(1).max(64),
          description: z.string().optional(),
          schema: jsonSchemaObject.optional(),
          strict: z.boolean().nullish(),
        }),
      }),
    ],
    { error: "expected type 'text', 'json_object' or 'json_schema'" },
  )
  .nullish();

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const contentSchema = z.union([z.string(), z.array(textPart, { error: 'expected text content parts' })], {
  error: 'expected a string or an array of {type: "text", text} parts (this server reads text only)',
});

export const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const messageSchema = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.literal('system'), content: contentSchema, name: z.string().optional() }),
    z.object({ role: z.literal('developer'), content: contentSchema, name: z.string().optional() }),
    z.object({ role: z.literal('user'), content: contentSchema, name: z.string().optional() }),
    z.object({
      role: z.literal('assistant'),
      content: contentSchema.nullish(),
      name: z.string().optional(),
      tool_calls: z.array(toolCallSchema).optional(),
    }),
    z.object({ role: z.literal('tool'), content: contentSchema, tool_call_id: z.string() }),
  ],
  { error: "expected role 'system', 'developer', 'user', 'assistant' or 'tool'" },
);

export const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ or -' }),
    description: z.string().optional(),
    parameters: jsonSchemaObject.optional(),
    strict: z.boolean().nullish(),
  }),
});

export const toolChoiceSchema = z
  .union(
    [
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ],
    { error: "expected 'none', 'auto', 'required' or {type: 'function', function: {name}}" },
  )
  .nullish();

export const chatCompletionSchema = z.object({
  ...samplingFields,
  messages: z.array(messageSchema).min(1, { error: 'at least one message is required' }),
  max_tokens: int('a positive integer').min(1).nullish(),
  max_completion_tokens: int('a positive integer').min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: int('an integer').min(0).max(20).nullish(),
  response_format: responseFormatSchema,
  tools: z.array(toolSchema).max(128).nullish(),
  tool_choice: toolChoiceSchema,
  parallel_tool_calls: z.boolean().nullish(),
}).strict();
export type ChatCompletionBody = z.infer<typeof chatCompletionSchema>;

const tokenArray = z.array(int('token ids (integers)').min(0));
export const promptSchema = z.union([z.string(), z.array(z.string()).min(1), tokenArray.min(1), z.array(tokenArray.min(1)).min(1)], {
  error: 'expected a string, an array of strings, an array of token ids or an array of token-id arrays',
});

export const completionSchema = z.object({
  ...samplingFields,
  prompt: promptSchema,
  /** 0 is allowed with echo: score the prompt without generating (likelihood evaluation). */
  max_tokens: int('a non-negative integer').min(0).nullish(),
  logprobs: int('an integer').min(0).max(20).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.null({ error: 'suffix (fill-in-the-middle) is not supported' }).optional(),
  best_of: int('an integer').min(1).nullish(),
}).strict();
export type CompletionBody = z.infer<typeof completionSchema>;

export const embeddingSchema = z.object({
  ...ignoredFields,
  model: z.string().min(1).optional(),
  input: promptSchema,
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: int('a positive integer').min(1).nullish(),
  user: z.string().optional(),
  /** lmkit extensions: how hidden states are pooled and whether vectors are L2-normalised. */
  pooling: z.enum(['mean', 'last']).nullish(),
  normalize: z.boolean().nullish(),
}).strict();
export type EmbeddingBody = z.infer<typeof embeddingSchema>;

const inputsSchema = z.union([z.string(), z.array(z.string()).min(1).max(256)], {
  error: 'expected a string or an array of up to 256 strings',
});

export const sentimentSchema = z.object({
  model: z.string().min(1).optional(),
  input: inputsSchema,
  /** Zero-shot label set (default positive, negative, neutral). */
  labels: z.array(z.string().min(1)).min(2).max(16).nullish(),
  method: z.enum(['auto', 'likelihood', 'head']).nullish(),
}).strict();
export type SentimentBody = z.infer<typeof sentimentSchema>;

const langCode = z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, { error: "expected a language code such as 'en' or 'es'" });

export const translateSchema = z.object({
  model: z.string().min(1).optional(),
  input: inputsSchema,
  source: langCode,
  target: langCode,
  max_tokens: int('a positive integer').min(1).nullish(),
}).strict();
export type TranslateBody = z.infer<typeof translateSchema>;

export const summarizeSchema = z.object({
  model: z.string().min(1).optional(),
  input: inputsSchema,
  max_tokens: int('a positive integer').min(1).nullish(),
}).strict();
export type SummarizeBody = z.infer<typeof summarizeSchema>;
