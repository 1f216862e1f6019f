/** Test helper: runs the CLI in-process and captures what it prints. */
import { PassThrough } from 'node:stream';
import { main } from '../cli/main.js';

/** Runs the CLI in-process and captures its output. */
export async function runCli(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end(stdin);
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(argv, { stdout: out, stderr: err, stdin: input, env });
  return { code, stdout, stderr };
}

