/**
 * Converts a GGUF file's weights to another storage type (the format-level
 * core of `lmkit quantize`), tensor by tensor so memory stays at one tensor.
 *
 * Like llama.cpp's "pure" mode, every float tensor of rank >= 2 whose rows
 * are a whole number of blocks becomes the target type; 1-D tensors (norms,
 * biases) and integer tensors are copied unchanged. `typeFor` overrides the
 * choice per tensor (llama.cpp's default Q4_0 mix, for example, keeps
 * `output.weight` at Q6_K). Already-quantized tensors are dequantized and
 * quantized again only with `allowRequantize`, since that compounds error.
 * `general.file_type` is set to llama.cpp's llama_ftype for the target.
 */
import { InvalidArgumentError } from '../errors.js';
import { DTYPES, isQuantized, type DType } from '../tensor/dtype.js';
import { readGguf, readGgufTensor, type GgufTensorInfo } from './gguf.js';
import { writeGguf, type GgufTensorInput } from './gguf-writer.js';
import { GgufTyped } from './gguf-types.js';
import { fromFloat32, toFloat32 } from './quantize.js';

export type GgufTargetType = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_k' | 'q6_k';

/** llama.cpp's llama_ftype for a file that is mostly of this type. */
export const LLAMA_FTYPE: Record<GgufTargetType, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7, q4_k: 15, q6_k: 18, bf16: 32 };

export interface QuantizeGgufOptions {
  readonly type: GgufTargetType;
  /** A per-tensor type (or undefined for the default rule). */
  readonly typeFor?: (t: GgufTensorInfo) => DType | undefined;
  /** Re-quantize tensors that are already quantized (default false: copy them). */
  readonly allowRequantize?: boolean;
}

export interface QuantizeGgufResult {
  readonly tensors: readonly { name: string; from: DType; to: DType }[];
  readonly bytesIn: number;
  readonly bytesOut: number;
}

function defaultType(t: GgufTensorInfo, target: DType, allowRequantize: boolean): DType {
  if (t.shape.length < 2 || (!DTYPES[t.dtype].isFloat && !isQuantized(t.dtype))) return t.dtype;
  if (isQuantized(t.dtype) && !allowRequantize) return t.dtype;
  const inner = t.shape[t.shape.length - 1]!;
  return inner % DTYPES[target].blockSize === 0 ? target : t.dtype;
}

export async function quantizeGguf(input: string, output: string, opts: QuantizeGgufOptions): Promise<QuantizeGgufResult> {
  if (!(opts.type in LLAMA_FTYPE)) throw new InvalidArgumentError('quantizeGguf', 'type', `must be one of ${Object.keys(LLAMA_FTYPE).join(', ')}, got '${String(opts.type)}'`);
  const g = readGguf(input);
  const plan = g.tensors.map((t) => {
    const to = opts.typeFor?.(t) ?? defaultType(t, opts.type, opts.allowRequantize ?? false);
    const inner = t.shape[t.shape.length - 1] ?? 1;
    if (inner % DTYPES[to].blockSize !== 0) {
      throw new InvalidArgumentError('quantizeGguf', `tensor '${t.name}'`, `rows of ${inner} values cannot be stored as ${to} (blocks of ${DTYPES[to].blockSize})`);
    }
    return { t, to };
  });
  const tensors: GgufTensorInput[] = plan.map(({ t, to }) => ({
    name: t.name,
    dtype: to,
    shape: t.shape,
    data: () => (to === t.dtype ? readGgufTensor(g, t) : fromFloat32(to, toFloat32(t.dtype, readGgufTensor(g, t)))),
  }));
  const metadata = { ...g.metadata, 'general.file_type': new GgufTyped('u32', LLAMA_FTYPE[opts.type]) };
  await writeGguf(output, { metadata, types: g.metadataTypes, tensors, alignment: g.alignment });
  const bytesOut = plan.reduce((s, { t, to }) => s + (t.numel / DTYPES[to].blockSize) * DTYPES[to].bytes, 0);
  return {
    tensors: plan.map(({ t, to }) => ({ name: t.name, from: t.dtype, to })),
    bytesIn: g.tensors.reduce((s, t) => s + t.byteLength, 0),
    bytesOut,
  };
}
