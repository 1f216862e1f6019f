/**
 * The `lmkit` command line: dispatches to one command and turns errors into a
 * short message and a non-zero exit. Stack traces appear only with --debug.
 */
import { LmkitError } from '../errors.js';
import type { CliIo } from './command.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

async function help(): Promise<string> {
  const lines = ['lmkit: train, run, serve and audit transformer language models', '', 'Usage: lmkit COMMAND [flags]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const cmd = (await load()).default;
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  lines.push('', "Run 'lmkit COMMAND --help' for a command's flags. Add --debug to any command for stack traces.");
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write((await help()) + '\n');
      return name ? 0 : 2;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(VERSION + '\n');
      return 0;
    }
    const load = commands[name];
    if (!load) {
      io.stderr.write(`lmkit: unknown command '${name}'. Run 'lmkit --help' for the list.\n`);
      return 2;
    }
    const cmd = (await load()).default;
    if (rest[0] === '--help' || rest[0] === '-h') {
      io.stdout.write(cmd.usage + '\n');
      return 0;
    }
    return await cmd.run(rest, io);
  } catch (e) {
    if (debug) io.stderr.write(((e as Error)?.stack ?? String(e)) + '\n');
    if (LmkitError.isInstance(e)) {
      io.stderr.write(`lmkit: ${e.message}\n`);
      return e.code === 'usage' ? 2 : 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      io.stderr.write(`lmkit: ${err.code === 'ENOENT' ? 'no such file' : err.code}: ${err.path}\n`);
      return 1;
    }
    io.stderr.write(`lmkit: internal error: ${(e as Error)?.message ?? String(e)}${debug ? '' : ' (run with --debug for the stack)'}\n`);
    return 1;
  }
}
