/**
 * `lmkit eval perplexity --model M --data PATH`: sliding-window perplexity of
 * a model on text, JSONL or CSV data (documents joined with EOS, as in training).
 */
import { numberFlag, parseFlags, writeLine, type CliIo, type Command } from '../command.js';
import { evaluateOnCorpus } from '../../eval/corpus-eval.js';
import { hubFromEnv, runtimeFromEnv } from '../env.js';
import { InvalidArgumentError, UsageError } from '../../errors.js';
import { resolveInputs } from '../../data/inputs.js';
import { readDocuments, type SourceFormat } from '../../data/sources.js';
import { loadModel } from '../../models/load.js';
import { perplexity } from '../../train/perplexity.js';
import { loadTokenizerFile } from '../../train/tokenizer-setup.js';

const usage = `lmkit eval perplexity [--model M] --data PATH [flags]
lmkit eval corpus [--model M] --corpus DIR [--split test] [--limit N] [--json]

corpus: task scores on a generated corpus split (lmkit corpus): perplexity,
sentiment accuracy, translation and summary chrF, and the share of support
answers stating the right facts, overall and on the held-out half.

  --model M          a model folder, GGUF file, hf:org/name or 'default' (default: default)
  --data PATH        text, JSONL or CSV files or folders (repeatable)
  --tokenizer T      tokenizer folder or file, or 'bytes' (default: the model's own)
  --field NAME       JSONL field / CSV column holding the text (default text)
  --context N        window length (default: the model's context, at most 1024)
  --stride N         window step (default: the context; smaller = more left context per token)
  --batch N          windows per forward pass (default 4)
  --json             print a JSON object`;

async function runCorpusEval(
  values: { model?: string; corpus?: string; split?: string; limit?: string; threads?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  if (!values.corpus) throw new UsageError('eval', '--corpus DIR is required (a folder written by lmkit corpus)');
  const split = values.split ?? 'test';
  if (!['train', 'valid', 'test'].includes(split)) throw new UsageError('eval', `--split must be train, valid or test, got '${split}'`);
  const limit = numberFlag('eval', 'limit', values.limit, { integer: true, min: 1 });
  const threads = numberFlag('eval', 'threads', values.threads, { integer: true, min: 1 });
  const rt = runtimeFromEnv(io, threads !== undefined ? { threads } : {});
  const { model, tokenizer } = await loadModel(values.model ?? 'default', { rt, hub: hubFromEnv(io.env) });
  if (!tokenizer) throw new InvalidArgumentError('eval', 'model', 'has no tokenizer files');
  const r = await evaluateOnCorpus(model, tokenizer, values.corpus, {
    split: split as 'train' | 'valid' | 'test',
    ...(limit !== undefined ? { limit } : {}),
    onProgress: values.json ? undefined : (t, d, n) => io.stderr.write(`\r${t} ${d}/${n}   `),
  });
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ model: values.model ?? 'default', ...r }));
    return 0;
  }
  io.stderr.write('\n');
  const f = (s: { value: number; count: number }, pct: boolean) => `${pct ? (100 * s.value).toFixed(1) + '%' : s.value.toFixed(1)} (n=${s.count})`;
  const pp = (s: { value: number; tokens: number }) => `${s.value.toFixed(3)} (${s.tokens} tokens)`;
  writeLine(io.stdout, `split ${r.split}: perplexity ${pp(r.perplexity)}; seen templates and entities ${pp(r.perplexity.seen)}, held-out ${pp(r.perplexity.heldOut)}`);
  writeLine(io.stdout, `task                 all               held-out`);
  writeLine(io.stdout, `sentiment accuracy   ${f(r.sentimentAccuracy.all, true).padEnd(18)}${f(r.sentimentAccuracy.heldOut, true)}`);
  writeLine(io.stdout, `translation chrF     ${f(r.translationChrF.all, false).padEnd(18)}${f(r.translationChrF.heldOut, false)}`);
  writeLine(io.stdout, `support right fact   ${f(r.supportFactShare.all, true).padEnd(18)}${f(r.supportFactShare.heldOut, true)}`);
  writeLine(io.stdout, `summary chrF         ${f(r.summaryChrF.all, false).padEnd(18)}${f(r.summaryChrF.heldOut, false)}`);
  return 0;
}

const command: Command = {
  summary: 'evaluate a model: perplexity on data, task scores on a corpus split',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('eval', {
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        data: { type: 'string', multiple: true },
        tokenizer: { type: 'string' },
        field: { type: 'string' },
        format: { type: 'string' },
        context: { type: 'string' },
        stride: { type: 'string' },
        batch: { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
        corpus: { type: 'string' },
        split: { type: 'string' },
        limit: { type: 'string' },
      },
    });
    const [task, ...extra] = positionals;
    if (task !== 'perplexity' && task !== 'corpus') {
      throw new UsageError('eval', task ? `unknown evaluation '${task}'; available: perplexity, corpus` : 'name an evaluation: lmkit eval perplexity --model M --data PATH');
    }
    if (extra.length) throw new UsageError('eval', `unexpected argument '${extra[0]}'`);
    if (task === 'corpus') return runCorpusEval(values, io);
    if (!values.data?.length) throw new UsageError('eval', '--data PATH is required');
    const format = values.format as SourceFormat | undefined;
    if (format !== undefined && !['text', 'jsonl', 'csv', 'tsv'].includes(format)) throw new UsageError('eval', `--format must be text, jsonl, csv or tsv, got '${format}'`);
    const threads = numberFlag('eval', 'threads', values.threads, { integer: true, min: 1 });
    const files = resolveInputs(values.data).train;
    const modelRef = values.model ?? 'default';
    const rt = runtimeFromEnv(io, threads !== undefined ? { threads } : {});
    const { model, tokenizer } = await loadModel(modelRef, { rt, hub: hubFromEnv(io.env) });
    const tok = values.tokenizer ? await loadTokenizerFile(values.tokenizer) : tokenizer;
    if (!tok) throw new InvalidArgumentError('eval', 'tokenizer', `${modelRef} has no tokenizer files; pass --tokenizer T`);
    if (tok.eosId === undefined) throw new InvalidArgumentError('eval', 'tokenizer', 'has no EOS token to separate documents');
    const ids: number[] = [];
    for (const f of files) {
      let piece = '';
      for await (const p of readDocuments(f, { ...(values.field ? { field: values.field } : {}), ...(format ? { format } : {}) })) {
        piece += p.text;
        if (!p.end && piece.length < 1 << 16) continue;
        for (const id of tok.encode(piece, { parseSpecial: true })) ids.push(id);
        piece = '';
        if (p.end) ids.push(tok.eosId);
      }
    }
    const context = numberFlag('eval', 'context', values.context, { integer: true, min: 2 }) ?? Math.min(model.config.contextLength, 1024);
    const stride = numberFlag('eval', 'stride', values.stride, { integer: true, min: 1 }) ?? context;
    const batchSize = numberFlag('eval', 'batch', values.batch, { integer: true, min: 1 }) ?? 4;
    const t0 = performance.now();
    const r = perplexity(model, ids, { context, stride, batchSize });
    const seconds = (performance.now() - t0) / 1000;
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ model: modelRef, perplexity: r.perplexity, nll: r.nll, tokens: r.tokens, windows: r.windows, context, stride, tokens_per_second: r.tokens / seconds }));
    } else {
      writeLine(io.stdout, `perplexity ${r.perplexity.toFixed(3)} (mean NLL ${r.nll.toFixed(4)} nats) over ${r.tokens.toLocaleString('en-US')} tokens, ${r.windows} windows of ${context} (stride ${stride})`);
    }
    return 0;
  },
};
export default command;
