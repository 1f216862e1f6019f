/**
 * The fused decode step of Llama-family decoders on the native backend
 * (native/ops-decode.cc): every layer of a step in one native call, keys and
 * values written straight into each sequence's cache. A plan binds a model's
 * weights once; each step then passes only the new rows, their rotary tables
 * and the caches.
 *
 * Per layer it computes, for R new rows x (R, C) of a ragged batch:
 *   h = rmsNorm(x) ; q, k, v = h Wq^T (+ b), ... ; rope(q), rope(k) ;
 *   append k, v to the cache ; a = causal attention of q over the cache ;
 *   x += a Wo^T (+ b) ; h = rmsNorm(x) ; x += (act(h Wg^T) * h Wu^T) Wd^T
 * with the same kernels the per-op path uses, so both give the same numbers.
 */
import type { UnaryOp, View } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';
import { ShapeError, InvalidArgumentError } from '../../errors.js';
import { bufferOf } from './args.js';
import type { NativeCtx } from './ctx.js';
import { UNARY } from './elementwise.js';
import { x8Of } from './linalg.js';

/** A projection: weight (out, in) and optional bias (out). */
export interface DecodeLinear {
  readonly weight: View;
  readonly bias: View | null;
}

export interface DecodeLayer {
  readonly inputNorm: View;
  readonly q: DecodeLinear;
  readonly k: DecodeLinear;
  readonly v: DecodeLinear;
  readonly o: DecodeLinear;
  readonly postNorm: View;
  readonly gate: DecodeLinear;
  readonly up: DecodeLinear;
  readonly down: DecodeLinear;
  /** Sliding attention window of this layer, or 0 for full causal attention. */
  readonly window: number;
}

export interface DecodeDims {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediate: number;
  readonly eps: number;
  /** Multiplies q.k (1/sqrt(headDim)). */
  readonly scale: number;
  readonly activation: Extract<UnaryOp, 'silu' | 'geluTanh' | 'geluErf' | 'relu'>;
}

/** One sequence of a step: rows [start, start + length) of x, after `past` cached tokens. */
export interface DecodeSegment {
  readonly start: number;
  readonly length: number;
  readonly past: number;
  /** The sequence's cache buffer, f32 (layers, 2, kvHeads, rows, headDim) contiguous. */
  readonly cache: View;
}

/** A model's weights bound for the fused step (opaque; holds the native plan). */
export interface DecodePlan {
  readonly dims: DecodeDims;
}

interface PlanImpl extends DecodePlan {
  readonly handle: object;
}

export interface NativeDecoder {
  /** Weight storage types the fused step reads (others take the per-op path). */
  readonly weightDTypes: readonly DType[];
  createPlan(dims: DecodeDims, layers: readonly DecodeLayer[]): DecodePlan;
  /**
   * Runs every layer over the rows x (R, hidden), in place, for the given
   * sequences; cos and sin (R, headDim/2) are each row's rotary tables. Writes
   * each sequence's new keys and values at rows [past, past + length) of its cache.
   */
  step(plan: DecodePlan, x: View, cos: View, sin: View, segments: readonly DecodeSegment[]): void;
}

/** BType codes of native/kernels.h. */
const BTYPE: Partial<Record<DType, number>> = { f32: 0, f16: 1, bf16: 2, q8_0: 3, q4_0: 4 };

/** Most sequences in one fused step (the argument buffer's room for their descriptors). */
export const MAX_DECODE_SEGMENTS = 32;

function isContiguous(v: View): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== s) return false;
    s *= v.shape[i]!;
  }
  return true;
}

export function decodeKernels(c: NativeCtx): NativeDecoder {
  const a = c.addon;
  return {
    weightDTypes: Object.keys(BTYPE) as DType[],

    createPlan(dims: DecodeDims, layers: readonly DecodeLayer[]): DecodePlan {
      const { layers: L, hidden: C, heads: H, kvHeads: Hkv, headDim: D, intermediate: F } = dims;
      if (layers.length !== L) throw new InvalidArgumentError('decodePlan', 'layers', `${layers.length} layers given for a model of ${L}`);
      const act = UNARY[dims.activation];
      c.begin().num(L).num(C).num(H).num(Hkv).num(D).num(F).num(dims.eps).num(dims.scale).num(act).num(c.q8Activations ? 1 : 0);
      const handle = a.decodePlan();
      layers.forEach((ly, l) => {
        const expect: [string, DecodeLinear, number, number][] = [
          ['q_proj', ly.q, H * D, C],
          ['k_proj', ly.k, Hkv * D, C],
          ['v_proj', ly.v, Hkv * D, C],
          ['o_proj', ly.o, C, H * D],
          ['gate_proj', ly.gate, F, C],
          ['up_proj', ly.up, F, C],
          ['down_proj', ly.down, C, F],
        ];
        for (const [name, lin, n, k] of expect) {
          const w = lin.weight;
          if (w.shape.length !== 2 || w.shape[0] !== n || w.shape[1] !== k) throw new ShapeError('decodePlan', [w.shape], `layer ${l} ${name} must be (${n}, ${k})`);
          if (BTYPE[w.dtype] === undefined) throw new InvalidArgumentError('decodePlan', name, `weights of dtype ${w.dtype} are not supported by the fused step`);
          if (lin.bias && (lin.bias.dtype !== 'f32' || lin.bias.shape.length !== 1 || lin.bias.shape[0] !== n)) {
            throw new ShapeError('decodePlan', [lin.bias.shape], `layer ${l} ${name} bias must be f32 (${n})`);
          }
        }
        const mats = [ly.q, ly.k, ly.v, ly.o, ly.gate, ly.up, ly.down];
        // Repacked forms first: making one is an addon call of its own through the argument buffer.
        const x8s = mats.map((lin) => {
          const bt = BTYPE[lin.weight.dtype]!;
          return (bt === 3 || bt === 4) && c.q8Activations && c.repackQuantized ? x8Of(c, lin.weight, bt) : null;
        });
        // Buffers in the order the addon reads the views (the bias slot is null when absent).
        const bufs: unknown[] = [];
        const args = c.begin().num(l).num(ly.window);
        const vec = (v: View) => {
          args.view(v);
          bufs.push(bufferOf(v));
        };
        const mat = (lin: DecodeLinear) => {
          args.num(BTYPE[lin.weight.dtype]!).view(lin.weight).view(lin.bias);
          bufs.push(bufferOf(lin.weight), lin.bias ? bufferOf(lin.bias) : null);
        };
        vec(ly.inputNorm);
        mats.slice(0, 4).forEach(mat);
        vec(ly.postNorm);
        mats.slice(4).forEach(mat);
        a.decodePlanLayer(handle, bufs, x8s);
      });
      const plan: PlanImpl = { dims, handle };
      return plan;
    },

    step(plan: DecodePlan, x: View, cos: View, sin: View, segments: readonly DecodeSegment[]): void {
      const { layers: L, hidden: C, kvHeads: Hkv, headDim: D } = plan.dims;
      const R = x.shape[0]!;
      if (x.dtype !== 'f32' || x.shape.length !== 2 || x.shape[1] !== C || !isContiguous(x)) throw new ShapeError('decodeStep', [x.shape], `x must be contiguous f32 (R, ${C})`);
      for (const t of [cos, sin]) {
        if (t.dtype !== 'f32' || !isContiguous(t) || t.shape.reduce((p, n) => p * n, 1) !== (R * D) / 2) throw new ShapeError('decodeStep', [t.shape], `cos and sin must be contiguous f32 with ${R} x ${D / 2} values`);
      }
      if (segments.length === 0 || segments.length > MAX_DECODE_SEGMENTS) throw new InvalidArgumentError('decodeStep', 'segments', `1 to ${MAX_DECODE_SEGMENTS} sequences per call, got ${segments.length}`);
      let at = 0;
      for (const s of segments) {
        const cs = s.cache.shape;
        if (s.cache.dtype !== 'f32' || cs.length !== 5 || cs[0] !== L || cs[1] !== 2 || cs[2] !== Hkv || cs[4] !== D || !isContiguous(s.cache)) {
          throw new ShapeError('decodeStep', [cs], `a cache must be contiguous f32 (${L}, 2, ${Hkv}, rows, ${D})`);
        }
        if (s.start !== at || s.length < 1 || s.past < 0 || s.past + s.length > cs[3]!) {
          throw new InvalidArgumentError('decodeStep', 'segments', `sequence at row ${s.start} (${s.length} new after ${s.past}) does not tile x in order or does not fit its cache of ${cs[3]} rows`);
        }
        at += s.length;
      }
      if (at !== R) throw new InvalidArgumentError('decodeStep', 'segments', `cover ${at} rows of the ${R} in x`);
      const args = c.begin().num(segments.length);
      for (const s of segments) args.num(s.start).num(s.length).num(s.past);
      args.view(x).view(cos).view(sin);
      for (const s of segments) args.view(s.cache);
      a.decodeStep((plan as PlanImpl).handle, bufferOf(x), bufferOf(cos), bufferOf(sin), segments.map((s) => bufferOf(s.cache)));
    },
  };
}
