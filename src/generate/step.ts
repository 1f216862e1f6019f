/**
 * One call of `model.step` with the bookkeeping every caller needs: no
 * autograd, intermediates released (tidy), and the logits copied out of the
 * runtime's pooled buffers so the tensors can go back to the pool at once.
 */
import { ShapeError } from '../errors.js';
import type { CausalLM, StepInput } from '../models/types.js';

/** Logits of one sequence: `rows` rows of `vocab` floats (rows > 1 only with allLogits). */
export interface RowLogits {
  readonly data: Float32Array;
  readonly rows: number;
  readonly vocab: number;
}

export function stepLogits(model: CausalLM, batch: readonly StepInput[]): RowLogits[] {
  if (batch.length === 0) return [];
  const rt = model.rt;
  const outs = rt.tidy(() => rt.noGrad(() => model.step(batch)));
  const V = model.config.vocabSize;
  try {
    if (outs.length !== batch.length) {
      throw new ShapeError('step', outs.map((o) => o.shape), `model.step returned ${outs.length} outputs for ${batch.length} sequences`);
    }
    return outs.map((t, i) => {
      const rows = batch[i]!.allLogits ? batch[i]!.ids.length : 1;
      if (t.numel !== rows * V) throw new ShapeError('step', [t.shape], `sequence ${i}: expected ${rows} x ${V} logits`);
      const data =
        t.dtype === 'f32' && t.isContiguous ? (t.data as Float32Array).slice(t.offset, t.offset + t.numel) : Float32Array.from(t.toArray());
      return { data, rows, vocab: V };
    });
  } finally {
    for (const t of outs) t.dispose();
  }
}

/** Row r of a sequence's logits, as a view. */
export function row(l: RowLogits, r: number): Float32Array {
  return l.data.subarray(r * l.vocab, (r + 1) * l.vocab);
}
