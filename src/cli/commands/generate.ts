/**
 * `lmkit generate`: completes a prompt with a model, printing the text (as it
 * comes with --stream) or JSON.
 */
import { readFileSync } from 'node:fs';
import type { BackendKind } from '../../backends/index.js';
import { InvalidArgumentError, UsageError } from '../../errors.js';
import { beamSearch } from '../../generate/beam.js';
import { stream } from '../../generate/generate.js';
import { loadGenerator } from '../../generate/load.js';
import type { GenerateOptions, GenerateResult, ResponseFormat } from '../../generate/types.js';
import { hubFromEnv, runtimeFromEnv } from '../env.js';
import { numberFlag, parseFlags, readAll, writeLine, type CliIo, type Command } from '../command.js';

const usage = `lmkit generate --model M --prompt TEXT [flags]

Completes TEXT with model M: a model folder, a .gguf file, hf:org/name, or
'default' (also when --model is absent). --prompt - (or no --prompt) reads stdin.

Flags:
  --max-tokens N           most tokens to generate (default: the model's
                           generation_config, else 256)
  --temperature T          0 is greedy (default: generation_config, else 1)
  --top-p P                nucleus sampling (default off)
  --top-k K                keep the K most likely tokens (default off)
  --min-p P                drop tokens below P x the top probability (default off)
  --repetition-penalty R   Hugging Face repetition penalty (default off)
  --seed S                 same seed, same output (default random)
  --stop TEXT              stop before TEXT (repeatable)
  --stream                 print the text as it is generated
  --logprobs N             each token's logprob and N alternatives (with --json)
  --beams N                beam search with N beams (deterministic; no sampling flags)
  --json-schema FILE       constrain the output to JSON valid against the schema in FILE
  --json-mode              constrain the output to a JSON object
  --no-bos                 do not add the BOS token to the prompt
  --json                   print {"text", "tokens", "finish_reason", "usage"}; with
                           --stream, one JSON line per piece first

Environment: LMKIT_BACKEND (auto, js, native), LMKIT_THREADS.`;

const flags = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'min-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
  stream: { type: 'boolean' },
  logprobs: { type: 'string' },
  beams: { type: 'string' },
  'json-schema': { type: 'string' },
  'json-mode': { type: 'boolean' },
  'no-bos': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

function readSchema(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError('generate', '--json-schema', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError('generate', '--json-schema', `${file} is not JSON: ${(e as Error).message}`);
  }
}

function jsonResult(r: GenerateResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    text: r.text,
    tokens: r.tokens,
    finish_reason: r.finishReason,
    usage: { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.totalTokens },
  };
  if (r.logprobs) out['logprobs'] = r.logprobs;
  return out;
}

const command: Command = {
  summary: 'complete a prompt with a model',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values: v, positionals } = parseFlags('generate', { args: argv, options: flags, allowPositionals: true });
    if (positionals.length) throw new UsageError('generate', `unexpected argument '${positionals[0]}'; pass the prompt with --prompt`);
    const n = (name: keyof typeof v, o: { integer?: boolean; min?: number; max?: number } = {}) => numberFlag('generate', name, v[name] as string | undefined, o);
    const beams = n('beams', { integer: true, min: 1 });
    const schemaFile = v['json-schema'];
    if (schemaFile && v['json-mode']) throw new UsageError('generate', '--json-schema and --json-mode exclude each other');
    if (beams !== undefined && (v.stream || schemaFile || v['json-mode'] || v.stop || v.logprobs !== undefined)) {
      throw new UsageError('generate', '--beams cannot be combined with --stream, --stop, --logprobs or JSON constraints');
    }
    const responseFormat: ResponseFormat | undefined = schemaFile
      ? { type: 'json_schema', schema: readSchema(schemaFile) }
      : v['json-mode']
        ? { type: 'json' }
        : undefined;
    // Every flag is checked before the (slow) model load.
    const given: { -readonly [K in keyof GenerateOptions]: GenerateOptions[K] } = { addSpecial: !v['no-bos'] };
    const set = <K extends keyof GenerateOptions>(k: K, x: GenerateOptions[K] | undefined) => {
      if (x !== undefined) given[k] = x;
    };
    set('maxTokens', n('max-tokens', { integer: true, min: 0 }));
    set('temperature', n('temperature', { min: 0 }));
    set('topP', n('top-p', { min: 0, max: 1 }));
    set('topK', n('top-k', { integer: true, min: 0 }));
    set('minP', n('min-p', { min: 0, max: 1 }));
    set('repetitionPenalty', n('repetition-penalty', { min: 0 }));
    set('seed', n('seed', { integer: true, min: 0, max: 4294967295 }));
    set('logprobs', n('logprobs', { integer: true, min: 0, max: 20 }));
    set('stop', v.stop);
    set('responseFormat', responseFormat);
    const prompt = v.prompt === undefined || v.prompt === '-' ? await readAll(io.stdin) : v.prompt;
    const rt = runtimeFromEnv(io);
    const { model, tokenizer, defaults } = await loadGenerator(v.model ?? 'default', { rt, hub: hubFromEnv(io.env) });
    const opts: GenerateOptions = { ...defaults, ...given };

    if (beams !== undefined) {
      const r = await beamSearch(model, tokenizer, prompt, { numBeams: beams, ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}), addSpecial: opts.addSpecial ?? true });
      if (v.json) writeLine(io.stdout, JSON.stringify({ text: r.text, tokens: r.tokens, finish_reason: r.finishReason, score: r.score, usage: { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.totalTokens } }));
      else writeLine(io.stdout, r.text);
      return 0;
    }
    const s = stream(model, tokenizer, prompt, opts);
    for await (const piece of s) {
      if (!v.stream) continue;
      if (v.json) writeLine(io.stdout, JSON.stringify(piece.logprob !== undefined ? { text: piece.text, token: piece.token, logprob: piece.logprob, ...(piece.top ? { top: piece.top } : {}) } : { text: piece.text, token: piece.token }));
      else if (piece.text) io.stdout.write(piece.text);
    }
    const r = await s.result;
    if (v.json) writeLine(io.stdout, JSON.stringify(jsonResult(r)));
    else writeLine(io.stdout, v.stream ? '' : r.text);
    return 0;
  },
};
export default command;
