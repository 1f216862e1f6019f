// Matrix-vector products: the decode path (one token, M = 1), which is bound by
// memory bandwidth, not arithmetic. Each weight byte is read exactly once, in
// row order, so the hardware prefetchers stream it.
//
//  - gemv_rows: y[n] = W[n, :] . x for weights stored as rows (the x W^T of a
//    linear layer) in f32, f16, bf16, q8_0 or q4_0. Four rows share each load
//    of x. Quantized rows are dotted against x pre-quantised to q8_0 blocks with
//    integer multiply-adds, the way ggml's vec_dot_q8_0_q8_0 / q4_0_q8_0 do: the
//    weights are never expanded to f32, so a q4_0 row costs 0.56 bytes per weight.
//  - gemv_cols: y = x B for row-major B (x @ W with W (K, N)): axpy over rows
//    into a block of y held in registers.
#include "../kernels.h"
#include "convert-inl.h"

namespace lmkit {
namespace LMKIT_NS {

// ---------------------------------------------------------------- float rows

static float dot_f32(const float* w, const float* x, int64_t K) {
  vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
  int64_t k = 0;
  for (; k + 4 * W <= K; k += 4 * W) {
    a0 = vfma(vload(w + k), vload(x + k), a0);
    a1 = vfma(vload(w + k + W), vload(x + k + W), a1);
    a2 = vfma(vload(w + k + 2 * W), vload(x + k + 2 * W), a2);
    a3 = vfma(vload(w + k + 3 * W), vload(x + k + 3 * W), a3);
  }
  for (; k < K; k += W) {
    int n = (int)imin(W, K - k);
    a0 = vfma(vloadn(w + k, n), vloadn(x + k, n), a0);
  }
  return vhsum(vadd(vadd(a0, a1), vadd(a2, a3)));
}

// Four rows at once: x is loaded once per four weight vectors.
static void dot4_f32(const float* w, int64_t rs, const float* x, int64_t K, float* out) {
  vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
  int64_t k = 0;
  for (; k + W <= K; k += W) {
    vf xv = vload(x + k);
    a0 = vfma(vload(w + k), xv, a0);
    a1 = vfma(vload(w + rs + k), xv, a1);
    a2 = vfma(vload(w + 2 * rs + k), xv, a2);
    a3 = vfma(vload(w + 3 * rs + k), xv, a3);
  }
  if (k < K) {
    int n = (int)(K - k);
    vf xv = vloadn(x + k, n);
    a0 = vfma(vloadn(w + k, n), xv, a0);
    a1 = vfma(vloadn(w + rs + k, n), xv, a1);
    a2 = vfma(vloadn(w + 2 * rs + k, n), xv, a2);
    a3 = vfma(vloadn(w + 3 * rs + k, n), xv, a3);
  }
  out[0] = vhsum(a0);
  out[1] = vhsum(a1);
  out[2] = vhsum(a2);
  out[3] = vhsum(a3);
}

// Half-precision rows: R rows per pass, converted in registers (F16C, or a
// shift for bf16), each row with its own accumulators; x is loaded once per step.
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
template <int BF16>
LMKIT_INLINE __m256 half8(const uint16_t* p) {
  __m128i h = _mm_loadu_si128((const __m128i*)p);
  return BF16 ? _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)) : _mm256_cvtph_ps(h);
}

// One accumulator per row (R independent FMA chains) keeps every value in a
// register; the dtype is a template parameter so the loop has no branch.
template <int R, int BF16>
static void dot_half_t(const uint16_t* w, int64_t rs, const float* x, int64_t K, float* out) {
  __m256 acc[R];
  for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
  int64_t k = 0;
  if (R == 1) {
    // One row: four chains, so the FMA latency does not bound the stream.
    __m256 b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    for (; k + 32 <= K; k += 32) {
      acc[0] = _mm256_fmadd_ps(half8<BF16>(w + k), _mm256_loadu_ps(x + k), acc[0]);
      b1 = _mm256_fmadd_ps(half8<BF16>(w + k + 8), _mm256_loadu_ps(x + k + 8), b1);
      b2 = _mm256_fmadd_ps(half8<BF16>(w + k + 16), _mm256_loadu_ps(x + k + 16), b2);
      b3 = _mm256_fmadd_ps(half8<BF16>(w + k + 24), _mm256_loadu_ps(x + k + 24), b3);
    }
    acc[0] = _mm256_add_ps(_mm256_add_ps(acc[0], b1), _mm256_add_ps(b2, b3));
  }
  for (; k + 8 <= K; k += 8) {
    const __m256 xv = _mm256_loadu_ps(x + k);
    for (int r = 0; r < R; r++) acc[r] = _mm256_fmadd_ps(half8<BF16>(w + r * rs + k), xv, acc[r]);
  }
  for (int r = 0; r < R; r++) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc[r]), _mm256_extractf128_ps(acc[r], 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float t = _mm_cvtss_f32(s);
    for (int64_t j = k; j < K; j++) t += (BF16 ? bf16_to_float(w[r * rs + j]) : half_to_float(w[r * rs + j])) * x[j];
    out[r] = t;
  }
}

template <int R>
static void dot_half_rows(const uint16_t* w, int64_t rs, const float* x, int64_t K, int bf16, float* out) {
  if (bf16)
    dot_half_t<R, 1>(w, rs, x, K, out);
  else
    dot_half_t<R, 0>(w, rs, x, K, out);
}
#else
template <int R>
static void dot_half_rows(const uint16_t* w, int64_t rs, const float* x, int64_t K, int bf16, float* out) {
  float buf[256];
  for (int r = 0; r < R; r++) {
    float acc = 0.0f;
    for (int64_t k0 = 0; k0 < K; k0 += 256) {
      int64_t n = imin(256, K - k0);
      if (bf16)
        bf16_row_to_f32(w + r * rs + k0, buf, n);
      else
        f16_row_to_f32(w + r * rs + k0, buf, n);
      for (int64_t k = 0; k < n; k++) acc += buf[k] * x[k0 + k];
    }
    out[r] = acc;
  }
}
#endif

// ---------------------------------------------------------------- quantized rows
//
// R rows at a time (R = 4 in the main loop): each activation block is loaded
// once and feeds R independent accumulators, so neither the loads of x nor one
// long FMA dependency chain limit the stream of weight bytes.

#if LMKIT_ISA == 1 || LMKIT_ISA == 2
// The 32 nibbles of a q4_0 block as unsigned bytes 0..15, low nibbles first.
// The 16 bytes go to both halves of a register (one broadcast load); the upper
// half is shifted right by 4 (per 64-bit lane), then both are masked.
LMKIT_INLINE __m256i nibbles(const uint8_t* q) {
  __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)q));
  return _mm256_and_si256(_mm256_srlv_epi64(b, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0f));
}

LMKIT_INLINE float hsum8(__m256 acc) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Integer dot products against q8_0 activations. q4_0: maddubs(nibble, x)
// takes the unsigned nibbles as they are, and the -8 offset comes back as
// -8 * sum(x) per block (xs, spread as -sum(x) over the 8 lanes). q8_0: the
// sign trick (|w| against x carrying w's sign) makes maddubs's operand unsigned.
template <int R>
static void dot_q8act(const uint8_t* w, int64_t rs, const GemvArgs* g, int64_t nb, int q4, float* out) {
  const int wb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R];
  for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; b++) {
    const __m256i xv = _mm256_loadu_si256((const __m256i*)(g->xq + b * Q8_0_BYTES + 2));
    const float dx = g->xd[b];
    const __m256i corr = _mm256_set1_epi32(g->xs[b]);
    for (int r = 0; r < R; r++) {
      const uint8_t* blk = w + r * rs + b * wb;
      __m256i p;
      if (q4) {
        p = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(nibbles(blk + 2), xv), ones), corr);
      } else {
        __m256i wv = _mm256_loadu_si256((const __m256i*)(blk + 2));
        p = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(xv, wv)), ones);
      }
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(blk_scale(blk) * dx), acc[r]);
    }
  }
  for (int r = 0; r < R; r++) out[r] = hsum8(acc[r]);
}

// f32 activations: each block dequantised in registers and multiplied in f32.
template <int R>
static void dot_f32act(const uint8_t* w, int64_t rs, const float* x, int64_t nb, int q4, float* out) {
  const int wb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  __m256 acc[R];
  for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; b++) {
    const float* xb = x + b * QK;
    const __m256 x0 = _mm256_loadu_ps(xb), x1 = _mm256_loadu_ps(xb + 8), x2 = _mm256_loadu_ps(xb + 16),
                 x3 = _mm256_loadu_ps(xb + 24);
    for (int r = 0; r < R; r++) {
      const uint8_t* blk = w + r * rs + b * wb;
      __m256i wv = q4 ? _mm256_sub_epi8(nibbles(blk + 2), _mm256_set1_epi8(8)) : _mm256_loadu_si256((const __m256i*)(blk + 2));
      __m128i lo = _mm256_castsi256_si128(wv), hi = _mm256_extracti128_si256(wv, 1);
      __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), x0);
      p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), x1, p);
      p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), x2, p);
      p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), x3, p);
      acc[r] = _mm256_fmadd_ps(p, _mm256_set1_ps(blk_scale(blk)), acc[r]);
    }
  }
  for (int r = 0; r < R; r++) out[r] = hsum8(acc[r]);
}
#else
// Portable reference: the same sums, one element at a time.
template <int R>
static void dot_q8act(const uint8_t* w, int64_t rs, const GemvArgs* g, int64_t nb, int q4, float* out) {
  const int wb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  for (int r = 0; r < R; r++) {
    float acc = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
      const uint8_t* blk = w + r * rs + b * wb;
      const int8_t* xs = (const int8_t*)(g->xq + b * Q8_0_BYTES + 2);
      int32_t sum = 0;
      for (int j = 0; j < 16; j++) {
        if (q4) {
          sum += ((int)(blk[2 + j] & 0x0f) - 8) * xs[j] + ((int)(blk[2 + j] >> 4) - 8) * xs[j + 16];
        } else {
          sum += (int)((const int8_t*)(blk + 2))[j] * xs[j] + (int)((const int8_t*)(blk + 2))[j + 16] * xs[j + 16];
        }
      }
      acc += (float)sum * (blk_scale(blk) * g->xd[b]);
    }
    out[r] = acc;
  }
}

template <int R>
static void dot_f32act(const uint8_t* w, int64_t rs, const float* x, int64_t nb, int q4, float* out) {
  const int wb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  float buf[QK];
  for (int r = 0; r < R; r++) {
    float acc = 0.0f;
    for (int64_t b = 0; b < nb; b++) {
      const uint8_t* blk = w + r * rs + b * wb;
      if (q4)
        dequant_q4_0(blk, buf);
      else
        dequant_q8_0(blk, buf);
      for (int j = 0; j < QK; j++) acc += buf[j] * x[b * QK + j];
    }
    out[r] = acc;
  }
}
#endif

static void gemv_quant(const GemvArgs* g, int64_t n0, int64_t n1) {
  const uint8_t* Wt = (const uint8_t*)g->W;
  const int64_t rs = g->row_stride, nb = g->K / QK;
  const int q4 = g->btype == B_Q4_0;
  float r[4];
  int64_t n = n0;
  for (; n < n1; n += 4) {
    const int cnt = (int)imin(4, n1 - n);
    const uint8_t* w = Wt + n * rs;
    if (cnt == 4) {
      if (g->xq)
        dot_q8act<4>(w, rs, g, nb, q4, r);
      else
        dot_f32act<4>(w, rs, g->x, nb, q4, r);
    } else {
      for (int i = 0; i < cnt; i++) {
        if (g->xq)
          dot_q8act<1>(w + i * rs, rs, g, nb, q4, r + i);
        else
          dot_f32act<1>(w + i * rs, rs, g->x, nb, q4, r + i);
      }
    }
    for (int i = 0; i < cnt; i++) g->y[n + i] = g->beta ? g->y[n + i] + r[i] : r[i];
  }
}

static void gemv_rows(const GemvArgs* g, int64_t n0, int64_t n1) {
  const int64_t K = g->K;
  float* y = g->y;
  int64_t n = n0;
  if (g->btype == B_F32) {
    const float* Wt = (const float*)g->W;
    const int64_t rs = g->row_stride;
    // Short rows (K up to 512, a small model's layers and head) one at a
    // time, as for half rows below: one sequential stream the prefetcher runs
    // ahead on, where four interleaved short rows keep it from ramping up
    // (bench matvec, 32000 x 288 f32 on one thread: 0.45 -> 0.68-0.76 of the
    // read bandwidth; at K = 768 the two are even, at 2048 four rows win).
    const int64_t group = K <= 512 ? n1 : n0;
    for (; n < group; n++) {
      float r = dot_f32(Wt + n * rs, g->x, K);
      y[n] = g->beta ? y[n] + r : r;
    }
    for (; n + 4 <= n1; n += 4) {
      float r[4];
      dot4_f32(Wt + n * rs, rs, g->x, K, r);
      for (int i = 0; i < 4; i++) y[n + i] = g->beta ? y[n + i] + r[i] : r[i];
    }
    for (; n < n1; n++) {
      float r = dot_f32(Wt + n * rs, g->x, K);
      y[n] = g->beta ? y[n] + r : r;
    }
  } else if (g->btype == B_F16 || g->btype == B_BF16) {
    const uint16_t* Wt = (const uint16_t*)g->W;
    const int64_t rs = g->row_stride;
    const int bf16 = g->btype == B_BF16;
    float r[8];
    // Long rows: 8 rows per pass (8 streams in flight, x loaded once per step).
    // Short rows (K up to ~1K) end before the prefetcher has ramped up on 8
    // separate streams, so they go one at a time: one long sequential stream.
    const int per = K > 1024 ? 8 : 1;
    for (; n < n1; n += per) {
      const int cnt = (int)imin(per, n1 - n);
      if (cnt == 8)
        dot_half_rows<8>(Wt + n * rs, rs, g->x, K, bf16, r);
      else
        for (int i = 0; i < cnt; i++) dot_half_rows<1>(Wt + (n + i) * rs, rs, g->x, K, bf16, r + i);
      for (int i = 0; i < cnt; i++) y[n + i] = g->beta ? y[n + i] + r[i] : r[i];
    }
  } else {
    gemv_quant(g, n0, n1);
  }
}

// y[n0:n1] (+)= sum_k x[k] B[k, n0:n1]; 4 vectors of y stay in registers per pass.
static void gemv_cols(int64_t K, const float* x, int64_t sx, const float* B, int64_t sbk, float* y, int64_t n0,
                      int64_t n1, int beta) {
  int64_t n = n0;
  for (; n + 4 * W <= n1; n += 4 * W) {
    vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
    for (int64_t k = 0; k < K; k++) {
      const float* b = B + k * sbk + n;
      vf xv = vset1(x[k * sx]);
      a0 = vfma(xv, vload(b), a0);
      a1 = vfma(xv, vload(b + W), a1);
      a2 = vfma(xv, vload(b + 2 * W), a2);
      a3 = vfma(xv, vload(b + 3 * W), a3);
    }
    if (beta) {
      a0 = vadd(a0, vload(y + n));
      a1 = vadd(a1, vload(y + n + W));
      a2 = vadd(a2, vload(y + n + 2 * W));
      a3 = vadd(a3, vload(y + n + 3 * W));
    }
    vstore(y + n, a0);
    vstore(y + n + W, a1);
    vstore(y + n + 2 * W, a2);
    vstore(y + n + 3 * W, a3);
  }
  for (; n < n1; n += W) {
    int cnt = (int)imin(W, n1 - n);
    vf a = vzero();
    for (int64_t k = 0; k < K; k++) a = vfma(vset1(x[k * sx]), vloadn(B + k * sbk + n, cnt), a);
    if (beta) a = vadd(a, vloadn(y + n, cnt));
    vstoren(y + n, a, cnt);
  }
}

// Quantises one f32 row to q8_0 blocks exactly as quantize_row_q8_0_ref
// (d = amax / 127 in f32, q = round-half-away(x * (1/d)), d stored as f16), plus
// each block's f16-rounded scale as f32 and the sum of its quantized values.
static void quantize_row_q8_0(const float* x, uint8_t* out, float* xd, int32_t* xs, int64_t K) {
  for (int64_t b = 0; b < K / QK; b++) {
    const float* xb = x + b * QK;
    uint8_t* ob = out + b * Q8_0_BYTES;
    vf m = vzero();
    for (int i = 0; i < QK; i += W) m = vmaxf(m, vabs(vload(xb + i)));
    const float d = vhmax(m) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t h = float_to_half(d);
    memcpy(ob, &h, 2);
    int8_t* q = (int8_t*)(ob + 2);
    // Round half away from zero, exactly: t = trunc(v), then step away from zero
    // when |v - t| >= 0.5 (v - t is exact, unlike v + 0.5).
    float r[QK];
    const vf vid = vset1(id), half = vset1(0.5f);
    for (int i = 0; i < QK; i += W) {
      vf v = vmul(vload(xb + i), vid);
      vf t = vtrunc(v);
      vf step = vselect(vlt(v, vzero()), vset1(-1.0f), vset1(1.0f));
      vstore(r + i, vselect(vge(vabs(vsub(v, t)), half), vadd(t, step), t));
    }
    int32_t sum = 0;
    for (int i = 0; i < QK; i++) {
      q[i] = (int8_t)(int32_t)r[i];
      sum += q[i];
    }
    if (xd) xd[b] = half_to_float(h);
    if (xs) xs[b] = sum;
  }
}

void fill_gemv(KernelTable* t) {
  t->gemv_rows = gemv_rows;
  t->gemv_cols = gemv_cols;
  t->quantize_row_q8_0 = quantize_row_q8_0;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
