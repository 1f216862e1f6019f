// A small vector abstraction so that each kernel is written once and compiled
// three times: LMKIT_ISA 0 (portable scalar, the reference path), 1 (AVX2 + FMA
// + F16C, 8 lanes) and 2 (AVX-512 F/BW/DQ/VL, 16 lanes). binding.gyp builds
// every file under native/kernels/ once per ISA, each with its own -m flags and
// inside its own namespace (LMKIT_NS), and native/cpu.cc picks one table of
// kernels at run time.
//
// Rules for code that includes this header (the kernel translation units):
//   - everything lives in namespace lmkit::LMKIT_NS or has internal linkage, and
//     no C++ standard-library templates are used: an inline template instantiated
//     with AVX-512 flags could otherwise be merged by the linker into the scalar
//     path and crash on a CPU without AVX-512;
//   - only C headers (math.h, string.h, stdint.h) and intrinsics.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef LMKIT_ISA
#error "LMKIT_ISA must be defined (0 scalar, 1 avx2, 2 avx512)"
#endif

#if LMKIT_ISA == 0
#define LMKIT_NS isa_scalar
#elif LMKIT_ISA == 1
#define LMKIT_NS isa_avx2
#include <immintrin.h>
#elif LMKIT_ISA == 2
#define LMKIT_NS isa_avx512
#include <immintrin.h>
#else
#error "unknown LMKIT_ISA"
#endif

#define LMKIT_INLINE static inline __attribute__((always_inline))

namespace lmkit {
namespace LMKIT_NS {

// ---------------------------------------------------------------- vector type

#if LMKIT_ISA == 0
typedef float vf;
typedef int32_t vi;
static const int W = 1;
LMKIT_INLINE vf vzero() { return 0.0f; }
LMKIT_INLINE vf vset1(float a) { return a; }
LMKIT_INLINE vf vload(const float* p) { return *p; }
LMKIT_INLINE void vstore(float* p, vf v) { *p = v; }
LMKIT_INLINE vf vloadn(const float* p, int n) { return n > 0 ? *p : 0.0f; }
LMKIT_INLINE void vstoren(float* p, vf v, int n) {
  if (n > 0) *p = v;
}
LMKIT_INLINE vf vkeep(vf v, int n) { return n > 0 ? v : 0.0f; }
LMKIT_INLINE vf vadd(vf a, vf b) { return a + b; }
LMKIT_INLINE vf vsub(vf a, vf b) { return a - b; }
LMKIT_INLINE vf vmul(vf a, vf b) { return a * b; }
LMKIT_INLINE vf vdiv(vf a, vf b) { return a / b; }
LMKIT_INLINE vf vfma(vf a, vf b, vf c) { return a * b + c; }
// NaN-propagating max/min (Math.max semantics).
LMKIT_INLINE vf vmax(vf a, vf b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
LMKIT_INLINE vf vmin(vf a, vf b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }
// Plain max for values known not to be NaN (faster in the SIMD paths).
LMKIT_INLINE vf vmaxf(vf a, vf b) { return a > b ? a : b; }
LMKIT_INLINE vf vminf(vf a, vf b) { return a < b ? a : b; }
LMKIT_INLINE vf vsqrt(vf a) { return sqrtf(a); }
LMKIT_INLINE vf vabs(vf a) { return fabsf(a); }
LMKIT_INLINE float vhsum(vf a) { return a; }
LMKIT_INLINE float vhmax(vf a) { return a; }
LMKIT_INLINE float vhmin(vf a) { return a; }
// Comparisons produce a mask; vselect(m, a, b) = m ? a : b.
typedef bool vmask;
LMKIT_INLINE vmask vlt(vf a, vf b) { return a < b; }
LMKIT_INLINE vmask vle(vf a, vf b) { return a <= b; }
LMKIT_INLINE vmask vgt(vf a, vf b) { return a > b; }
LMKIT_INLINE vmask vge(vf a, vf b) { return a >= b; }
LMKIT_INLINE vmask veq(vf a, vf b) { return a == b; }
LMKIT_INLINE vmask vne(vf a, vf b) { return a != b; }
LMKIT_INLINE vmask visnan(vf a) { return a != a; }
LMKIT_INLINE vf vselect(vmask m, vf a, vf b) { return m ? a : b; }
LMKIT_INLINE vf vmask01(vmask m) { return m ? 1.0f : 0.0f; }
LMKIT_INLINE vf vround(vf a) { return nearbyintf(a); }
LMKIT_INLINE vf vtrunc(vf a) { return truncf(a); }
// 2^n for an integral-valued float n in [-126, 127].
LMKIT_INLINE vf vpow2i(vf n) {
  int32_t e = ((int32_t)n + 127) << 23;
  float r;
  memcpy(&r, &e, 4);
  return r;
}

#elif LMKIT_ISA == 1
typedef __m256 vf;
static const int W = 8;
LMKIT_INLINE vf vzero() { return _mm256_setzero_ps(); }
LMKIT_INLINE vf vset1(float a) { return _mm256_set1_ps(a); }
LMKIT_INLINE vf vload(const float* p) { return _mm256_loadu_ps(p); }
LMKIT_INLINE void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
// Masks for partial loads/stores: lanes < n are active. maskload never faults on inactive lanes.
alignas(32) static const int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
LMKIT_INLINE __m256i vtailmask(int n) { return _mm256_loadu_si256((const __m256i*)(kTailMask + 8 - n)); }
LMKIT_INLINE vf vloadn(const float* p, int n) { return _mm256_maskload_ps(p, vtailmask(n)); }
LMKIT_INLINE void vstoren(float* p, vf v, int n) { _mm256_maskstore_ps(p, vtailmask(n), v); }
// Zeroes the lanes at and past n (n < W).
LMKIT_INLINE vf vkeep(vf v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(vtailmask(n))); }
LMKIT_INLINE vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
LMKIT_INLINE vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
LMKIT_INLINE vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
LMKIT_INLINE vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
LMKIT_INLINE vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
typedef __m256 vmask;
LMKIT_INLINE vmask visnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
LMKIT_INLINE vf vselect(vmask m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
// _mm256_max_ps returns its second operand when either is NaN; patch the first operand's NaN in.
LMKIT_INLINE vf vmax(vf a, vf b) { return vselect(visnan(a), a, _mm256_max_ps(a, b)); }
LMKIT_INLINE vf vmin(vf a, vf b) { return vselect(visnan(a), a, _mm256_min_ps(a, b)); }
LMKIT_INLINE vf vmaxf(vf a, vf b) { return _mm256_max_ps(a, b); }
LMKIT_INLINE vf vminf(vf a, vf b) { return _mm256_min_ps(a, b); }
LMKIT_INLINE vf vsqrt(vf a) { return _mm256_sqrt_ps(a); }
LMKIT_INLINE vf vabs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
LMKIT_INLINE float vhsum(vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
LMKIT_INLINE float vhmax(vf a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
LMKIT_INLINE float vhmin(vf a) {
  __m128 s = _mm_min_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_min_ps(s, _mm_movehl_ps(s, s));
  s = _mm_min_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
LMKIT_INLINE vmask vlt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
LMKIT_INLINE vmask vle(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
LMKIT_INLINE vmask vgt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
LMKIT_INLINE vmask vge(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
LMKIT_INLINE vmask veq(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
LMKIT_INLINE vmask vne(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
LMKIT_INLINE vf vmask01(vmask m) { return _mm256_and_ps(m, _mm256_set1_ps(1.0f)); }
LMKIT_INLINE vf vround(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
LMKIT_INLINE vf vtrunc(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
LMKIT_INLINE vf vpow2i(vf n) {
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_castsi256_ps(e);
}

#elif LMKIT_ISA == 2
typedef __m512 vf;
static const int W = 16;
LMKIT_INLINE vf vzero() { return _mm512_setzero_ps(); }
LMKIT_INLINE vf vset1(float a) { return _mm512_set1_ps(a); }
LMKIT_INLINE vf vload(const float* p) { return _mm512_loadu_ps(p); }
LMKIT_INLINE void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
LMKIT_INLINE __mmask16 vtailk(int n) { return (__mmask16)((1u << n) - 1u); }
LMKIT_INLINE vf vloadn(const float* p, int n) { return _mm512_maskz_loadu_ps(vtailk(n), p); }
LMKIT_INLINE void vstoren(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, vtailk(n), v); }
LMKIT_INLINE vf vkeep(vf v, int n) { return _mm512_maskz_mov_ps(vtailk(n), v); }
LMKIT_INLINE vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
LMKIT_INLINE vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
LMKIT_INLINE vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
LMKIT_INLINE vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
LMKIT_INLINE vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
typedef __mmask16 vmask;
LMKIT_INLINE vmask visnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
LMKIT_INLINE vf vselect(vmask m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
LMKIT_INLINE vf vmax(vf a, vf b) { return vselect(visnan(a), a, _mm512_max_ps(a, b)); }
LMKIT_INLINE vf vmin(vf a, vf b) { return vselect(visnan(a), a, _mm512_min_ps(a, b)); }
LMKIT_INLINE vf vmaxf(vf a, vf b) { return _mm512_max_ps(a, b); }
LMKIT_INLINE vf vminf(vf a, vf b) { return _mm512_min_ps(a, b); }
LMKIT_INLINE vf vsqrt(vf a) { return _mm512_sqrt_ps(a); }
LMKIT_INLINE vf vabs(vf a) { return _mm512_abs_ps(a); }
LMKIT_INLINE float vhsum(vf a) { return _mm512_reduce_add_ps(a); }
LMKIT_INLINE float vhmax(vf a) { return _mm512_reduce_max_ps(a); }
LMKIT_INLINE float vhmin(vf a) { return _mm512_reduce_min_ps(a); }
LMKIT_INLINE vmask vlt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
LMKIT_INLINE vmask vle(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
LMKIT_INLINE vmask vgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
LMKIT_INLINE vmask vge(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
LMKIT_INLINE vmask veq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
LMKIT_INLINE vmask vne(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ); }
LMKIT_INLINE vf vmask01(vmask m) { return _mm512_maskz_mov_ps(m, _mm512_set1_ps(1.0f)); }
LMKIT_INLINE vf vround(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
LMKIT_INLINE vf vtrunc(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
LMKIT_INLINE vf vpow2i(vf n) {
  __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_castsi512_ps(e);
}
#endif

// ---------------------------------------------------------------- math

// exp(x) with ~1 ulp error: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-6
// polynomial (Taylor coefficients with the last two fitted), times 2^n built in
// the exponent bits. Underflows to 0 below -87.33 (no denormals) and overflows
// to +inf above 88.72; NaN passes through.
LMKIT_INLINE vf vexp(vf x) {
  const vf hi = vset1(88.3762626647949f), lo = vset1(-87.3365447504f);
  vf xc = vminf(vmaxf(x, lo), hi);
  vf n = vround(vmul(xc, vset1(1.44269504088896341f)));
  vf r = vfma(n, vset1(-0.693359375f), xc);
  r = vfma(n, vset1(2.12194440e-4f), r);
  vf p = vset1(1.9875691500e-4f);
  p = vfma(p, r, vset1(1.3981999507e-3f));
  p = vfma(p, r, vset1(8.3334519073e-3f));
  p = vfma(p, r, vset1(4.1665795894e-2f));
  p = vfma(p, r, vset1(1.6666665459e-1f));
  p = vfma(p, r, vset1(5.0000001201e-1f));
  p = vfma(p, vmul(r, r), vadd(r, vset1(1.0f)));
  vf y = vmul(p, vpow2i(n));
  y = vselect(vlt(x, lo), vzero(), y);
  y = vselect(vgt(x, vset1(88.7228390f)), vset1(INFINITY), y);
  return vselect(visnan(x), x, y);
}

LMKIT_INLINE vf vneg(vf x) { return vsub(vzero(), x); }

// tanh(x): 1 - 2/(exp(2|x|)+1) with the sign restored; for |x| < 0.125 the odd
// Taylor series to x^7 (error < 1e-9) avoids the cancellation near 0.
LMKIT_INLINE vf vtanh(vf x) {
  vf ax = vabs(x);
  vf e = vexp(vmul(vminf(ax, vset1(20.0f)), vset1(2.0f)));
  vf t = vsub(vset1(1.0f), vdiv(vset1(2.0f), vadd(e, vset1(1.0f))));
  vf x2 = vmul(x, x);
  vf s = vfma(x2, vset1(-17.0f / 315.0f), vset1(2.0f / 15.0f));
  s = vfma(s, x2, vset1(-1.0f / 3.0f));
  s = vfma(vmul(s, x2), x, x);
  vf r = vselect(vlt(x, vzero()), vneg(t), t);
  r = vselect(vlt(ax, vset1(0.125f)), s, r);
  return vselect(visnan(x), x, r);
}

LMKIT_INLINE vf vsigmoid(vf x) { return vdiv(vset1(1.0f), vadd(vset1(1.0f), vexp(vneg(x)))); }

// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7), odd-extended.
LMKIT_INLINE vf verf(vf x) {
  vf ax = vabs(x);
  vf t = vdiv(vset1(1.0f), vfma(ax, vset1(0.3275911f), vset1(1.0f)));
  vf p = vset1(1.061405429f);
  p = vfma(p, t, vset1(-1.453152027f));
  p = vfma(p, t, vset1(1.421413741f));
  p = vfma(p, t, vset1(-0.284496736f));
  p = vfma(p, t, vset1(0.254829592f));
  p = vmul(p, t);
  vf y = vsub(vset1(1.0f), vmul(p, vexp(vneg(vmul(ax, ax)))));
  y = vselect(vlt(x, vzero()), vneg(y), y);
  return vselect(visnan(x), x, y);
}

// ---------------------------------------------------------------- helpers

LMKIT_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
LMKIT_INLINE int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

}  // namespace LMKIT_NS
}  // namespace lmkit
