/**
 * Text generation: one prompt (`generate`, `stream`) or several at once
 * (`generateBatch`, one `model.step` per token for all of them).
 *
 * The loop is the same everywhere: prefill the prompt into a fresh KV cache,
 * then feed back one sampled token per step until EOS, a stop string, the
 * token budget, a closed constraint or an abort ends it. The per-sequence
 * logic lives in Sequence; this file only drives it.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CausalLM } from '../models/types.js';
import { constraintFor } from './constrained/index.js';
import { Sequence } from './sequence.js';
import { stepLogitsViews } from './step.js';
import type { GenerateOptions, GenerateResult, Prompt, StreamPiece, TextTokenizer } from './types.js';

/** Token ids of a prompt: text is encoded (with BOS unless addSpecial is false); ids are checked and copied. */
export function encodePrompt(tokenizer: TextTokenizer, prompt: Prompt, addSpecial = true): number[] {
  if (typeof prompt === 'string') {
    const ids = tokenizer.encode(prompt, { addSpecial });
    if (ids.length === 0 && tokenizer.bosId !== undefined) return [tokenizer.bosId];
    return ids;
  }
  if (!Array.isArray(prompt)) throw new InvalidArgumentError('generate', 'prompt', 'expected a string or an array of token ids');
  for (const id of prompt) {
    if (!Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
      throw new InvalidArgumentError('generate', 'prompt', `token id ${String(id)} is not in [0, ${tokenizer.vocabSize})`);
    }
  }
  return [...prompt];
}

/** Builds the sequence for one prompt (shared by every entry point). */
export function newSequence(model: CausalLM, tokenizer: TextTokenizer, prompt: Prompt, opts: GenerateOptions): Sequence {
  const ids = encodePrompt(tokenizer, prompt, opts.addSpecial ?? true);
  return new Sequence(model, tokenizer, ids, opts, { constraint: constraintFor(tokenizer, opts.responseFormat) });
}

/** A stream of pieces that also resolves to the full result once it ends. */
export interface GenerationStream extends AsyncIterable<StreamPiece> {
  readonly result: Promise<GenerateResult>;
}

/**
 * Streams the generated text: each piece is the text that became final with
 * one token (possibly ''), never a partial character, never part of a stop
 * string. Joining the pieces' text gives `result.text`.
 */
export function stream(model: CausalLM, tokenizer: TextTokenizer, prompt: Prompt, opts: GenerateOptions = {}): GenerationStream {
  let resolve!: (r: GenerateResult) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<GenerateResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // An unconsumed result must not surface as an unhandled rejection: errors also reach the iterator.
  result.catch(() => {});
  let started = false;
  async function* run(): AsyncGenerator<StreamPiece> {
    let seq: Sequence | null = null;
    try {
      seq = newSequence(model, tokenizer, prompt, opts);
      for (;;) {
        if (opts.signal) {
          // Let timers and socket events (a client going away) run between tokens.
          await new Promise((r) => setImmediate(r));
          if (opts.signal.aborted) seq.abort();
        }
        const input = seq.nextInput();
        if (!input) break;
        const step = stepLogitsViews(model, [input]);
        let piece: StreamPiece | null;
        try {
          piece = seq.consume(input, step.rows[0]!);
        } finally {
          step.release();
        }
        if (piece) yield piece;
      }
      resolve(seq.result());
    } catch (e) {
      reject(e);
      throw e;
    } finally {
      // A consumer that stops early (break) aborts the sequence.
      if (seq && !seq.done) {
        seq.abort();
        resolve(seq.result());
      }
      seq?.dispose();
    }
  }
  return {
    result,
    [Symbol.asyncIterator]() {
      if (started) throw new InvalidArgumentError('stream', 'iterator', 'a generation stream can be iterated once');
      started = true;
      return run();
    },
  };
}

/** Generates a completion of one prompt. */
export async function generate(model: CausalLM, tokenizer: TextTokenizer, prompt: Prompt, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const s = stream(model, tokenizer, prompt, opts);
  for await (const _ of s);
  return s.result;
}

/**
 * Generates completions of several prompts together: every step feeds all
 * unfinished sequences to one `model.step` call (prompts prefill in the first).
 * Each prompt gets the same options (and seed), so each result equals what
 * `generate` gives for that prompt alone, batch-invariant kernels permitting.
 */
export async function generateBatch(
  model: CausalLM,
  tokenizer: TextTokenizer,
  prompts: readonly Prompt[],
  opts: GenerateOptions = {},
): Promise<GenerateResult[]> {
  const seqs: Sequence[] = [];
  try {
    for (const p of prompts) seqs.push(newSequence(model, tokenizer, p, opts));
    for (;;) {
      if (opts.signal) {
        await new Promise((r) => setImmediate(r));
        if (opts.signal.aborted) for (const s of seqs) s.abort();
      }
      const live = seqs.filter((s) => !s.done);
      if (live.length === 0) break;
      const inputs = live.map((s) => s.nextInput()!);
      const step = stepLogitsViews(model, inputs);
      try {
        live.forEach((s, i) => {
          s.consume(inputs[i]!, step.rows[i]!);
          if (s.done) s.dispose();
        });
      } finally {
        step.release();
      }
    }
    return seqs.map((s) => s.result());
  } finally {
    for (const s of seqs) s.dispose();
  }
}
