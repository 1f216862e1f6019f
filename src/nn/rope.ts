/**
 * Rotary position embedding tables (RoFormer, Su et al. 2021,
 * https://arxiv.org/abs/2104.09864) with the frequency scalings that real
 * Hugging Face configs carry in `rope_scaling`:
 *
 *   - none / 'default': inv_freq[i] = theta^(-2i/D)
 *   - 'linear' (position interpolation): inv_freq / factor
 *   - 'dynamic' (dynamic NTK): theta grows with the sequence once it passes
 *     the trained length: theta * (factor * L / Lmax - (factor - 1))^(D/(D-2))
 *   - 'llama3' (Llama 3.1): long wavelengths divided by `factor`, short ones
 *     kept, a smooth blend between (low/high_freq_factor, original length)
 *   - 'yarn' (Peng et al. 2023, https://arxiv.org/abs/2309.00071): a ramp
 *     between interpolated and extrapolated frequencies over the dims whose
 *     rotation counts fall between beta_slow and beta_fast, and cos/sin scaled
 *     by the attention factor 0.1 ln(factor) + 1
 *
 * The formulas follow transformers' modeling_rope_utils.py, including its
 * float32 rounding of the inverse frequencies and of position x frequency, so
 * angles match a PyTorch model bit for bit before the cos/sin.
 *
 * Tables are computed for the positions a call needs (one row per token),
 * which serves left-padded batches (each row its own positions) and ragged
 * decode batches (each sequence at its own offset) alike.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Runtime } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';

export type RopeScaling =
  | { readonly type: 'linear'; readonly factor: number }
  | { readonly type: 'dynamic'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositions: number;
    }
  | {
      readonly type: 'yarn';
      readonly factor: number;
      /** The trained context length before extension (default: maxPositions). */
      readonly originalMaxPositions?: number;
      readonly betaFast?: number;
      readonly betaSlow?: number;
      /** Multiplies cos and sin; default from mscale/mscaleAllDim or 0.1 ln(factor) + 1. */
      readonly attentionFactor?: number;
      readonly mscale?: number;
      readonly mscaleAllDim?: number;
      /** Round the correction range to whole dims (default true). */
      readonly truncate?: boolean;
    };

export interface RopeConfig {
  /** Rotated dims per head (the head dim). */
  readonly dim: number;
  readonly theta: number;
  /** The config's max_position_embeddings (dynamic NTK scales beyond it). */
  readonly maxPositions: number;
  readonly scaling: RopeScaling | null;
}

export interface RopeFrequencies {
  /** dim/2 inverse frequencies, float32-rounded. */
  readonly invFreq: Float64Array;
  /** Multiplies cos and sin (YaRN); 1 otherwise. */
  readonly attentionFactor: number;
}

const f32 = Math.fround;

function baseFrequencies(dim: number, theta: number): Float64Array {
  const out = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f32(1 / f32(Math.pow(theta, f32((2 * i) / dim))));
  return out;
}

/** The inverse frequencies for sequences up to `seqLen` tokens (only dynamic NTK depends on it). */
export function ropeFrequencies(cfg: RopeConfig, seqLen = cfg.maxPositions): RopeFrequencies {
  const { dim, theta, scaling } = cfg;
  if (!(dim > 0 && dim % 2 === 0)) throw new InvalidArgumentError('rope', 'dim', `${dim} must be a positive even number`);
  if (!scaling) return { invFreq: baseFrequencies(dim, theta), attentionFactor: 1 };
  switch (scaling.type) {
    case 'linear': {
      const inv = baseFrequencies(dim, theta);
      for (let i = 0; i < inv.length; i++) inv[i] = f32(inv[i]! / scaling.factor);
      return { invFreq: inv, attentionFactor: 1 };
    }
    case 'dynamic': {
      const L = Math.max(seqLen, cfg.maxPositions);
      const base = theta * Math.pow((scaling.factor * L) / cfg.maxPositions - (scaling.factor - 1), dim / (dim - 2));
      return { invFreq: baseFrequencies(dim, base), attentionFactor: 1 };
    }
    case 'llama3':
      return { invFreq: llama3Frequencies(baseFrequencies(dim, theta), scaling), attentionFactor: 1 };
    case 'yarn':
      return yarnFrequencies(cfg, scaling);
  }
}

function llama3Frequencies(inv: Float64Array, s: Extract<RopeScaling, { type: 'llama3' }>): Float64Array {
  const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositions / s.highFreqFactor;
  const out = new Float64Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    const f = inv[i]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) out[i] = f; // high frequencies: kept
    else if (wavelen > lowWavelen) out[i] = f32(f / s.factor); // low frequencies: interpolated
    else {
      const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = f32((1 - smooth) * (f / s.factor) + smooth * f);
    }
  }
  return out;
}

function yarnFrequencies(cfg: RopeConfig, s: Extract<RopeScaling, { type: 'yarn' }>): RopeFrequencies {
  const { dim, theta } = cfg;
  const original = s.originalMaxPositions ?? cfg.maxPositions;
  const mscaleOf = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
  const attentionFactor =
    s.attentionFactor ?? (s.mscale && s.mscaleAllDim ? mscaleOf(s.factor, s.mscale) / mscaleOf(s.factor, s.mscaleAllDim) : mscaleOf(s.factor));
  // The dim whose wavelength turns `rotations` times over the original context.
  const correctionDim = (rotations: number) => (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = correctionDim(s.betaFast ?? 32);
  let high = correctionDim(s.betaSlow ?? 1);
  if (s.truncate ?? true) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001;
  const inv = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const posFreq = f32(Math.pow(theta, f32((2 * i) / dim)));
    const extrapolation = f32(1 / posFreq);
    const interpolation = f32(1 / f32(s.factor * posFreq));
    const ramp = Math.min(1, Math.max(0, f32((i - low) / (high - low))));
    const keep = f32(1 - ramp); // share of the extrapolated (unscaled) frequency
    inv[i] = f32(interpolation * (1 - keep) + extrapolation * keep);
  }
  return { invFreq: inv, attentionFactor };
}

/** cos/sin tables for the rope op, one row per token position. */
export class RotaryEmbedding {
  private readonly fixed: RopeFrequencies | null;

  constructor(readonly cfg: RopeConfig) {
    this.fixed = cfg.scaling?.type === 'dynamic' ? null : ropeFrequencies(cfg);
  }

  /**
   * cos and sin of shape (1, R, dim/2) for R rows at `positions` (the layout
   * the rope op takes for x viewed as (1, R, H, D)).
   */
  tables(rt: Runtime, positions: Int32Array): { cos: Tensor; sin: Tensor } {
    let maxPos = 0;
    for (const p of positions) if (p > maxPos) maxPos = p;
    const { invFreq, attentionFactor } = this.fixed ?? ropeFrequencies(this.cfg, maxPos + 1);
    const half = invFreq.length;
    const R = positions.length;
    const cos = new Float32Array(R * half);
    const sin = new Float32Array(R * half);
    for (let r = 0; r < R; r++) {
      const p = positions[r]!;
      for (let i = 0; i < half; i++) {
        const angle = f32(p * invFreq[i]!);
        cos[r * half + i] = Math.cos(angle) * attentionFactor;
        sin[r * half + i] = Math.sin(angle) * attentionFactor;
      }
    }
    return { cos: rt.tensor(cos, [1, R, half]), sin: rt.tensor(sin, [1, R, half]) };
  }
}
