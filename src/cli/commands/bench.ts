/**
 * `lmkit bench NAME ...`: measures lmkit and a reference side by side in one run
 * and prints the ratio. Each benchmark lives in src/bench/NAME.ts.
 */
import type { Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { benches } from '../../bench/index.js';

const usage = () => `lmkit bench NAME [flags]

Benchmarks (each prints a table, or JSON lines with --json):
${Object.entries(benches)
  .map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`)
  .join('\n')}

Run 'lmkit bench NAME --help' for the flags of one benchmark.`;

const command: Command = {
  summary: 'measure lmkit against reference implementations',
  get usage() {
    return usage();
  },
  async run(argv, io) {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h') {
      io.stdout.write(usage() + '\n');
      return name ? 0 : 2;
    }
    const entry = benches[name];
    if (!entry) throw new UsageError('bench', `unknown benchmark '${name}'; one of: ${Object.keys(benches).join(', ')}`);
    const bench = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(bench.usage + '\n');
      return 0;
    }
    return bench.run(rest, io);
  },
};
export default command;
