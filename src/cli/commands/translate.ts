/**
 * `lmkit translate`: translates a text (or each JSON line with --jsonl) from
 * one language to another with the model's translation prompt.
 */
import { UsageError } from '../../errors.js';
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { COMMON_OPTIONS, COMMON_USAGE, printJsonLine, readInputs, runBatched, runnerFor } from './task-common.js';

const usage = `lmkit translate [TEXT...] --from LANG --to LANG [flags]

Translates TEXT (or stdin). Languages are codes such as en, es, fr; the
built-in model translates between English and Spanish. --json prints
{"translation", "source", "target"}; --jsonl reads one JSON string per line and
prints one {"translation"} object per line.

Flags:
  --from LANG       source language (default en)
  --to LANG         target language (default es)
  --max-tokens N    longest translation in tokens (default 256)
${COMMON_USAGE}`;

const command: Command = {
  summary: 'translate texts between languages',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('translate', {
      args: argv,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, from: { type: 'string' }, to: { type: 'string' } },
    });
    const source = values.from ?? 'en';
    const target = values.to ?? 'es';
    if (source === target) throw new UsageError('translate', `--from and --to are both '${source}'`);
    const maxTokens = numberFlag('translate', 'max-tokens', values['max-tokens'], { integer: true, min: 1 });
    const batch = numberFlag('translate', 'batch', values.batch, { integer: true, min: 1 }) ?? 16;
    const inputs = await readInputs('translate', positionals, values.jsonl ?? false, io);
    const runner = await runnerFor(values, io);
    try {
      await runBatched(
        inputs,
        batch,
        (xs) => runner.translate(xs, { source, target, ...(maxTokens ? { maxTokens } : {}) }),
        (t) => {
          if (values.jsonl) printJsonLine(io, { translation: t });
          else if (values.json) printJsonLine(io, { translation: t, source, target });
          else writeLine(io.stdout, t);
        },
      );
      return 0;
    } finally {
      await runner.close();
    }
  },
};
export default command;
