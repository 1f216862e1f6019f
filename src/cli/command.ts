/**
 * What a CLI command is, and the helpers every command uses to read its flags.
 *
 * Commands take their streams and environment from `CliIo` instead of touching
 * `process` directly, so tests can run them in-process and capture the output.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** One line for `lmkit --help`. */
  readonly summary: string;
  /** Full usage text, printed by `lmkit CMD --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throws `LmkitError` on bad input. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/**
 * Parses flags with node's `util.parseArgs` (strict), turning its errors into a
 * `UsageError` that names the command. Pass `args` in the config.
 */
export function parseFlags<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (e) {
    throw new UsageError(command, (e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/** Reads a numeric flag, checking it is a finite number (and an integer when asked). */
export function numberFlag(
  command: string,
  name: string,
  value: string | undefined,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(command, `--${name} must be a number, got '${value}'`);
  if (opts.integer && !Number.isInteger(n)) throw new UsageError(command, `--${name} must be an integer, got '${value}'`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(command, `--${name} must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(command, `--${name} must be <= ${opts.max}, got ${n}`);
  return n;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(line + '\n');
}
