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

// Half-precision rows: converted in registers (F16C) or through a small buffer.
static float dot_half(const uint16_t* w, const float* x, int64_t K, int bf16) {
  float buf[256];
  vf acc = vzero();
  for (int64_t k0 = 0; k0 < K; k0 += 256) {
    int64_t n = imin(256, K - k0);
    if (bf16)
      bf16_row_to_f32(w + k0, buf, n);
    else
      f16_row_to_f32(w + k0, buf, n);
    int64_t k = 0;
    for (; k + W <= n; k += W) acc = vfma(vload(buf + k), vload(x + k0 + k), acc);
    if (k < n) acc = vfma(vloadn(buf + k, (int)(n - k)), vloadn(x + k0 + k, (int)(n - k)), acc);
  }
  return vhsum(acc);
}

// ---------------------------------------------------------------- quantized rows

#if LMKIT_ISA == 1 || LMKIT_ISA == 2
// Sum of 32 int8 products of a signed x block and a signed w block, as 8 i32
// lanes. maddubs needs an unsigned operand, so use |w| and x with w's sign.
LMKIT_INLINE __m256i dot_i8x32(__m256i w, __m256i x) {
  __m256i aw = _mm256_sign_epi8(w, w);
  __m256i sx = _mm256_sign_epi8(x, w);
  __m256i p16 = _mm256_maddubs_epi16(aw, sx);
  return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

// 32 q4_0 values of one block as int8 in [-8, 7]: low nibbles then high nibbles.
LMKIT_INLINE __m256i unpack_q4(const uint8_t* q) {
  __m128i b = _mm_loadu_si128((const __m128i*)q);
  __m256i v = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
  v = _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
  return _mm256_sub_epi8(v, _mm256_set1_epi8(8));
}
#endif

// Dot of one quantized weight row (nb blocks) with x quantized to q8_0.
static float dot_quant_row(const uint8_t* w, const uint8_t* xq, int64_t nb, int q4) {
  const int wb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* wblk = w + b * wb;
    const uint8_t* xblk = xq + b * Q8_0_BYTES;
    __m256i wv = q4 ? unpack_q4(wblk + 2) : _mm256_loadu_si256((const __m256i*)(wblk + 2));
    __m256i xv = _mm256_loadu_si256((const __m256i*)(xblk + 2));
    __m256 d = _mm256_set1_ps(block_scale(wblk) * block_scale(xblk));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_i8x32(wv, xv)), d, acc);
  }
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
#else
  float acc = 0.0f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* wblk = w + b * wb;
    const uint8_t* xblk = xq + b * Q8_0_BYTES;
    const int8_t* xs = (const int8_t*)(xblk + 2);
    int32_t sum = 0;
    if (q4) {
      for (int j = 0; j < 16; j++) {
        sum += ((int)(wblk[2 + j] & 0x0f) - 8) * xs[j];
        sum += ((int)(wblk[2 + j] >> 4) - 8) * xs[j + 16];
      }
    } else {
      const int8_t* ws = (const int8_t*)(wblk + 2);
      for (int j = 0; j < 32; j++) sum += ws[j] * xs[j];
    }
    acc += (float)sum * (block_scale(wblk) * block_scale(xblk));
  }
  return acc;
#endif
}

static void gemv_rows(const GemvArgs* g, int64_t n0, int64_t n1) {
  const int64_t K = g->K;
  float* y = g->y;
  int64_t n = n0;
  if (g->btype == B_F32) {
    const float* Wt = (const float*)g->W;
    const int64_t rs = g->row_stride;
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
    for (; n < n1; n++) {
      float r = dot_half(Wt + n * g->row_stride, g->x, K, g->btype == B_BF16);
      y[n] = g->beta ? y[n] + r : r;
    }
  } else {
    const uint8_t* Wt = (const uint8_t*)g->W;
    const int q4 = g->btype == B_Q4_0;
    for (; n < n1; n++) {
      float r = dot_quant_row(Wt + n * g->row_stride, g->xq, K / QK, q4);
      y[n] = g->beta ? y[n] + r : r;
    }
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

// Quantises one f32 row to q8_0 blocks (d = max|x| / 127, q = round(x / d)),
// the activation format the quantized dot products take.
static void quantize_row_q8_0(const float* x, uint8_t* out, int64_t K) {
  for (int64_t b = 0; b < K / QK; b++) {
    const float* xb = x + b * QK;
    uint8_t* ob = out + b * Q8_0_BYTES;
    vf m = vzero();
    for (int i = 0; i < QK; i += W) m = vmaxf(m, vabs(vload(xb + i)));
    float amax = vhmax(m);
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    uint16_t h = float_to_half(d);
    memcpy(ob, &h, 2);
    int8_t* q = (int8_t*)(ob + 2);
    for (int i = 0; i < QK; i++) q[i] = (int8_t)nearbyintf(xb[i] * id);
  }
}

void fill_gemv(KernelTable* t) {
  t->gemv_rows = gemv_rows;
  t->gemv_cols = gemv_cols;
  t->quantize_row_q8_0 = quantize_row_q8_0;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
