/**
 * `lmkit sentiment`: the sentiment of a text (or of each JSON line with
 * --jsonl): label and probability, zero-shot through calibrated label
 * likelihoods, or the model's classification head when it has one.
 */
import { UsageError } from '../../errors.js';
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { COMMON_OPTIONS, COMMON_USAGE, printJsonLine, readInputs, runBatched, runnerFor } from './task-common.js';

const usage = `lmkit sentiment [TEXT...] [flags]

Classifies the sentiment of TEXT (or stdin) as positive, negative or neutral
and prints the label and its probability. --json prints {"label", "score",
"scores"}; --jsonl reads one JSON string per line and prints one such object
per line.

Flags:
  --labels A,B,...  zero-shot labels instead of positive,negative,neutral
  --method M        auto | likelihood | head (default auto: the head when the model has one)
${COMMON_USAGE}`;

const command: Command = {
  summary: 'classify the sentiment of texts (label and calibrated probability)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('sentiment', {
      args: argv,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, labels: { type: 'string' }, method: { type: 'string' } },
    });
    const m = values.method;
    if (m !== undefined && m !== 'auto' && m !== 'likelihood' && m !== 'head') throw new UsageError('sentiment', `--method must be auto, likelihood or head, got '${m}'`);
    const method: 'auto' | 'likelihood' | 'head' | undefined = m;
    const labels = values.labels?.split(',').map((s) => s.trim()).filter(Boolean);
    if (labels && labels.length < 2) throw new UsageError('sentiment', '--labels needs at least two labels');
    const batch = numberFlag('sentiment', 'batch', values.batch, { integer: true, min: 1 }) ?? 16;
    const inputs = await readInputs('sentiment', positionals, values.jsonl ?? false, io);
    const runner = await runnerFor(values, io);
    try {
      const opts = { ...(labels ? { labels } : {}), ...(method ? { method } : {}) };
      await runBatched(
        inputs,
        batch,
        (xs) => runner.sentiment(xs, opts),
        (r) => {
          const out = { label: r.label, score: r.score, scores: r.scores };
          if (values.jsonl || values.json) printJsonLine(io, out);
          else writeLine(io.stdout, `${r.label} ${r.score.toFixed(3)}`);
        },
      );
      return 0;
    } finally {
      await runner.close();
    }
  },
};
export default command;
