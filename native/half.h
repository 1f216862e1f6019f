// Scalar f16 / bf16 <-> f32 conversions (IEEE binary16, round to nearest even),
// and the GGUF block layouts. Used by the scalar kernels and for block scales;
// the AVX2/AVX-512 kernels convert whole vectors with F16C instead.
#pragma once
#include <stdint.h>
#include <string.h>

namespace lmkit {

static inline float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      // Subnormal half: normalise into an f32 exponent.
      int e = -1;
      do {
        e++;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline uint16_t float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
  int e = (int)exp - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return (uint16_t)sign;
    mant |= 0x800000;
    int shift = 14 - e;
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) half++;
    return (uint16_t)(sign | half);
  }
  uint32_t half = ((uint32_t)e << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
  return (uint16_t)(sign | half);
}

static inline float bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline uint16_t float_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return (uint16_t)(((x >> 16) | 0x40) & 0xffff);
  return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

// GGUF block layouts (ggml-common.h): 32 elements per block.
//   q8_0: f16 scale d, then 32 x int8 q;       value = q * d           (34 bytes)
//   q4_0: f16 scale d, then 16 bytes; byte j holds element j in its low nibble
//         and element j + 16 in its high nibble; value = (nibble - 8) * d (18 bytes)
static const int QK = 32;
static const int Q8_0_BYTES = 34;
static const int Q4_0_BYTES = 18;

static inline float block_scale(const uint8_t* blk) {
  uint16_t h;
  memcpy(&h, blk, 2);
  return half_to_float(h);
}

}  // namespace lmkit
