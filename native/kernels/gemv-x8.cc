// Decode-time matrix-vector products on quantized weights repacked for SIMD
// ("x8" layout), with activations quantized to q8_0.
//
// GGUF stores a q4_0 / q8_0 matrix row by row, so a dot product handles one
// row's block at a time and spends most of its instructions on per-row
// bookkeeping (scale conversion, horizontal sums). The x8 layout groups 8 rows:
// for each group and each 32-column block it stores the 8 scales together
// (one F16C conversion gives all 8) followed by the 8 rows' quant bytes. One
// pass then produces 8 outputs in one vector: integer dot products per row,
// a short tree of horizontal adds that leaves the 8 row sums in 8 lanes, and
// one FMA per block for all 8 rows. Rows past N are zero padding.
//
// Block layout, per (group, block): 16 bytes of f16 scales, then 8 payloads
// of P bytes (P = 16 for q4_0, 32 for q8_0) for rows 0..7 of the group. For
// q4_0 the scales are stored in lane order 0,2,4,6,1,3,5,7 (the order the
// horizontal adds leave the rows in); for q8_0 in row order.
#include "../kernels.h"
#include "convert-inl.h"

namespace lmkit {
namespace LMKIT_NS {

static const int kQ4Lane[8] = {0, 2, 4, 6, 1, 3, 5, 7};

static inline int64_t x8_block_bytes(int q4) { return 16 + 8 * (q4 ? 16 : 32); }

// Bytes of the x8 form of an (N, K) matrix.
static int64_t x8_bytes(int btype, int64_t N, int64_t K) {
  return (N + 7) / 8 * (K / QK) * x8_block_bytes(btype == B_Q4_0);
}

// Repacks row groups [g0, g1) of W (rows `row_stride` bytes apart) into dst.
static void x8_repack(int btype, const uint8_t* W, int64_t row_stride, int64_t N, int64_t K, uint8_t* dst, int64_t g0,
                      int64_t g1) {
  const int q4 = btype == B_Q4_0;
  const int64_t nb = K / QK, bb = x8_block_bytes(q4), P = q4 ? 16 : 32, src_bytes = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  for (int64_t g = g0; g < g1; g++) {
    for (int64_t b = 0; b < nb; b++) {
      uint8_t* out = dst + (g * nb + b) * bb;
      for (int i = 0; i < 8; i++) {
        const int64_t rs = g * 8 + (q4 ? kQ4Lane[i] : i);  // row whose scale sits in slot i
        const int64_t rp = g * 8 + i;                       // row whose payload sits in slot i
        if (rs < N)
          memcpy(out + 2 * i, W + rs * row_stride + b * src_bytes, 2);
        else
          memset(out + 2 * i, 0, 2);
        if (rp < N)
          memcpy(out + 16 + i * P, W + rp * row_stride + b * src_bytes + 2, (size_t)P);
        else
          memset(out + 16 + i * P, 0, (size_t)P);
      }
    }
  }
}

#if LMKIT_ISA == 1 || LMKIT_ISA == 2
// 8 outputs of one row group: acc lanes hold rows in `order`.
static void x8_group(const GemvArgs* g, const uint8_t* grp, int q4, float* out8) {
  const int64_t nb = g->K / QK, bb = x8_block_bytes(q4);
  const __m256i ones = _mm256_set1_epi16(1), lowmask = _mm256_set1_epi8(0x0f);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = grp + b * bb;
    const uint8_t* xb = g->xq + b * Q8_0_BYTES + 2;
    const __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)blk)), _mm256_set1_ps(g->xd[b]));
    __m256i sums;
    if (q4) {
      // Rows 2p and 2p+1 share a register (one per 128-bit lane); low nibbles meet
      // x[0..15], high nibbles x[16..31]; the nibbles enter maddubs unsigned and
      // the -8 offset returns as -8 * sum(x) per row.
      const __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)xb));
      const __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i*)(xb + 16)));
      __m256i v[4];
      for (int p = 0; p < 4; p++) {
        const __m256i w = _mm256_loadu_si256((const __m256i*)(blk + 16 + 32 * p));
        const __m256i lo = _mm256_and_si256(w, lowmask), hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), lowmask);
        v[p] = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi)), ones);
      }
      sums = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));  // rows 0,2,4,6 | 1,3,5,7
      sums = _mm256_sub_epi32(sums, _mm256_set1_epi32(8 * g->xs[b]));
    } else {
      const __m256i xv = _mm256_loadu_si256((const __m256i*)xb);
      __m256i v[8];
      for (int r = 0; r < 8; r++) {
        const __m256i w = _mm256_loadu_si256((const __m256i*)(blk + 16 + 32 * r));
        v[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(xv, w)), ones);
      }
      const __m256i g0 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
      const __m256i g1 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
      // Rows 0-3 have their halves in the two lanes of g0, rows 4-7 in g1.
      sums = _mm256_add_epi32(_mm256_permute2x128_si256(g0, g1, 0x20), _mm256_permute2x128_si256(g0, g1, 0x31));
    }
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), d, acc);
  }
  _mm256_storeu_ps(out8, acc);
}
#else
static void x8_group(const GemvArgs* g, const uint8_t* grp, int q4, float* out8) {
  const int64_t nb = g->K / QK, bb = x8_block_bytes(q4), P = q4 ? 16 : 32;
  for (int i = 0; i < 8; i++) out8[i] = 0.0f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = grp + b * bb;
    const int8_t* xs = (const int8_t*)(g->xq + b * Q8_0_BYTES + 2);
    for (int i = 0; i < 8; i++) {
      // Slot i's payload is row i; its scale sits in the lane that holds row i.
      const uint8_t* q = blk + 16 + i * P;
      int32_t sum = 0;
      for (int j = 0; j < 16; j++) {
        if (q4)
          sum += ((int)(q[j] & 0x0f) - 8) * xs[j] + ((int)(q[j] >> 4) - 8) * xs[j + 16];
        else
          sum += (int)((const int8_t*)q)[j] * xs[j] + (int)((const int8_t*)q)[j + 16] * xs[j + 16];
      }
      int lane = i;
      if (q4)
        for (int l = 0; l < 8; l++)
          if (kQ4Lane[l] == i) lane = l;
      out8[lane] += (float)sum * (blk_scale(blk + 2 * lane) * g->xd[b]);
    }
  }
}
#endif

// y rows of groups [g0, g1) from the x8 matrix g->W (beta as in GemvArgs).
static void x8_gemv(const GemvArgs* g, int64_t g0, int64_t g1) {
  const int q4 = g->btype == B_Q4_0;
  const int64_t gb = (g->K / QK) * x8_block_bytes(q4);
  float o[8];
  for (int64_t grp = g0; grp < g1; grp++) {
    x8_group(g, (const uint8_t*)g->W + grp * gb, q4, o);
    for (int l = 0; l < 8; l++) {
      const int64_t n = grp * 8 + (q4 ? kQ4Lane[l] : l);
      if (n < g->N) g->y[n] = g->beta ? g->y[n] + o[l] : o[l];
    }
  }
}

void fill_gemv_x8(KernelTable* t) {
  t->x8_bytes = x8_bytes;
  t->x8_repack = x8_repack;
  t->x8_gemv = x8_gemv;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
