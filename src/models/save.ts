/**
 * `saveModel(model, dir)`: a Hugging Face model folder that `transformers`
 * loads: config.json (HF keys, `architectures`, `model_type`, `torch_dtype`),
 * model.safetensors (HF names and layouts: GPT-2 in its Conv1D layout),
 * generation_config.json, and the tokenizer's files when one is given.
 *
 * Atomic: everything is written into a temp folder beside `dir`, which then
 * replaces it by rename, so a reader never sees half a model and a failed save
 * leaves the old folder as it was.
 */
import { existsSync, readdirSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { writeSafetensorsSharded } from '../io/safetensors-writer.js';
import { generationConfigFromModel, generationConfigToHF, type GenerationConfig } from './generation-config.js';
import { familyOf, type LanguageModel, type ModelConfig } from './registry.js';
import { checkpointTensors, torchDtypeOf, type SaveDType } from './weights.js';

export interface SaveModelOptions {
  /** Dtype of the saved weights (default: as held, half types stay half, the rest f32). */
  readonly dtype?: SaveDType;
  /** Writes its files into the folder (lmkit's Tokenizer has `save(dir)`). */
  readonly tokenizer?: { save(dir: string): void | Promise<void> };
  /** Default: the token ids of the model config. */
  readonly generationConfig?: GenerationConfig;
  /** Split the weights into shards of at most this many bytes, as transformers does (default 5e9). */
  readonly maxShardBytes?: number;
}

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;

export async function saveModel(model: LanguageModel, dir: string, opts: SaveModelOptions = {}): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, 'config.json'))) {
    throw new InvalidArgumentError('saveModel', 'dir', `'${dir}' exists and is not a model folder (no config.json); refusing to replace it`);
  }
  const config = model.config as ModelConfig;
  const family = familyOf(config);
  const tensors = checkpointTensors(model, family.formats.hf, opts.dtype);
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(tmp);
  try {
    await writeSafetensorsSharded(tmp, tensors, { metadata: { format: 'pt' }, ...(opts.maxShardBytes ? { maxShardBytes: opts.maxShardBytes } : {}) });
    writeFileAtomicSync(join(tmp, 'config.json'), json({ ...family.configToHF(config), torch_dtype: torchDtypeOf(tensors) }));
    const gen = opts.generationConfig ?? generationConfigFromModel(config as ModelConfig & { padTokenId?: number | null });
    writeFileAtomicSync(join(tmp, 'generation_config.json'), json(generationConfigToHF(gen)));
    if (opts.tokenizer) await opts.tokenizer.save(tmp);
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
