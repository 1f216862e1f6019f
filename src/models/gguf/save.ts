/**
 * Writing a model as a GGUF file llama.cpp loads: its architecture metadata
 * (./config.ts), its tokenizer (./tokenizer-metadata.ts), and its parameters
 * under llama.cpp's names, q/k rows in llama.cpp's rope order, matrices in the
 * requested type.
 *
 * Types follow llama.cpp's converter: vectors (norms, biases) and GPT-2's
 * position embeddings stay f32; every other matrix takes `dtype`, falling back
 * to f16 when its rows are not a whole number of blocks. Tensors are produced
 * one at a time as the writer reaches them, so saving needs memory for one
 * tensor beyond the model.
 */
import { InvalidArgumentError } from '../../errors.js';
import { LLAMA_FTYPE, type GgufTargetType } from '../../io/gguf-quantize.js';
import { gguf, type GgufType, type GgufTyped, type GgufValue } from '../../io/gguf-types.js';
import { writeGguf, type GgufTensorInput } from '../../io/gguf-writer.js';
import { fromFloat32, toFloat32 } from '../../io/quantize.js';
import { DTYPES, isQuantized, storageLength, type DType, type TypedArray } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import type { LanguageModel } from '../registry.js';
import { configToGguf } from './config.js';
import { permuteRopeRows } from './rope-permute.js';
import { ggufArchOf, ggufTensorName, ropePermutedHeads } from './tensor-names.js';
import { tokenizerToGguf } from './tokenizer-metadata.js';

export type GgufSaveDType = GgufTargetType;
export const GGUF_SAVE_DTYPES: readonly GgufSaveDType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q6_k'];

export interface SaveGgufOptions {
  /** The tokenizer to embed (llama.cpp needs one to run the file). */
  readonly tokenizer?: Tokenizer;
  /**
   * `tokenizer.*` metadata to write as is instead of `tokenizer` (with its
   * types), e.g. a GGUF input's own, so GGUF -> GGUF keeps it exactly.
   */
  readonly tokenizerMetadata?: { readonly values: Readonly<Record<string, GgufValue>>; readonly types?: Readonly<Record<string, GgufType>> };
  /** Matrix type; default: as held in memory (f32, or the stored half/quantized type). */
  readonly dtype?: GgufSaveDType;
  /** `general.name`. */
  readonly name?: string;
}

export interface SaveGgufResult {
  readonly tensors: readonly { name: string; dtype: DType; shape: readonly number[] }[];
  readonly warnings: readonly string[];
}

/** A parameter's storage in its own dtype, contiguous. */
function rawData(p: Tensor): TypedArray {
  const len = storageLength(p.dtype, p.numel);
  if (p.isContiguous && p.offset === 0 && p.data.length === len) return p.data;
  const c = p.rt.untrack(p.clone());
  const d = c.data.slice(0, len);
  c.dispose();
  return d;
}

/** The type llama.cpp's converter gives this tensor for a target type. */
function tensorType(name: string, p: Tensor, target: GgufSaveDType | undefined, warnings: string[]): DType {
  if (p.ndim < 2 || name === 'position_embd.weight') return 'f32';
  const want: DType = target ?? (p.dtype === 'f64' ? 'f32' : p.dtype);
  const cols = p.shape[p.ndim - 1]!;
  if (cols % DTYPES[want].blockSize === 0) return want;
  warnings.push(`${name}: rows of ${cols} values are not whole ${want} blocks of ${DTYPES[want].blockSize}; written as f16`);
  return 'f16';
}

/** A parameter's storage converted to `to`; a fresh array when `fresh` (to be permuted in place). */
function convert(p: Tensor, to: DType, fresh: boolean): TypedArray {
  const raw = rawData(p);
  if (p.dtype === to) return fresh && raw === p.data ? raw.slice() : raw;
  return fromFloat32(to, toFloat32(p.dtype, raw));
}

/** The metadata and tensor list of a GGUF file for `model` (used by saveGguf; exposed for tests and tools). */
export function ggufContents(model: LanguageModel, opts: SaveGgufOptions = {}): { metadata: Record<string, GgufValue | GgufTyped>; types: Record<string, GgufType>; tensors: GgufTensorInput[]; warnings: string[] } {
  if (opts.dtype !== undefined && !GGUF_SAVE_DTYPES.includes(opts.dtype)) {
    throw new InvalidArgumentError('saveGguf', 'dtype', `must be one of ${GGUF_SAVE_DTYPES.join(', ')}, got '${String(opts.dtype)}'`);
  }
  const config = model.config;
  const arch = ggufArchOf(config);
  const parts = configToGguf(config);
  const warnings = [...parts.warnings];
  const params = model.namedParameters();
  const tensors: GgufTensorInput[] = [];
  const mostly: Record<string, number> = {};
  for (const [pname, p] of params) {
    const name = ggufTensorName(arch, pname);
    if (name === undefined) throw new InvalidArgumentError('saveGguf', pname, `the ${arch} GGUF layout has no tensor for this parameter`);
    const dtype = tensorType(name, p, opts.dtype, warnings);
    if (p.ndim >= 2) mostly[dtype] = (mostly[dtype] ?? 0) + p.numel;
    const heads = ropePermutedHeads(arch, name, config);
    tensors.push({
      name,
      dtype,
      shape: [...p.shape],
      data: () => {
        const data = convert(p, dtype, heads > 0);
        if (!heads) return data;
        const rowLength = p.ndim === 1 ? 1 : storageLength(dtype, p.shape[p.ndim - 1]!);
        return permuteRopeRows(data, heads, rowLength, 'hf-to-gguf');
      },
    });
  }
  for (const t of parts.extraTensors) tensors.push({ name: t.name, dtype: 'f32', shape: [t.data.length], data: t.data });
  const main = (Object.entries(mostly).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'f32') as GgufSaveDType;
  const metadata: Record<string, GgufValue | GgufTyped> = {
    'general.architecture': arch,
    'general.name': opts.name ?? `lmkit ${config.architecture}`,
    'general.file_type': gguf.u32(LLAMA_FTYPE[main] ?? 0),
    ...(isQuantized(main) ? { 'general.quantization_version': gguf.u32(2) } : {}),
    ...parts.metadata,
  };
  let types: Record<string, GgufType> = {};
  if (opts.tokenizerMetadata) {
    for (const [k, v] of Object.entries(opts.tokenizerMetadata.values)) if (k.startsWith('tokenizer.')) metadata[k] = v;
    types = { ...(opts.tokenizerMetadata.types ?? {}) };
  } else if (opts.tokenizer) Object.assign(metadata, tokenizerToGguf(opts.tokenizer, { vocabSize: config.vocabSize }));
  else warnings.push('no tokenizer was given: the GGUF file has no tokenizer.* metadata, so llama.cpp cannot run it');
  return { metadata, types, tensors, warnings };
}

/** Writes `model` as a GGUF v3 file at `path`, atomically. */
export async function saveGguf(model: LanguageModel, path: string, opts: SaveGgufOptions = {}): Promise<SaveGgufResult> {
  const { metadata, types, tensors, warnings } = ggufContents(model, opts);
  await writeGguf(path, { metadata, types, tensors });
  return { tensors: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })), warnings };
}
