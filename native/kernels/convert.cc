// Dtype conversion rows for copy(): f32 <-> f16 / bf16 / f64 / i32 / u8, and
// q8_0 / q4_0 blocks -> f32. Half conversions use F16C in the AVX builds
// (round to nearest even, like the js encoder); integer targets truncate toward
// zero and wrap modulo 2^32 (or 2^8), as a JS Int32Array / Uint8Array store does.
#include "../kernels.h"
#include "convert-inl.h"

namespace lmkit {
namespace LMKIT_NS {

// JS ToInt32(trunc(v)): NaN and infinities become 0, everything else wraps.
static inline int32_t to_int32(double v) {
  if (!(v == v) || v == INFINITY || v == -INFINITY) return 0;
  double t = trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return (int32_t)t;
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}

static inline double read_elem(int type, const void* p, int64_t i) {
  switch (type) {
    case T_F32: return ((const float*)p)[i];
    case T_F64: return ((const double*)p)[i];
    case T_F16: return half_to_float(((const uint16_t*)p)[i]);
    case T_BF16: return bf16_to_float(((const uint16_t*)p)[i]);
    case T_I32: return ((const int32_t*)p)[i];
    default: return ((const uint8_t*)p)[i];
  }
}

static inline void write_elem(int type, void* p, int64_t i, double v) {
  switch (type) {
    case T_F32: ((float*)p)[i] = (float)v; break;
    case T_F64: ((double*)p)[i] = v; break;
    case T_F16: ((uint16_t*)p)[i] = float_to_half((float)v); break;
    case T_BF16: ((uint16_t*)p)[i] = float_to_bf16((float)v); break;
    case T_I32: ((int32_t*)p)[i] = to_int32(v); break;
    default: ((uint8_t*)p)[i] = (uint8_t)(to_int32(v) & 0xff); break;
  }
}

// n elements from src (type st, stride ss) to dst (type dt, stride sd), strides in elements.
static void convert(int st, const void* src, int64_t ss, int dt, void* dst, int64_t sd, int64_t n) {
  // Contiguous fast paths for the hot conversions.
  if (ss == 1 && sd == 1) {
    if (st == T_F16 && dt == T_F32) return f16_row_to_f32((const uint16_t*)src, (float*)dst, n);
    if (st == T_BF16 && dt == T_F32) return bf16_row_to_f32((const uint16_t*)src, (float*)dst, n);
    if (st == T_F32 && dt == T_F16) {
      const float* s = (const float*)src;
      uint16_t* d = (uint16_t*)dst;
      int64_t i = 0;
#if LMKIT_ISA == 1
      for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i*)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
#elif LMKIT_ISA == 2
      for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i*)(d + i), _mm512_cvtps_ph(_mm512_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
#endif
      for (; i < n; i++) d[i] = float_to_half(s[i]);
      return;
    }
  }
  if (st == T_F32 && dt == T_F32) {
    const float* s = (const float*)src;
    float* d = (float*)dst;
    for (int64_t i = 0; i < n; i++) d[i * sd] = s[i * ss];
    return;
  }
  for (int64_t i = 0; i < n; i++) write_elem(dt, dst, i * sd, read_elem(st, src, i * ss));
}

// nblocks GGUF blocks (q8_0 or q4_0) to 32 * nblocks floats.
static void dequant_blocks(int btype, const uint8_t* src, int64_t nblocks, float* dst) {
  for (int64_t b = 0; b < nblocks; b++) {
    if (btype == B_Q8_0)
      dequant_q8_0(src + b * Q8_0_BYTES, dst + b * QK);
    else
      dequant_q4_0(src + b * Q4_0_BYTES, dst + b * QK);
  }
}

void fill_convert(KernelTable* t) {
  t->convert = convert;
  t->dequant_blocks = dequant_blocks;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
