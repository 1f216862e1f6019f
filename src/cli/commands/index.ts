/**
 * The CLI's commands, loaded lazily so that `lmkit tokenize` does not pay for
 * loading the server. Each entry is one file in this folder.
 */
import type { Command } from '../command.js';

export const commands: Record<string, () => Promise<{ default: Command }>> = {
  bench: () => import('./bench.js'),
  convert: () => import('./convert.js'),
  chat: () => import('./chat.js'),
  corpus: () => import('./corpus.js'),
  data: () => import('./data.js'),
  estimate: () => import('./estimate.js'),
  eval: () => import('./eval.js'),
  generate: () => import('./generate.js'),
  inspect: () => import('./inspect.js'),
  quantize: () => import('./quantize.js'),
  keys: () => import('./keys.js'),
  sentiment: () => import('./sentiment.js'),
  serve: () => import('./serve.js'),
  summarize: () => import('./summarize.js'),
  runs: () => import('./runs.js'),
  train: () => import('./train.js'),
  tokenize: () => import('./tokenize.js'),
  tokenizer: () => import('./tokenizer.js'),
  translate: () => import('./translate.js'),
};
