/**
 * Task evaluation on a generated corpus split (`lmkit corpus`): the numbers
 * the README reports for the built-in model.
 *
 *   - perplexity of the split's text (documents joined as in training),
 *   - sentiment accuracy: the greedy answer to the canonical prompt, parsed,
 *   - translation chrF (sacrebleu's chrF2, corpus level) of greedy outputs,
 *   - support: the share of answers that state every expected fact,
 *   - summary chrF,
 * each over the whole split and over its held-out half (records that use
 * templates or entities never seen in training).
 */
import type { CausalLM } from '../models/types.js';
import type { TextTokenizer } from '../generate/types.js';
import { generateBatch } from '../generate/generate.js';
import { perplexity } from '../train/perplexity.js';
import { buildPrompt, parseSentiment, IM_END, END_OF_TEXT } from '../data/corpus/prompts.js';
import { loadSplit } from '../data/corpus/load.js';
import type { CorpusRecord, SplitName } from '../data/corpus/record.js';
import { corpusChrF } from './metrics/chrf.js';
import { allFactsStated } from './metrics/fact-recall.js';
import { InvalidArgumentError } from '../errors.js';

export interface Score {
  readonly value: number;
  readonly count: number;
}

export interface PerplexityScore {
  readonly value: number;
  readonly tokens: number;
}

export interface TaskScore {
  readonly all: Score;
  /** Only records that use held-out templates or entities. */
  readonly heldOut: Score;
}

export interface CorpusEvalResult {
  readonly split: SplitName;
  /** Over the whole split, and over the records without (seen) and with (heldOut) held-out parts. */
  readonly perplexity: PerplexityScore & { readonly seen: PerplexityScore; readonly heldOut: PerplexityScore };
  readonly sentimentAccuracy: TaskScore;
  readonly translationChrF: TaskScore;
  readonly supportFactShare: TaskScore;
  readonly summaryChrF: TaskScore;
  readonly seconds: number;
}

export interface CorpusEvalOptions {
  readonly split?: SplitName;
  /** At most this many records per task (default: all). */
  readonly limit?: number;
  /** Prompts decoded together (default 16). */
  readonly batchSize?: number;
  readonly onProgress?: (task: string, done: number, total: number) => void;
}

/** The tokenizer calls the evaluation needs (the real Tokenizer satisfies it). */
export interface EvalTokenizer extends TextTokenizer {
  encode(text: string, opts?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  tokenToId(token: string): number | undefined;
}

export async function evaluateOnCorpus(model: CausalLM, tok: EvalTokenizer, dir: string, opts: CorpusEvalOptions = {}): Promise<CorpusEvalResult> {
  const t0 = performance.now();
  const split = opts.split ?? 'test';
  const records = loadSplit(dir, split);
  if (records.length === 0) throw new InvalidArgumentError('evaluateOnCorpus', 'split', `${dir} has no ${split} records`);
  const take = (task: CorpusRecord['task']) => {
    const list = records.filter((r) => r.task === task);
    return opts.limit !== undefined ? list.slice(0, opts.limit) : list;
  };

  // Perplexity over the split's rendered text, documents joined as in training:
  // all of it, and the records without / with held-out templates or entities.
  const pplRecords = opts.limit !== undefined ? records.slice(0, opts.limit * 5) : records;
  const pplOf = (list: readonly CorpusRecord[]) => {
    if (list.length === 0) return { value: NaN, tokens: 0 };
    const r = perplexity(model, trainingStream(tok, list), { context: Math.min(model.config.contextLength, 512), batchSize: 4 });
    return { value: r.perplexity, tokens: r.tokens };
  };
  const ppl = pplOf(pplRecords);
  const seenPpl = pplOf(pplRecords.filter((r) => r.holdout.length === 0));
  const heldOutPpl = pplOf(pplRecords.filter((r) => r.holdout.length > 0));

  const imEnd = tok.tokenToId(IM_END);
  const answer = async (task: string, list: readonly CorpusRecord[], maxTokens: number): Promise<string[]> => {
    const out: string[] = [];
    const batch = opts.batchSize ?? 16;
    for (let i = 0; i < list.length; i += batch) {
      const prompts = list.slice(i, i + batch).map((r) => tok.encode(buildPrompt(r), { parseSpecial: true }));
      const res = await generateBatch(model, tok, prompts, {
        temperature: 0,
        maxTokens,
        ...(imEnd !== undefined ? { stopTokenIds: [imEnd] } : {}),
      });
      for (const r of res) out.push(r.text.trim());
      opts.onProgress?.(task, Math.min(i + batch, list.length), list.length);
    }
    return out;
  };

  const split2 = <T>(list: readonly CorpusRecord[], values: readonly T[], score: (r: CorpusRecord[], v: T[]) => number): TaskScore => {
    const held = list.map((r, i) => [r, values[i]!] as const).filter(([r]) => r.holdout.length > 0);
    return {
      all: { value: list.length ? score([...list], [...values]) : NaN, count: list.length },
      heldOut: { value: held.length ? score(held.map(([r]) => r), held.map(([, v]) => v)) : NaN, count: held.length },
    };
  };

  const senti = take('sentiment');
  const sentiOut = await answer('sentiment', senti, 4);
  const sentimentAccuracy = split2(senti, sentiOut, (rs, vs) => rs.filter((r, i) => parseSentiment(vs[i]!) === r.label).length / rs.length);

  const trans = take('translate');
  const transOut = await answer('translate', trans, 96);
  const translationChrF = split2(trans, transOut, (rs, vs) => corpusChrF(vs, rs.map((r) => r.output)));

  const support = take('support');
  const supportOut = await answer('support', support, 96);
  const supportFactShare = split2(support, supportOut, (rs, vs) => rs.filter((r, i) => allFactsStated(vs[i]!, r.facts ?? [])).length / rs.length);

  const summ = take('summary');
  const summOut = await answer('summary', summ, 96);
  const summaryChrF = split2(summ, summOut, (rs, vs) => corpusChrF(vs, rs.map((r) => r.output)));

  return {
    split,
    perplexity: { ...ppl, seen: seenPpl, heldOut: heldOutPpl },
    sentimentAccuracy,
    translationChrF,
    supportFactShare,
    summaryChrF,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The token stream a trainer sees for these records (`lmkit train` on the
 * split's .txt with separator <|endoftext|>): each document without its
 * trailing newline or end marker, then the <|endoftext|> id.
 */
export function trainingStream(tok: Pick<EvalTokenizer, 'encode' | 'tokenToId'>, records: readonly CorpusRecord[]): number[] {
  const sep = tok.tokenToId(END_OF_TEXT);
  if (sep === undefined) throw new InvalidArgumentError('evaluateOnCorpus', 'tokenizer', `has no ${END_OF_TEXT} token; it was not trained on an lmkit corpus`);
  const ids: number[] = [];
  for (const r of records) {
    let text = r.text;
    if (text.endsWith(END_OF_TEXT)) text = text.slice(0, -END_OF_TEXT.length);
    else if (text.endsWith('\n')) text = text.slice(0, -1);
    for (const id of tok.encode(text, { parseSpecial: true })) ids.push(id);
    ids.push(sep);
  }
  return ids;
}
