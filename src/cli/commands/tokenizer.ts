/**
 * `lmkit tokenizer train ...` trains a byte-level BPE tokenizer and writes
 * tokenizer.json + tokenizer_config.json; `lmkit tokenizer info PATH` describes one.
 */
import { parseFlags, numberFlag, writeLine, type Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
import { trainBpe } from '../../tokenizers/train-bpe.js';

const usage = `lmkit tokenizer train --data FILE... --vocab-size N --out DIR [--min-frequency N] [--special TOKEN ...] [--pattern P] [--json]
lmkit tokenizer info PATH [--json]

train   byte-level BPE (GPT-2 style byte mapping) on UTF-8 text files; writes DIR/tokenizer.json
        and DIR/tokenizer_config.json, loadable by Hugging Face tokenizers.
  --data FILE...       training text files (more files may follow --data or be repeated)
  --vocab-size N       target vocabulary size, including the 256 byte tokens and special tokens
  --out DIR            output folder
  --min-frequency N    a pair must occur N times to be merged (default 2)
  --special TOKEN      a special token (repeatable); they get the first ids
  --pattern P          pre-tokenization regex or one of gpt2, cl100k, o200k, qwen2 (default cl100k)
  --json               print a JSON summary instead of text
info    the tokenizer's model type, vocabulary size, special tokens and hash`;

async function train(argv: string[], io: Parameters<Command['run']>[1]): Promise<number> {
  const { values, positionals } = parseFlags('tokenizer train', {
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', multiple: true },
      'vocab-size': { type: 'string' },
      out: { type: 'string' },
      'min-frequency': { type: 'string' },
      special: { type: 'string', multiple: true },
      pattern: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const files = [...(values.data ?? []), ...positionals];
  if (files.length === 0) throw new UsageError('tokenizer train', '--data FILE is required');
  const vocabSize = numberFlag('tokenizer train', 'vocab-size', values['vocab-size'], { integer: true, min: 1 });
  if (vocabSize === undefined) throw new UsageError('tokenizer train', '--vocab-size N is required');
  if (!values.out) throw new UsageError('tokenizer train', '--out DIR is required');
  const minFrequency = numberFlag('tokenizer train', 'min-frequency', values['min-frequency'], { integer: true, min: 1 });
  const t0 = performance.now();
  let lastReport = 0;
  const tok = await trainBpe({
    files,
    vocabSize,
    minFrequency,
    specialTokens: values.special,
    pattern: values.pattern,
    onProgress: (p) => {
      if (values.json || performance.now() - lastReport < 2000) return;
      lastReport = performance.now();
      io.stderr.write(p.phase === 'count' ? `counted ${p.done} distinct words\n` : `merges ${p.done}/${p.total}\n`);
    },
  });
  tok.save(values.out);
  const seconds = (performance.now() - t0) / 1000;
  const summary = { out: values.out, vocabSize: tok.vocabSize, specialTokens: values.special ?? [], seconds: Number(seconds.toFixed(2)), hash: tok.hash() };
  if (values.json) writeLine(io.stdout, JSON.stringify(summary));
  else writeLine(io.stdout, `trained a ${tok.vocabSize}-token byte-level BPE in ${seconds.toFixed(1)} s; wrote ${values.out}/tokenizer.json and tokenizer_config.json`);
  return 0;
}

async function info(argv: string[], io: Parameters<Command['run']>[1]): Promise<number> {
  const { values, positionals } = parseFlags('tokenizer info', { args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('tokenizer info', 'give one tokenizer PATH');
  const tok = await Tokenizer.load(positionals[0]!);
  const out = {
    model: tok.model.type,
    vocabSize: tok.vocabSize,
    bosId: tok.bosId ?? null,
    eosIds: tok.eosIds,
    padId: tok.padId ?? null,
    specialTokens: tok.specialTokens,
    chatTemplate: tok.chatTemplate !== undefined,
    hash: tok.hash(),
  };
  if (values.json) writeLine(io.stdout, JSON.stringify(out));
  else for (const [k, v] of Object.entries(out)) writeLine(io.stdout, `${k.padEnd(14)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return 0;
}

const command: Command = {
  summary: 'train a BPE tokenizer (train) or describe one (info)',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'train') return train(rest, io);
    if (sub === 'info') return info(rest, io);
    throw new UsageError('tokenizer', sub ? `unknown subcommand '${sub}'; use train or info` : 'give a subcommand: train or info');
  },
};
export default command;
