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
  const step = stepLogitsViews(model, batch);
  try {
    return step.rows.map((r) => ({ data: r.data.slice(), rows: r.rows, vocab: r.vocab }));
  } finally {
    step.release();
  }
}

/**
 * Like stepLogits, but the rows are views of the runtime's buffers, valid
 * until release(): the generation loop reads them once, straight away, so
 * this saves a V-float copy per sequence per step.
 */
export function stepLogitsViews(model: CausalLM, batch: readonly StepInput[]): { rows: RowLogits[]; release(): void } {
  if (batch.length === 0) return { rows: [], release: () => {} };
  const rt = model.rt;
  const outs = rt.tidy(() => rt.noGrad(() => model.step(batch)));
  const release = () => {
    for (const t of outs) t.dispose();
  };
  const V = model.config.vocabSize;
  try {
    if (outs.length !== batch.length) {
      throw new ShapeError('step', outs.map((o) => o.shape), `model.step returned ${outs.length} outputs for ${batch.length} sequences`);
    }
    const rows = outs.map((t, i) => {
      const n = batch[i]!.allLogits ? batch[i]!.ids.length : 1;
      if (t.numel !== n * V) throw new ShapeError('step', [t.shape], `sequence ${i}: expected ${n} x ${V} logits`);
      const data =
        t.dtype === 'f32' && t.isContiguous ? (t.data as Float32Array).subarray(t.offset, t.offset + t.numel) : Float32Array.from(t.toArray());
      return { data, rows: n, vocab: V };
    });
    return { rows, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Row r of a sequence's logits, as a view. */
export function row(l: RowLogits, r: number): Float32Array {
  return l.data.subarray(r * l.vocab, (r + 1) * l.vocab);
}
