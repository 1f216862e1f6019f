/**
 * `lmkit summarize`: a one-line summary of a text (or of each JSON line with
 * --jsonl).
 */
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { COMMON_OPTIONS, COMMON_USAGE, printJsonLine, readInputs, runBatched, runnerFor } from './task-common.js';

const usage = `lmkit summarize [TEXT...] [flags]

Summarizes TEXT (or stdin) in one line. --json prints {"summary"}; --jsonl
reads one JSON string per line and prints one {"summary"} object per line.

Flags:
  --max-tokens N    longest summary in tokens (default 256)
${COMMON_USAGE}`;

const command: Command = {
  summary: 'summarize texts in one line',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('summarize', { args: argv, allowPositionals: true, options: { ...COMMON_OPTIONS } });
    const maxTokens = numberFlag('summarize', 'max-tokens', values['max-tokens'], { integer: true, min: 1 });
    const batch = numberFlag('summarize', 'batch', values.batch, { integer: true, min: 1 }) ?? 16;
    const inputs = await readInputs('summarize', positionals, values.jsonl ?? false, io);
    const runner = await runnerFor(values, io);
    try {
      await runBatched(
        inputs,
        batch,
        (xs) => runner.summarize(xs, maxTokens ? { maxTokens } : {}),
        (s) => {
          if (values.jsonl || values.json) printJsonLine(io, { summary: s });
          else writeLine(io.stdout, s);
        },
      );
      return 0;
    } finally {
      await runner.close();
    }
  },
};
export default command;
