/**
 * A tiny real model folder for tests: a randomly initialised Llama (2 layers,
 * hidden 32) saved as config.json + model.safetensors, with a byte-level BPE
 * tokenizer trained on a few sentences that keeps the ChatML special tokens
 * whole and ends turns at <|im_end|>. Small enough to load in milliseconds,
 * real enough to exercise loading, the worker thread, the scheduler and the
 * chat template end to end.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '../../models/registry.js';
import { saveModel } from '../../models/save.js';
import { createRuntime } from '../../tensor/index.js';
import { trainBpe } from '../../tokenizers/train-bpe.js';

const TEXTS = [
  'The tent is light and easy to set up.',
  'These boots kept my feet dry all week. Great value!',
  'La tienda es ligera y fácil de montar.',
  'Shipping took two days and the sleeping bag was warm.',
  'What is the sentiment of this review? positive negative neutral',
  'Translate to Spanish: Summarize in one line:',
  '{"name": "get_weather", "arguments": {"city": "Paris"}} [1, 2, 3] true false null',
];

export interface TinyModelOptions {
  readonly seed?: number;
  readonly contextLength?: number;
  /** A chat_template for tokenizer_config.json (default: none, so ChatML is used). */
  readonly chatTemplate?: string;
  /** Bigger models for benchmarks (defaults 32, 2, 64). */
  readonly hiddenSize?: number;
  readonly numLayers?: number;
  readonly intermediateSize?: number;
}

export async function writeTinyModel(dir: string, opts: TinyModelOptions = {}): Promise<void> {
  const tok = await trainBpe({ texts: TEXTS, vocabSize: 320, minFrequency: 1, specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] });
  const rt = createRuntime({ backend: 'js', seed: opts.seed ?? 1 });
  const config = registry.llama.config({
    vocabSize: tok.vocabSize,
    contextLength: opts.contextLength ?? 256,
    hiddenSize: opts.hiddenSize ?? 32,
    numLayers: opts.numLayers ?? 2,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: opts.intermediateSize ?? 64,
    tieWordEmbeddings: true,
  });
  const model = registry.llama.create(rt, config);
  await saveModel(model, dir, { dtype: 'f32' });
  tok.save(dir);
  const cfgPath = join(dir, 'tokenizer_config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  cfg.eos_token = '<|im_end|>';
  cfg.pad_token = '<|endoftext|>';
  if (opts.chatTemplate) cfg.chat_template = opts.chatTemplate;
  writeFileSync(cfgPath, JSON.stringify(cfg, null, 2) + '\n');
}
