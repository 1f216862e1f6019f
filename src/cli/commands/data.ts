/**
 * `lmkit data prepare`: tokenize text, JSONL or CSV once into token shards
 * that any number of runs reuse (`data: { shards: DIR }` in a train config);
 * `lmkit data info DIR`: what a shard folder holds, optionally verifying checksums.
 */
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { openShards } from '../../data/dataset.js';
import { prepareShards } from '../../data/prepare.js';
import type { DocSplit, SourceFormat } from '../../data/sources.js';
import { loadTokenizerFile } from '../../train/tokenizer-setup.js';

const usage = `lmkit data prepare --data PATH... --tokenizer T --out DIR [flags]
lmkit data info DIR [--verify] [--json]

prepare:
  --data PATH         text, JSONL or CSV files or folders (repeatable); a folder with
                      train.* and valid.* files gives both splits
  --val-data PATH     validation files (default: carve --val-fraction from the data)
  --val-fraction F    default 0.01
  --tokenizer T       tokenizer folder or file, or 'bytes'
  --out DIR           where the shards and manifest.json go
  --format F          text, jsonl, csv or tsv (default: from each file's extension)
  --field NAME        JSONL field / CSV column holding the text (default text)
  --doc-split S       plain text: separator (default), blank-line, line or file
  --separator TEXT    plain text document separator (default <|endoftext|>)
  --no-special        encode special-token text as plain text
  --json              print the manifest as JSON
info:
  --verify            recompute every shard's checksums`;

const FORMATS = ['text', 'jsonl', 'csv', 'tsv'];
const SPLITS = ['separator', 'blank-line', 'line', 'file'];

const command: Command = {
  summary: 'tokenize data into reusable token shards; inspect shard folders',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('data', {
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string', multiple: true },
        'val-data': { type: 'string', multiple: true },
        'val-fraction': { type: 'string' },
        tokenizer: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        field: { type: 'string' },
        'doc-split': { type: 'string' },
        separator: { type: 'string' },
        'no-special': { type: 'boolean' },
        verify: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const [sub, ...rest] = positionals;
    if (sub === 'info') {
      const dir = rest[0];
      if (!dir || rest.length > 1) throw new UsageError('data', "'data info' takes one shard folder");
      const set = openShards(dir, { verify: values.verify ?? false });
      try {
        const m = set.manifest;
        if (values.json) writeLine(io.stdout, JSON.stringify(m));
        else {
          writeLine(
            io.stdout,
            [
              `${dir}: ${m.dtype} shards, tokenizer ${m.tokenizer.hash.slice(0, 12)} (vocab ${m.tokenizer.vocabSize}, EOS ${m.tokenizer.eosId})`,
              `  train        ${m.splits.train.tokens.toLocaleString('en-US')} tokens, ${m.splits.train.documents.toLocaleString('en-US')} documents, ${m.splits.train.shards.length} shard(s)`,
              `  validation   ${m.splits.validation.tokens.toLocaleString('en-US')} tokens, ${m.splits.validation.documents.toLocaleString('en-US')} documents, ${m.splits.validation.shards.length} shard(s)`,
              `  sources      ${m.files.map((f) => f.path).join(', ')}`,
              `  tokenized    ${(m.stats.bytes / 1e6).toFixed(2)} MB in ${m.stats.seconds.toFixed(2)} s (${m.stats.mbPerSecond.toFixed(2)} MB/s)`,
              values.verify ? '  checksums    ok' : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        }
      } finally {
        set.close();
      }
      return 0;
    }
    if (sub !== 'prepare') throw new UsageError('data', sub ? `unknown subcommand '${sub}'; use prepare or info` : 'name a subcommand: prepare or info');
    if (rest.length) throw new UsageError('data', `unexpected argument '${rest[0]}'`);
    if (!values.data?.length) throw new UsageError('data', '--data PATH is required');
    if (!values.out) throw new UsageError('data', '--out DIR is required');
    if (!values.tokenizer) throw new UsageError('data', "--tokenizer is required (a tokenizer folder or file, or 'bytes')");
    if (values.format && !FORMATS.includes(values.format)) throw new UsageError('data', `--format must be one of ${FORMATS.join(', ')}`);
    if (values['doc-split'] && !SPLITS.includes(values['doc-split'])) throw new UsageError('data', `--doc-split must be one of ${SPLITS.join(', ')}`);
    const valFraction = numberFlag('data', 'val-fraction', values['val-fraction'], { min: 0, max: 0.99 });
    const tok = await loadTokenizerFile(values.tokenizer);
    const m = await prepareShards({
      inputs: values.data,
      validation: values['val-data'] ?? [],
      tokenizer: tok,
      outDir: values.out,
      ...(values.format ? { format: values.format as SourceFormat } : {}),
      ...(values.field ? { field: values.field } : {}),
      ...(values['doc-split'] ? { docSplit: values['doc-split'] as DocSplit } : {}),
      ...(values.separator ? { separator: values.separator } : {}),
      ...(valFraction !== undefined ? { valFraction } : {}),
      parseSpecial: !values['no-special'],
      onProgress: (p) => io.stderr.write(`tokenizing: ${(p.bytes / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB\n`),
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(m));
    else {
      writeLine(
        io.stdout,
        `${values.out}: ${m.splits.train.tokens.toLocaleString('en-US')} train and ${m.splits.validation.tokens.toLocaleString('en-US')} validation tokens (${m.dtype}) from ${(m.stats.bytes / 1e6).toFixed(2)} MB in ${m.stats.seconds.toFixed(2)} s: ${m.stats.mbPerSecond.toFixed(2)} MB/s`,
      );
    }
    return 0;
  },
};
export default command;
