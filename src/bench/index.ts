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
  serve: { summary: 'concurrent streaming clients against lmkit serve: req/s, tok/s, TTFT, latency, batching gain', load: async () => (await import('./serve.js')).default },
  train: {
    summary: 'training step tokens/s and peak RSS of GPT-2-style models: lmkit vs PyTorch; --config data: tokenizing MB/s',
    load: async () => (await import('./train.js')).default,
  },
  matvec: { summary: 'decode matvec GB/s (f32, f16, q8_0, q4_0; 4K vs huge pages) vs a plain read of the weights', load: async () => (await import('./matvec.js')).default },
  matmul: { summary: 'f32 matmul GFLOP/s: lmkit native vs OpenBLAS sgemm, square or transformer shapes', load: async () => (await import('./matmul.js')).default },
  load: { summary: 'load a model file: lmkit positional reads vs readFileSync, time and peak RSS', load: async () => (await import('./load.js')).default },
  tokenize: {
    summary: 'cl100k/o200k encode MB/s: lmkit vs js-tiktoken and gpt-tokenizer',
    load: async () => (await import('./tokenize.js')).default,
  },
  generate: {
    summary: 'prompt processing and decode tokens/s vs llama.cpp (llama-bench) on the same GGUF',
    load: async () => (await import('./generate.js')).default,
  },
};
