/**
 * Llama 3.1's rope scaling in GGUF.
 *
 * llama.cpp's converter does not write `rope_scaling` keys for rope_type
 * "llama3": it writes a tensor `rope_freqs.weight` of head_dim/2 factors, and
 * llama.cpp divides each base frequency by its factor. The factors come from
 * four numbers (factor, low/high_freq_factor, original context length):
 *
 *   wavelength < orig/high     -> 1
 *   wavelength > orig/low      -> factor
 *   otherwise                  -> 1 / ((1 - s)/factor + s),  s = (orig/wavelength - low)/(high - low)
 *
 * lmkit's model takes those four numbers, so on load they are recovered from
 * the factors and checked by recomputing every factor; on save the factors are
 * computed as the converter does.
 */
import { UnsupportedError } from '../../errors.js';
import type { RopeScaling } from '../../nn/rope.js';

type Llama3 = Extract<RopeScaling, { type: 'llama3' }>;

/** The factors llama.cpp's converter writes for a llama3 scaling (float32). */
export function llama3RopeFactors(s: Llama3, headDim: number, theta: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositions / s.highFreqFactor;
  for (let i = 0; i < headDim / 2; i++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / headDim))));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return out;
}

function matches(f: Float32Array, s: Llama3, headDim: number, theta: number): boolean {
  const g = llama3RopeFactors(s, headDim, theta);
  for (let i = 0; i < f.length; i++) if (Math.abs(f[i]! - g[i]!) > 1e-4 * Math.max(1, Math.abs(f[i]!))) return false;
  return true;
}

/** Rounds to a few significant digits, so 3.9999997 reads back as 4. */
function tidy(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * The llama3 scaling that produces `factors`, or an UnsupportedError naming
 * `source` when no llama3 scaling does. All-ones factors mean no scaling.
 */
export function llama3FromRopeFactors(factors: Float32Array, headDim: number, theta: number, source: string): Llama3 | null {
  if (factors.length !== headDim / 2) {
    throw new UnsupportedError(source, `rope_freqs.weight has ${factors.length} factors; expected head_dim/2 = ${headDim / 2}`);
  }
  if (factors.every((f) => f === 1)) return null;
  const factor = Math.max(...factors);
  const wavelen = (i: number) => (2 * Math.PI) / Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / headDim))));
  // In the blend region s = orig/wavelength/(high-low) - low/(high-low) = a/wavelength - b, linear in 1/wavelength.
  const blend: [number, number][] = [];
  factors.forEach((f, i) => {
    if (f > 1 + 1e-6 && f < factor - 1e-6) blend.push([1 / wavelen(i), (1 / f - 1 / factor) / (1 - 1 / factor)]);
  });
  const candidates: Llama3[] = [];
  if (blend.length >= 2) {
    const [x1, s1] = blend[0]!;
    const [x2, s2] = blend[blend.length - 1]!;
    const a = (s1 - s2) / (x1 - x2);
    const b = a * x1 - s1;
    if (a > 0 && b > 0) {
      // low_freq_factor is not identifiable apart from the others; 1 is what every Llama 3.x uses.
      candidates.push({ type: 'llama3', factor: tidy(factor), lowFreqFactor: 1, highFreqFactor: tidy(1 + 1 / b), originalMaxPositions: Math.round(a / b) });
    }
  }
  // One blended dim fixes orig given high (with low = 1): orig = wavelength * ((high - 1) * s + 1).
  if (blend.length === 1) {
    const [x, sm] = blend[0]!;
    for (const high of [4, 2, 8, 16]) candidates.push({ type: 'llama3', factor: tidy(factor), lowFreqFactor: 1, highFreqFactor: high, originalMaxPositions: Math.round(((high - 1) * sm + 1) / x) });
  }
  // No blended dim: any orig between 4x the longest kept wavelength and the shortest scaled one.
  const kept = factors.reduce((m, f, i) => (f === 1 ? Math.max(m, wavelen(i)) : m), 0);
  const scaled = factors.reduce((m, f, i) => (f === factor ? Math.min(m, wavelen(i)) : m), Infinity);
  const origs = [8192, 4096, 2048, Math.ceil(4 * kept) + 1, Math.floor(scaled) - 1];
  for (const orig of origs) if (orig > 0 && Number.isFinite(orig)) candidates.push({ type: 'llama3', factor: tidy(factor), lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: orig });
  const found = candidates.find((c) => matches(factors, c, headDim, theta));
  if (!found) throw new UnsupportedError(source, 'rope_freqs.weight holds rope frequency factors that no llama3 rope scaling produces; custom per-dimension factors are not supported');
  return found;
}
