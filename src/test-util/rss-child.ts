/**
 * Test helper run as a child process: runs the CLI with the given arguments
 * in this fresh process, then prints its peak resident memory (bytes) as the
 * last line of stderr, `maxrss=N`.
 */
import { main } from '../cli/main.js';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
process.stderr.write(`\nmaxrss=${process.resourceUsage().maxRSS * 1024}\n`);
process.exitCode = code;
