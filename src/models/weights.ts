/**
 * Moving parameters between a model and a checkpoint, whatever its format.
 *
 * A `CheckpointFormat` says, for each parameter of a model, which tensor of a
 * checkpoint holds it (names may have aliases: GPT-2 checkpoints exist with
 * and without the `transformer.` prefix) and in which layout (GPT-2's Conv1D
 * stores linear weights transposed). Each architecture declares its formats
 * in its weights.ts; the Hugging Face one is `hf`, and a GGUF one can sit
 * beside it (llama.cpp's names, its q/k row order) without touching the model.
 *
 * Loading reads each tensor with a positional read straight into the buffer
 * that keeps it when no conversion is needed (f32 into an f32 parameter, or a
 * half/quantized matrix kept as stored with `dtype: 'keep'`); otherwise through
 * one temporary of that tensor's size. Nothing else of the file enters memory.
 */
import { DTypeError, FileFormatError } from '../errors.js';
import { allocArray, DTYPES, isQuantized, storageLength, type DType, type TypedArray } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DecoderLM } from './decoder.js';
import { MissingWeightError, WeightShapeError } from './errors.js';
import type { BaseModelConfig } from './types.js';

/** How a checkpoint stores a parameter relative to the model's (PyTorch) layout. */
export type Layout = 'as-is' | 'transposed';

export interface TensorLocation {
  /** Names the tensor may have in the checkpoint; the first is the one a save writes. */
  readonly keys: readonly string[];
  readonly layout: Layout;
}

export interface CheckpointFormat<C> {
  readonly name: string;
  /** Where parameter `param` (the model's dotted name) of a model with config `c` lives. */
  locate(param: string, c: C): TensorLocation;
  /** Checkpoint tensors that are not parameters (buffers, tied copies), skipped without a warning. */
  isIgnored(key: string, c: C): boolean;
}

/** A tensor's description in a store (what src/io's TensorStore provides). */
export interface StoredTensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The file holding it (for error messages). */
  readonly file: string;
}

/** The read side of a weight container: a safetensors folder, a GGUF file, ... */
export interface WeightStore {
  readonly path: string;
  readonly tensors: readonly StoredTensorInfo[];
  has(name: string): boolean;
  get(name: string): StoredTensorInfo;
  /** Reads a tensor's elements into `target` (of the stored dtype and exact size), or a fresh array. */
  read(name: string, target?: TypedArray): TypedArray;
}

export interface LoadWeightsOptions {
  /**
   * 'f32' (default): every parameter in f32, ready to train.
   * 'keep': matrices stored as f16, bf16 or a quantized type stay so (half
   * the memory or less; `linear` and `embedding` read them directly); vectors
   * (norms, biases) are always f32.
   */
  readonly dtype?: 'f32' | 'keep';
}

const FLOAT_STORED: readonly DType[] = ['f32', 'f64', 'f16', 'bf16'];

function transposedShape(s: readonly number[]): number[] {
  return [s[1]!, s[0]!];
}

/**
 * Fills every parameter of `model` from `store`. Throws MissingWeightError or
 * WeightShapeError naming the file and tensor; returns warnings for checkpoint
 * tensors nothing used.
 */
export function loadWeights<C extends BaseModelConfig>(model: DecoderLM<C>, store: WeightStore, format: CheckpointFormat<C>, opts: LoadWeightsOptions = {}): { warnings: string[] } {
  const rt = model.rt;
  const used = new Set<string>();
  // Tensors that need converting are read into one reused scratch buffer per array type, so
  // no garbage of the file's size waits for the collector while the model fills up.
  const scratch = new Map<string, TypedArray>();
  const readScratch = (key: string, dtype: DType, numel: number): TypedArray => {
    const len = storageLength(dtype, numel);
    const kind = DTYPES[dtype].array;
    let buf = scratch.get(kind);
    if (!buf || buf.length < len) scratch.set(kind, (buf = allocArray(dtype, len)));
    return store.read(key, buf.subarray(0, len));
  };
  for (const [name, p] of model.namedParameters()) {
    const loc = format.locate(name, model.config);
    const key = loc.keys.find((k) => store.has(k));
    if (key === undefined) throw new MissingWeightError(store.path, name, loc.keys);
    const info = store.get(key);
    const transposed = loc.layout === 'transposed';
    const want = transposed ? transposedShape(p.shape) : p.shape;
    if (!shapesEqual(info.shape, want)) throw new WeightShapeError(info.file, key, want, info.shape);
    if (!FLOAT_STORED.includes(info.dtype) && !isQuantized(info.dtype)) {
      throw new FileFormatError(info.file, `has dtype ${info.dtype}; expected a float or quantized type`, `tensor '${key}'`);
    }
    if (transposed && isQuantized(info.dtype)) {
      throw new FileFormatError(info.file, `is quantized (${info.dtype}) but this format stores it transposed; quantized blocks cannot be transposed`, `tensor '${key}'`);
    }
    used.add(key);
    const keep = opts.dtype === 'keep' && p.ndim === 2 && info.dtype !== 'f32' && info.dtype !== 'f64';
    if (keep && !transposed) {
      // Straight into the buffer that keeps it, in its stored type.
      const data = allocArray(info.dtype, storageLength(info.dtype, p.numel));
      store.read(key, data);
      model.setParameter(name, rt.fromArray(data, p.shape, info.dtype));
      continue;
    }
    if (info.dtype === p.dtype && !transposed && p.isContiguous && !p.storageShared()) {
      store.read(key, p.data); // straight into the parameter
      continue;
    }
    const raw = rt.untrack(rt.fromArray(readScratch(key, info.dtype, p.numel), info.shape, info.dtype));
    const src = transposed ? raw.transpose(0, 1) : raw;
    if (keep) {
      const t = rt.untrack(rt.fromArray(allocArray(info.dtype, p.numel), p.shape, info.dtype));
      t.copyFrom(src);
      model.setParameter(name, t);
    } else p.copyFrom(src);
    if (src !== raw) src.dispose();
    raw.dispose();
  }
  const warnings = store.tensors
    .filter((t) => !used.has(t.name) && !format.isIgnored(t.name, model.config))
    .map((t) => `${t.file}: tensor '${t.name}' is not used by the model and was skipped`);
  return { warnings };
}

/** A tensor to write, with its data produced on demand (one at a time, to bound memory). */
export interface SavedTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: () => TypedArray;
}

export type SaveDType = 'f32' | 'f16' | 'bf16';

/** The dtype a parameter is saved in: `dtype` if given, else half types stay half and the rest is f32. */
function saveDtypeOf(p: Tensor, dtype: SaveDType | undefined): SaveDType {
  if (dtype) return dtype;
  return p.dtype === 'f16' || p.dtype === 'bf16' ? p.dtype : 'f32';
}

/** The model's parameters as checkpoint tensors of `format` (canonical names, stored layouts). */
export function checkpointTensors<C extends BaseModelConfig>(model: DecoderLM<C>, format: CheckpointFormat<C>, dtype?: SaveDType): SavedTensor[] {
  const rt = model.rt;
  return model.namedParameters().map(([name, p]) => {
    const loc = format.locate(name, model.config);
    const transposed = loc.layout === 'transposed';
    if (transposed && p.ndim !== 2) throw new DTypeError('saveModel', `a matrix for '${name}'`, `shape [${p.shape}]`);
    const shape = transposed ? transposedShape(p.shape) : [...p.shape];
    const dt = saveDtypeOf(p, dtype);
    return {
      name: loc.keys[0]!,
      dtype: dt,
      shape,
      data: () => {
        // Already in the stored form: hand the parameter's own buffer to the writer, no copy.
        if (!transposed && p.dtype === dt && p.isContiguous && p.offset === 0 && p.data.length === p.numel) return p.data;
        const out = rt.untrack(rt.fromArray(allocArray(dt, p.numel), shape, dt));
        const src = isQuantized(p.dtype) ? rt.untrack(p.to('f32')) : p;
        const view = transposed ? src.transpose(0, 1) : src;
        out.copyFrom(view);
        if (view !== src) view.dispose();
        if (src !== p) src.dispose();
        const data = out.data;
        out.dispose();
        return data;
      },
    };
  });
}

/** The HF `torch_dtype` of a save: the dtype most parameter elements are written in. */
export function torchDtypeOf(tensors: readonly SavedTensor[]): 'float32' | 'float16' | 'bfloat16' {
  const count: Record<SaveDType, number> = { f32: 0, f16: 0, bf16: 0 };
  for (const t of tensors) count[t.dtype as SaveDType] += t.shape.reduce((a, b) => a * b, 1);
  const best = (Object.keys(count) as SaveDType[]).reduce((a, b) => (count[b] > count[a] ? b : a));
  return ({ f32: 'float32', f16: 'float16', bf16: 'bfloat16' } as const)[best];
}
