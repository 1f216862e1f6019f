/**
 * Quantized (GGUF block) tensors in the js backend: dequantisation of whole
 * contiguous rows into float views. The block formats are defined once, in
 * src/io/quant.ts; this file adapts them to backend views.
 */
import type { View } from '../backend.js';
import { UnsupportedError } from '../../errors.js';

/** Writes the dequantised elements of a contiguous quantized `src` into `dst` (same logical shape). */
export function dequantizeInto(src: View, dst: View): void {
  throw new UnsupportedError('dequantize', `${src.dtype} -> ${dst.dtype} conversion needs the GGUF block codecs (src/io/quant.ts)`);
}
