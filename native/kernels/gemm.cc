// Packed, blocked single-precision GEMM (the BLIS / Goto layout).
//
//   for jc over N in NC columns:            B block (KC x NC) lives in L3
//     for pc over K in KC steps:            pack B block into NR-wide panels
//       for ic over M in MC rows:           pack A block (MC x KC) into MR-tall panels, lives in L2
//         for jr over the block in NR:      one B micro-panel (KC x NR) stays in L1
//           for ir over the block in MR:    micro-kernel: MR x NR accumulators in registers
//
// Packing copies each operand into the exact order the micro-kernel reads it
// (k-major, MR or NR values per k), so the inner loop is unit-stride no matter
// how the operands are strided: transposed views (x W^T, g^T x) cost nothing
// beyond the packing pass, and f16 / bf16 / q8_0 / q4_0 weights are converted
// to f32 while packing (once per B block, amortised over all M rows).
//
// Micro-kernel shapes: AVX2 6 x 16 (12 ymm accumulators + 2 B vectors + 1 A
// broadcast = 15 of 16 registers), AVX-512 12 x 32 (24 + 2 + 1 of 32 zmm),
// scalar 4 x 4 (a portable reference the compiler may auto-vectorise).
// This file is compiled once per ISA (see simd.h).
#include "../kernels.h"
#include "../pool.h"
#include "convert-inl.h"

namespace lmkit {
namespace LMKIT_NS {

// Block sizes: the B micro-panel (KC x NR) should sit in L1 next to the A
// micro-panel, the A block (MC x KC) in L2, the B block (KC x NC) in L3.
// AVX2 values were tuned on Zen 3 (32 KiB L1d, 512 KiB L2): KC 384 keeps the
// 24 KiB B panel in L1 and halves the passes over C against KC 256.
#if LMKIT_ISA == 2
static const int MR = 12, NV = 2;
static const int64_t KC = 192, MC = 144, NC = 3072;
#elif LMKIT_ISA == 1
static const int MR = 6, NV = 2;
static const int64_t KC = 384, MC = 96, NC = 3072;
#else
static const int MR = 4, NV = 4;
static const int64_t KC = 256, MC = 64, NC = 1024;
#endif
static const int NR = NV * W;

// ---------------------------------------------------------------- packing

#if LMKIT_ISA == 1 || LMKIT_ISA == 2
// In-register transpose of an 8 x 8 block (rows r[0..7] become columns).
LMKIT_INLINE void transpose8(__m256* r) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

#endif

// Ap[panel p][k][MR] for rows ic..ic+mc, k in pc..pc+kc; rows past mc are zero.
static void pack_a(const GemmArgs* g, int64_t ic, int64_t mc, int64_t pc, int64_t kc, float* Ap) {
  const float* A = g->A;
  const int64_t sam = g->sam, sak = g->sak;
  for (int64_t p = 0; p < mc; p += MR) {
    int rows = (int)imin(MR, mc - p);
    float* dst = Ap + p * kc;
    const float* src = A + (ic + p) * sam + pc * sak;
    if (sam == 1 && rows == MR) {
      // Column-major A (a transposed view): MR contiguous values per k.
      for (int64_t k = 0; k < kc; k++) {
        const float* s = src + k * sak;
        for (int i = 0; i < MR; i++) dst[k * MR + i] = s[i];
      }
    }
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
    else if (sak == 1 && rows == MR) {
      // Row-major A: 8 k values of each row, transposed 8 x 8 in registers
      // (MR rows in groups of 8, zero-padded), stored k-major. Each 8-float
      // store may run past its MR values; the next store (or the next panel,
      // or the slack after the buffer) overwrites them, so stores go in order.
      const int NG = (MR + 7) / 8;
      int64_t k = 0;
      for (; k + 8 <= kc; k += 8) {
        __m256 t[NG][8];
        for (int gi = 0; gi < NG; gi++) {
          for (int r = 0; r < 8; r++) {
            const int row = gi * 8 + r;
            t[gi][r] = row < MR ? _mm256_loadu_ps(src + row * sam + k) : _mm256_setzero_ps();
          }
          transpose8(t[gi]);
        }
        for (int i = 0; i < 8; i++)
          for (int gi = 0; gi < NG; gi++) _mm256_storeu_ps(dst + (k + i) * MR + gi * 8, t[gi][i]);
      }
      for (; k < kc; k++)
        for (int i = 0; i < MR; i++) dst[k * MR + i] = src[i * sam + k];
    }
#endif
    else {
      for (int i = 0; i < rows; i++) {
        const float* s = src + i * sam;
        if (sak == 1)
          for (int64_t k = 0; k < kc; k++) dst[k * MR + i] = s[k];
        else
          for (int64_t k = 0; k < kc; k++) dst[k * MR + i] = s[k * sak];
      }
      for (int i = rows; i < MR; i++)
        for (int64_t k = 0; k < kc; k++) dst[k * MR + i] = 0.0f;
    }
  }
}

#if LMKIT_ISA == 1 || LMKIT_ISA == 2
// A whole panel of B = W^T (W rows contiguous, `rs` apart): 8 rows x 8 k at a
// time are transposed in registers into the panel's k-major order.
static void pack_b_rows(const float* w, int64_t rs, int64_t kc, float* dst) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (int j0 = 0; j0 < NR; j0 += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(w + (j0 + i) * rs + k);
      transpose8(r);
      for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (k + i) * NR + j0, r[i]);
    }
  }
  for (; k < kc; k++)
    for (int j = 0; j < NR; j++) dst[k * NR + j] = w[j * rs + k];
}
#endif

// Writes column j of a panel from a contiguous run of kc values (a row of W^T).
static inline void scatter_col(const float* v, int64_t kc, float* dst, int j) {
  for (int64_t k = 0; k < kc; k++) dst[k * NR + j] = v[k];
}

// Bp[panel q][k][NR] for columns jc..jc+nc, k in pc..pc+kc; columns past nc are zero.
static void pack_b(const GemmArgs* g, int64_t pc, int64_t kc, int64_t jc, int64_t nc, float* Bp) {
  float* tmp = (float*)pool_scratch(2, (size_t)kc * sizeof(float));
  for (int64_t q = 0; q < nc; q += NR) {
    int cols = (int)imin(NR, nc - q);
    float* dst = Bp + q * kc;
    int64_t n = jc + q;
    if (g->btype == B_F32) {
      const float* B = (const float*)g->B;
      const int64_t sbk = g->sbk, sbn = g->sbn;
      if (sbn == 1 && cols == NR) {
        // Row-major B: NR contiguous values per k.
        for (int64_t k = 0; k < kc; k++) {
          const float* s = B + (pc + k) * sbk + n;
#pragma GCC unroll 4
          for (int v = 0; v < NV; v++) vstore(dst + k * NR + v * W, vload(s + v * W));
        }
        continue;
      }
#if LMKIT_ISA == 1 || LMKIT_ISA == 2
      if (sbk == 1 && cols == NR) {
        pack_b_rows(B + pc + n * sbn, sbn, kc, dst);
        continue;
      }
#endif
      for (int j = 0; j < cols; j++) {
        const float* s = B + pc * sbk + (n + j) * sbn;
        if (sbk == 1) {
          scatter_col(s, kc, dst, j);
        } else {
          for (int64_t k = 0; k < kc; k++) dst[k * NR + j] = s[k * sbk];
        }
      }
    } else if (g->btype == B_F16 || g->btype == B_BF16) {
      const uint16_t* B = (const uint16_t*)g->B;
      const int64_t sbk = g->sbk, sbn = g->sbn;
      for (int j = 0; j < cols; j++) {
        const uint16_t* s = B + pc * sbk + (n + j) * sbn;
        if (sbk == 1) {
          if (g->btype == B_F16)
            f16_row_to_f32(s, tmp, kc);
          else
            bf16_row_to_f32(s, tmp, kc);
        } else {
          for (int64_t k = 0; k < kc; k++)
            tmp[k] = g->btype == B_F16 ? half_to_float(s[k * sbk]) : bf16_to_float(s[k * sbk]);
        }
        scatter_col(tmp, kc, dst, j);
      }
    } else {
      // Quantized rows of W (N, K): pc and kc are multiples of 32.
      const int bytes = g->btype == B_Q8_0 ? Q8_0_BYTES : Q4_0_BYTES;
      for (int j = 0; j < cols; j++) {
        const uint8_t* row = (const uint8_t*)g->B + (n + j) * g->sbn + (pc / QK) * bytes;
        for (int64_t b = 0; b < kc / QK; b++) {
          if (g->btype == B_Q8_0)
            dequant_q8_0(row + b * bytes, tmp + b * QK);
          else
            dequant_q4_0(row + b * bytes, tmp + b * QK);
        }
        scatter_col(tmp, kc, dst, j);
      }
    }
    for (int j = cols; j < NR; j++)
      for (int64_t k = 0; k < kc; k++) dst[k * NR + j] = 0.0f;
  }
}

// ---------------------------------------------------------------- micro-kernel

// acc (MR x NR) = sum over k of a[k][0:MR] (outer) b[k][0:NR]; then C = acc or
// C += acc. When the tile is whole and C's columns are contiguous it is written
// in place; otherwise through a small buffer, copying only the valid part.
static void ukernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t scm, int64_t scn,
                    int beta, int mvalid, int nvalid) {
  // Bring the C tile towards L1 while the k loop runs: it is the one operand
  // that comes from far away (C is touched once per KC step).
  for (int i = 0; i < mvalid; i++) {
    __builtin_prefetch(c + i * scm, 1, 3);
    __builtin_prefetch(c + i * scm + (nvalid - 1) * scn, 1, 3);
  }
  vf acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = vzero();

  for (int64_t k = 0; k < kc; k++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = vload(b + v * W);
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
      vf av = vset1(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = vfma(av, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }

  if (mvalid == MR && nvalid == NR && scn == 1) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; i++) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        float* p = c + i * scm + v * W;
        vstore(p, beta ? vadd(vload(p), acc[i][v]) : acc[i][v]);
      }
    }
    return;
  }
  float tile[MR * NR];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) vstore(tile + i * NR + v * W, acc[i][v]);
  for (int i = 0; i < mvalid; i++) {
    float* row = c + i * scm;
    for (int j = 0; j < nvalid; j++) {
      float* p = row + j * scn;
      *p = beta ? *p + tile[i * NR + j] : tile[i * NR + j];
    }
  }
}

// Splits `total` into steps of at most `cap` that are as even as possible and
// multiples of `align` (so a K of 800 runs as 3 x 272, not 256 + 256 + 256 + 32).
static int64_t even_step(int64_t total, int64_t cap, int64_t align) {
  if (total <= cap) return total;
  int64_t parts = (total + cap - 1) / cap;
  int64_t step = (total + parts - 1) / parts;
  step = (step + align - 1) / align * align;
  return step > cap ? cap : step;
}

void gemm_tile(const GemmArgs* g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t K = g->K;
  const int64_t kstep = even_step(K, KC, g->btype >= B_Q8_0 ? QK : 8);
  const int64_t mstep = even_step(m1 - m0, MC, MR);
  const int64_t nstep = even_step(n1 - n0, NC, NR);
  const int64_t nc_alloc = (nstep + NR - 1) / NR * NR, mc_alloc = (mstep + MR - 1) / MR * MR;
  float* Bp = (float*)pool_scratch(0, (size_t)(kstep * nc_alloc) * sizeof(float));
  // +16 floats: packing stores whole vectors past the last panel's end (pack_a).
  float* Ap = (float*)pool_scratch(1, (size_t)(kstep * mc_alloc + 16) * sizeof(float));

  for (int64_t jc = n0; jc < n1; jc += nstep) {
    int64_t nc = imin(nstep, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kstep) {
      int64_t kc = imin(kstep, K - pc);
      int beta = pc == 0 ? g->beta : 1;
      pack_b(g, pc, kc, jc, nc, Bp);
      for (int64_t ic = m0; ic < m1; ic += mstep) {
        int64_t mc = imin(mstep, m1 - ic);
        pack_a(g, ic, mc, pc, kc, Ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int nvalid = (int)imin(NR, nc - jr);
          const float* bp = Bp + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int mvalid = (int)imin(MR, mc - ir);
            float* c = g->C + (ic + ir) * g->scm + (jc + jr) * g->scn;
            ukernel(kc, Ap + ir * kc, bp, c, g->scm, g->scn, beta, mvalid, nvalid);
          }
        }
      }
    }
  }
}

void fill_gemm(KernelTable* t) {
  t->gemm_tile = gemm_tile;
  t->gemm_mr = MR;
  t->gemm_nr = NR;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
