/**
 * The q/k row order of llama.cpp's "llama" architecture.
 *
 * Hugging Face's Llama applies rotary embeddings in the rotate-half layout:
 * within a head of D dims, dim i pairs with dim i + D/2. llama.cpp's LLAMA
 * rope ("normal" mode) pairs adjacent dims 2i and 2i + 1 instead, so its
 * converter (convert_hf_to_gguf.py, `LlamaModel.permute`) reorders the output
 * rows of q_proj and k_proj (and their biases) per head:
 *
 *   GGUF row h*D + 2i + j  =  HF row h*D + j*D/2 + i      (i < D/2, j in {0, 1})
 *
 * Both orders give the same attention scores, since q and k are permuted alike
 * and q.k sums over all dims. lmkit's model computes in the HF layout, so rows
 * are put back on load and permuted again on save.
 *
 * The permutation moves whole rows (output features), never elements within a
 * row, so it works unchanged on block-quantized rows: a Q8_0 or Q4_0 row is a
 * contiguous run of blocks along the input dimension, and moving it moves its
 * blocks with it. Rows are given as `rowLength` storage elements (floats, half
 * bits or bytes of blocks).
 *
 * Qwen2 in GGUF uses llama.cpp's NEOX rope, which is the rotate-half layout:
 * no permutation there.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { InvalidArgumentError } from '../../errors.js';

export type RopeOrder = 'hf-to-gguf' | 'gguf-to-hf';

/**
 * Reorders the rows of `data` (heads * D rows of `rowLength` elements each),
 * in place, using one head's worth of scratch.
 */
export function permuteRopeRows<T extends TypedArray>(data: T, heads: number, rowLength: number, order: RopeOrder): T {
  const rows = data.length / rowLength;
  if (!Number.isInteger(rows) || rows % heads !== 0) {
    throw new InvalidArgumentError('permuteRopeRows', 'data', `${data.length} elements are not ${heads} heads of whole rows of ${rowLength}`);
  }
  const D = rows / heads;
  if (D % 2 !== 0) throw new InvalidArgumentError('permuteRopeRows', 'heads', `head dim ${D} is odd; rotary embeddings need an even head dim`);
  const half = D / 2;
  const headLen = D * rowLength;
  const scratch = data.slice(0, headLen);
  for (let h = 0; h < heads; h++) {
    const base = h * headLen;
    scratch.set(data.subarray(base, base + headLen));
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const gguf = 2 * i + j;
        const hf = j * half + i;
        const [from, to] = order === 'hf-to-gguf' ? [hf, gguf] : [gguf, hf];
        data.set(scratch.subarray(from * rowLength, (from + 1) * rowLength), base + to * rowLength);
      }
    }
  }
  return data;
}
