/**
 * `lmkit corpus --out DIR [--seed N] [--scale X] [--json]`: writes the
 * built-in model's training corpus (the outdoor-gear shop world).
 */
import { numberFlag, parseFlags, writeLine, type Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { CORPUS_SPLITS, DEFAULT_SCALE, DEFAULT_SEED, writeCorpus } from '../../data/corpus/index.js';

const usage = `lmkit corpus --out DIR [--seed N] [--scale X] [--json]

Writes the built-in model's corpus: a seeded, generated world of an outdoor-gear
shop (product descriptions, support chats, English<->Spanish translation, review
sentiment, one-line summaries), split into train, valid and test. The test split
holds out brands, product names, customer names, category/color pairs and
templates that train and valid never contain.

Files: train.txt valid.txt test.txt (training text, ChatML), train.jsonl
valid.jsonl test.jsonl (records), world.json (catalog), manifest.json.

Flags:
  --out DIR     folder to write (created if missing; files are replaced atomically)
  --seed N      non-negative integer (default ${DEFAULT_SEED}); same seed, same bytes
  --scale X     multiplies record counts (default ${DEFAULT_SCALE}: about 16 MB of training text)
  --json        print the manifest summary as one JSON object`;

const command: Command = {
  summary: "write the built-in model's generated training corpus",
  usage,
  async run(argv, io) {
    const { values } = parseFlags('corpus', {
      args: argv,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        scale: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.out) throw new UsageError('corpus', '--out DIR is required');
    const seed = numberFlag('corpus', 'seed', values.seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }) ?? DEFAULT_SEED;
    const scale = numberFlag('corpus', 'scale', values.scale, { max: 1000 }) ?? DEFAULT_SCALE;
    if (!(scale > 0)) throw new UsageError('corpus', `--scale must be > 0, got ${scale}`);
    const m = writeCorpus({ outDir: values.out, seed, scale });
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ outDir: values.out, seed: m.seed, scale: m.scale, counts: m.counts, testHeldOutRecords: m.testHeldOutRecords, heldOut: m.heldOut, files: m.files }));
      return 0;
    }
    writeLine(io.stdout, `wrote corpus (seed ${m.seed}, scale ${m.scale}) to ${values.out}`);
    for (const split of CORPUS_SPLITS) {
      const mb = (m.files[`${split}.txt`]!.bytes / 1e6).toFixed(2);
      const extra = split === 'test' ? ` (${m.testHeldOutRecords} use held-out entities or templates)` : '';
      writeLine(io.stdout, `  ${split.padEnd(5)} ${String(m.counts[split].total).padStart(7)} records  ${mb.padStart(6)} MB text${extra}`);
    }
    return 0;
  },
};
export default command;
