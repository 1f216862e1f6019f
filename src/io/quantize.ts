/**
 * Converting tensor storage between lmkit dtypes and float32: the entry point
 * for loaders that dequantize and for writers that quantize.
 */
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, type DType, type QuantDType, type TypedArray } from '../tensor/dtype.js';
import { dequantizeQ4_0, dequantizeQ8_0, quantizeQ4_0, quantizeQ8_0 } from './quant.js';
import { dequantizeQ4K, dequantizeQ6K, quantizeQ4K, quantizeQ6K } from './quant-k.js';

const QUANTIZE: Record<QuantDType, (x: Float32Array) => Uint8Array> = {
  q8_0: quantizeQ8_0,
  q4_0: quantizeQ4_0,
  q4_k: quantizeQ4K,
  q6_k: quantizeQ6K,
};

const DEQUANTIZE: Record<QuantDType, (b: Uint8Array, out?: Float32Array) => Float32Array> = {
  q8_0: dequantizeQ8_0,
  q4_0: dequantizeQ4_0,
  q4_k: dequantizeQ4K,
  q6_k: dequantizeQ6K,
};

/** Storage of dtype `dtype` (as read from a file) to float32 values. */
export function toFloat32(dtype: DType, data: TypedArray): Float32Array {
  switch (dtype) {
    case 'f32':
      return data as Float32Array;
    case 'f64':
    case 'i32':
    case 'u8':
      return Float32Array.from(data as ArrayLike<number>);
    case 'f16':
    case 'bf16': {
      const src = data as Uint16Array;
      const out = new Float32Array(src.length);
      const conv = dtype === 'f16' ? f16ToF32 : bf16ToF32;
      for (let i = 0; i < src.length; i++) out[i] = conv(src[i]!);
      return out;
    }
    default:
      return DEQUANTIZE[dtype](data as Uint8Array);
  }
}

/** Float32 values to storage of dtype `dtype` (rounding to nearest even for f16/bf16; ggml's reference rounding for quant types). */
export function fromFloat32(dtype: DType, x: Float32Array): TypedArray {
  switch (dtype) {
    case 'f32':
      return x;
    case 'f64':
      return Float64Array.from(x);
    case 'f16':
    case 'bf16': {
      const out = new Uint16Array(x.length);
      const conv = dtype === 'f16' ? f32ToF16 : f32ToBf16;
      for (let i = 0; i < x.length; i++) out[i] = conv(x[i]!);
      return out;
    }
    case 'i32':
    case 'u8':
      throw new UnsupportedError('fromFloat32', `converting floats to ${dtype} would truncate; convert explicitly`);
    default:
      if (!(dtype in QUANTIZE)) throw new InvalidArgumentError('fromFloat32', 'dtype', `unknown dtype ${String(dtype)}`);
      return QUANTIZE[dtype](x);
  }
}
