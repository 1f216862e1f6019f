// Row conversions used inside kernels (included by ISA translation units only):
// f16 / bf16 rows to f32 (F16C on x86 builds) and GGUF block dequantisation.
#pragma once
#include "../half.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

// The f16 scale at the start of a GGUF block, converted with F16C where available
// (the scalar conversion costs more than the block's whole dot product).
LMKIT_INLINE float blk_scale(const uint8_t* blk) {
  uint16_t h;
  memcpy(&h, blk, 2);
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
  return _cvtsh_ss(h);
#else
  return half_to_float(h);
#endif
}

// dst[0:n] = f16 src[0:n] as f32.
LMKIT_INLINE void f16_row_to_f32(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
#if LMKIT_ISA == 1
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(src + i))));
#elif LMKIT_ISA == 2
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(src + i))));
#endif
  for (; i < n; i++) dst[i] = half_to_float(src[i]);
}

// dst[0:n] = bf16 src[0:n] as f32 (a bf16 is the top half of an f32).
LMKIT_INLINE void bf16_row_to_f32(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
#if LMKIT_ISA == 1
  for (; i + 8 <= n; i += 8) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(src + i)));
    _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
  }
#elif LMKIT_ISA == 2
  for (; i + 16 <= n; i += 16) {
    __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)(src + i)));
    _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
  }
#endif
  for (; i < n; i++) dst[i] = bf16_to_float(src[i]);
}

// out[0:32] = the 32 values of one q8_0 block.
LMKIT_INLINE void dequant_q8_0(const uint8_t* blk, float* out) {
  float d = blk_scale(blk);
  const int8_t* q = (const int8_t*)(blk + 2);
#if LMKIT_ISA == 1
  __m256 vd = _mm256_set1_ps(d);
  for (int i = 0; i < 32; i += 8) {
    __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(q + i)));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(v), vd));
  }
#elif LMKIT_ISA == 2
  __m512 vd = _mm512_set1_ps(d);
  for (int i = 0; i < 32; i += 16) {
    __m512i v = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(q + i)));
    _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_cvtepi32_ps(v), vd));
  }
#else
  for (int i = 0; i < 32; i++) out[i] = (float)q[i] * d;
#endif
}

// out[0:32] = the 32 values of one q4_0 block (low nibbles first, then high).
LMKIT_INLINE void dequant_q4_0(const uint8_t* blk, float* out) {
  float d = blk_scale(blk);
  const uint8_t* q = blk + 2;
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
  __m128i bytes = _mm_loadu_si128((const __m128i*)q);
  __m128i m = _mm_set1_epi8(0x0f);
  __m128i lo = _mm_sub_epi8(_mm_and_si128(bytes, m), _mm_set1_epi8(8));
  __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), m), _mm_set1_epi8(8));
#if LMKIT_ISA == 1
  __m256 vd = _mm256_set1_ps(d);
  _mm256_storeu_ps(out + 0, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), vd));
  _mm256_storeu_ps(out + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), vd));
  _mm256_storeu_ps(out + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), vd));
  _mm256_storeu_ps(out + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), vd));
#else
  __m512 vd = _mm512_set1_ps(d);
  _mm512_storeu_ps(out + 0, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo)), vd));
  _mm512_storeu_ps(out + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi)), vd));
#endif
#else
  for (int j = 0; j < 16; j++) {
    out[j] = (float)((int)(q[j] & 0x0f) - 8) * d;
    out[j + 16] = (float)((int)(q[j] >> 4) - 8) * d;
  }
#endif
}

}  // namespace LMKIT_NS
}  // namespace lmkit
