/**
 * Converting a model between formats: `lmkit convert IN OUT [--dtype T]`.
 *
 *   IN   a Hugging Face model folder, a .gguf file, or hf:ORG/NAME[@REV][:FILE]
 *   OUT  a path ending in .gguf (a GGUF file llama.cpp runs) or a folder (HF)
 *
 * The model is loaded with its matrices in their stored type (so a 7B f16
 * checkpoint needs about its size in memory, not twice it) and written tensor
 * by tensor in `dtype`. The tokenizer travels along: from the folder's
 * tokenizer files or the GGUF's embedded vocabulary; GGUF -> GGUF copies the
 * `tokenizer.*` metadata exactly.
 */
import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { readGguf } from '../io/gguf.js';
import { isHubRef, resolveHub } from '../io/hub.js';
import type { Runtime } from '../tensor/runtime.js';
import { Tokenizer } from '../tokenizers/tokenizer.js';
import { GGUF_SAVE_DTYPES, saveGguf, type GgufSaveDType } from './gguf/save.js';
import { isGgufPath } from './gguf/source.js';
import { loadModel } from './load.js';
import type { ModelConfig } from './registry.js';
import { saveModel } from './save.js';
import type { GgufValue, GgufType } from '../io/gguf-types.js';

export type ConvertDType = GgufSaveDType;

export interface ConvertOptions {
  readonly rt: Runtime;
  /** Weight type of the output; default: as stored (f32 for an HF folder written from quantized weights). */
  readonly dtype?: ConvertDType;
  /** For hf: references. */
  readonly hub?: { readonly cacheDir: string; readonly endpoint?: string; readonly token?: string; readonly offline?: boolean };
}

export interface ConvertResult {
  readonly input: { readonly kind: string; readonly path: string };
  readonly output: { readonly format: 'gguf' | 'hf'; readonly path: string };
  readonly config: ModelConfig;
  readonly tokenizer: boolean;
  readonly warnings: readonly string[];
}

const HF_DTYPES = ['f32', 'f16', 'bf16'] as const;

/** The output format a path asks for: GGUF for *.gguf, an HF folder otherwise. */
export function outputFormat(path: string): 'gguf' | 'hf' {
  return path.toLowerCase().endsWith('.gguf') ? 'gguf' : 'hf';
}

async function resolveInput(input: string, opts: ConvertOptions): Promise<string> {
  if (!isHubRef(input)) return input;
  if (!opts.hub) throw new InvalidArgumentError('convert', 'hub', `a cache folder is needed to fetch ${input}`);
  const snap = await resolveHub(input, opts.hub);
  return snap.path ?? snap.dir;
}

export async function convertModel(input: string, output: string, opts: ConvertOptions): Promise<ConvertResult> {
  const format = outputFormat(output);
  if (opts.dtype !== undefined && !GGUF_SAVE_DTYPES.includes(opts.dtype)) {
    throw new InvalidArgumentError('convert', 'dtype', `must be one of ${GGUF_SAVE_DTYPES.join(', ')}, got '${String(opts.dtype)}'`);
  }
  if (format === 'hf' && opts.dtype !== undefined && !(HF_DTYPES as readonly string[]).includes(opts.dtype)) {
    throw new InvalidArgumentError('convert', 'dtype', `a Hugging Face folder holds ${HF_DTYPES.join(', ')} weights; '${opts.dtype}' needs a .gguf output`);
  }
  if (format === 'hf' && existsSync(output) && !statSync(output).isDirectory()) {
    throw new InvalidArgumentError('convert', 'OUT', `'${output}' is a file; give a folder for a Hugging Face model or a path ending in .gguf`);
  }
  const path = await resolveInput(input, opts);
  const loaded = await loadModel(path, { rt: opts.rt, dtype: 'keep', tokenizer: Tokenizer });
  const warnings = [...loaded.warnings];
  const gguf = isGgufPath(path);
  const tokenizer = loaded.tokenizer;
  if (!tokenizer) warnings.push(`${path}: no tokenizer found; the output has none`);
  try {
    if (format === 'gguf') {
      let tokenizerMetadata: { values: Record<string, GgufValue>; types: Record<string, GgufType> } | undefined;
      if (gguf && loaded.tokenizer) {
        const g = readGguf(path);
        const values: Record<string, GgufValue> = {};
        const types: Record<string, GgufType> = {};
        for (const [k, v] of Object.entries(g.metadata)) {
          if (!k.startsWith('tokenizer.')) continue;
          values[k] = v;
          types[k] = g.metadataTypes[k]!;
        }
        tokenizerMetadata = { values, types };
      }
      const r = await saveGguf(loaded.model, output, {
        ...(tokenizerMetadata ? { tokenizerMetadata } : tokenizer ? { tokenizer } : {}),
        ...(opts.dtype ? { dtype: opts.dtype } : {}),
      });
      warnings.push(...r.warnings.filter((w) => !w.startsWith('no tokenizer')));
    } else {
      await saveModel(loaded.model, output, {
        ...(opts.dtype ? { dtype: opts.dtype as (typeof HF_DTYPES)[number] } : {}),
        ...(tokenizer ? { tokenizer } : {}),
        generationConfig: loaded.generationConfig,
      });
    }
  } finally {
    loaded.model.dispose();
  }
  return {
    input: { kind: loaded.source.kind, path },
    output: { format, path: output },
    config: loaded.config,
    tokenizer: tokenizer !== undefined,
    warnings,
  };
}
