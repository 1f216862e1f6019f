/**
 * The registry of `lmkit bench` benchmarks. Each one measures lmkit and its
 * reference (OpenBLAS, PyTorch, llama.cpp, other JS tokenizers) in the same run
 * and prints the ratio. Modules load lazily: one benchmark never pays for another.
 */
import type { CliIo } from '../cli/command.js';

export interface BenchModule {
  readonly usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface BenchEntry {
  readonly summary: string;
  load(): Promise<BenchModule>;
}

export const benches: Record<string, BenchEntry> = {
  matmul: { summary: 'f32 matmul GFLOP/s: lmkit native vs OpenBLAS sgemm, square or transformer shapes', load: async () => (await import('./matmul.js')).default },
  load: { summary: 'load a model file: lmkit positional reads vs readFileSync, time and peak RSS', load: async () => (await import('./load.js')).default },
};
