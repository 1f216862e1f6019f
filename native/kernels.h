// The table of kernels one instruction set provides. Each ISA build of
// native/kernels/*.cc fills one (isa_scalar, isa_avx2, isa_avx512) and
// native/cpu.cc picks the best one the CPU supports. Only plain C types cross
// this boundary, so ISA-specific code never leaks into the generic glue.
//
// Division of labour: the glue (native/ops-*.cc) decodes views, coalesces
// dimensions, splits work into tasks for the thread pool and calls these
// kernels on 1-D rows or 2-D tiles; the kernels do the arithmetic.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace lmkit {

// Storage type of a GEMM B operand (weights). Quantized types use GGUF blocks.
enum BType { B_F32 = 0, B_F16 = 1, B_BF16 = 2, B_Q8_0 = 3, B_Q4_0 = 4 };

// C (M, N) = A (M, K) @ B (K, N) (+ C when beta == 1).
// A(m, k) = A[m*sam + k*sak]; C(m, n) = C[m*scm + n*scn].
// B: for B_F32/B_F16/B_BF16, B(k, n) = B[k*sbk + n*sbn] in elements;
// for quantized B (weights W (N, K) with B = W^T), row n starts at byte
// n*sbn and holds K/32 blocks; sbk is unused.
struct GemmArgs {
  int64_t M, N, K;
  const float* A;
  int64_t sam, sak;
  const void* B;
  int64_t sbk, sbn;
  int btype;
  float* C;
  int64_t scm, scn;
  int beta;  // 0: C = A@B, 1: C += A@B
};

// y (N) = W (N, K) x (K) for one activation row, W in `btype`, rows `row_stride`
// apart (elements for float types, bytes for quantized). beta as above.
struct GemvArgs {
  int64_t N, K;
  const float* x;
  const void* W;
  int64_t row_stride;
  int btype;
  float* y;
  int beta;
  // Quantized weights with q8_0 activations: the row quantized by
  // quantize_row_q8_0 (blocks, their scales as f32, and each block's sum of
  // quantized values); null for f32 activations.
  const uint8_t* xq;
  const float* xd;
  const int32_t* xs;
};

enum UnaryOpCode {
  U_NEG, U_ABS, U_SIGN, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_RECIP, U_SQUARE, U_SIN, U_COS,
  U_TANH, U_SIGMOID, U_RELU, U_SILU, U_GELU_TANH, U_GELU_ERF, U_COUNT
};
enum BinaryOpCode { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, BIN_COUNT };
enum ReduceOpCode { R_SUM, R_MAX, R_MIN, R_PROD };
// Element types of copy() / fill() (storage dtypes; quantized blocks go through dequant_blocks).
enum ElemType { T_F32 = 0, T_F64 = 1, T_F16 = 2, T_BF16 = 3, T_I32 = 4, T_U8 = 5 };

// Scaled dot-product attention (attention.cc). Views are (B, H, T|S, D) with a
// unit last stride; s*[0..2] are the b, h, t strides in elements.
struct AttnArgs {
  int64_t B, Hq, Hkv, T, S, D;
  const float *q, *k, *v;
  int64_t sq[3], sk[3], sv[3];
  float* out;  // forward output; the saved forward output in the backward
  int64_t so[3];
  float* lse;  // (B, Hq, T) contiguous; may be null in the forward
  const float* mask;  // additive, broadcast to (B, Hq, T, S) by the strides sm; null if none
  int64_t sm[4];
  float scale;
  int causal;
  int64_t window;  // 0: none
  // backward only
  const float* gout;
  int64_t sg[3];
  float *gq, *gk, *gv;
  int64_t sgq[3], sgk[3], sgv[3];
};

struct AdamWConsts {
  float beta1, beta2, eps, decay, lr_c, inv_bc2;
};
struct SgdConsts {
  float lr, momentum, dampening, weight_decay;
  int nesterov;
};

struct KernelTable {
  const char* isa;

  // ---- GEMM (gemm.cc) ----
  // Computes the tile C[m0:m1, n0:n1] of g over all of K, single-threaded.
  void (*gemm_tile)(const GemmArgs* g, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
  // Rows [n0, n1) of a matrix-vector product with transposed weights.
  void (*gemv_rows)(const GemvArgs* g, int64_t n0, int64_t n1);
  // y[n0:n1] (+)= x (K) @ B[:, n0:n1] for row-major f32 B (B(k, n) = B[k*sbk + n]).
  void (*gemv_cols)(int64_t K, const float* x, int64_t sx, const float* B, int64_t sbk, float* y, int64_t n0, int64_t n1,
                    int beta);
  // Quantises K floats (K a multiple of 32) to q8_0 blocks (GGUF layout, as
  // quantize_row_q8_0_ref: d = amax/127, q = round-half-away(x/d)), with each
  // block's scale as f32 and the sum of its quantized values (xd, xs may be null).
  void (*quantize_row_q8_0)(const float* x, uint8_t* xq, float* xd, int32_t* xs, int64_t K);
  int gemm_mr, gemm_nr;

  // ---- repacked quantized weights for decode (gemv-x8.cc) ----
  // Bytes of the x8 form of an (N, K) q8_0 / q4_0 matrix.
  int64_t (*x8_bytes)(int btype, int64_t N, int64_t K);
  // Repacks row groups [g0, g1) (8 rows each) of W, rows row_stride bytes apart.
  void (*x8_repack)(int btype, const uint8_t* W, int64_t row_stride, int64_t N, int64_t K, uint8_t* dst, int64_t g0,
                    int64_t g1);
  // Rows of groups [g0, g1) of y = W x with g->W in x8 form and q8_0 activations.
  void (*x8_gemv)(const GemvArgs* g, int64_t g0, int64_t g1);

  // ---- elementwise rows (elementwise.cc): n elements, strides in elements ----
  void (*unary)(int op, int64_t n, const float* x, int64_t sx, float* y, int64_t sy);
  void (*unary_grad)(int op, int64_t n, const float* x, int64_t sx, const float* g, int64_t sg, float* y, int64_t sy);
  void (*binary)(int op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t sy);
  void (*where)(int64_t n, const float* c, int64_t sc, const float* a, int64_t sa, const float* b, int64_t sb, float* y,
                int64_t sy);

  // ---- reductions (reduce.cc); sums and products in double ----
  double (*reduce_row)(int op, int64_t n, const float* x, int64_t sx, double acc);
  void (*reduce_acc)(int op, int64_t n, const float* x, int64_t sx, double* acc, int64_t sa);
  double (*sum_squares)(int64_t n, const float* x, int64_t sx);
  double (*sum_f32)(int64_t n, const float* x);

  // ---- row kernels over the last axis, contiguous rows (nn.cc) ----
  void (*softmax_row)(int64_t n, const float* x, float* y);
  void (*softmax_bwd_row)(int64_t n, const float* y, const float* gy, float* gx);
  void (*log_softmax_row)(int64_t n, const float* x, float* y);
  void (*log_softmax_bwd_row)(int64_t n, const float* y, const float* gy, float* gx);
  void (*layer_norm_row)(int64_t n, const float* x, const float* w, const float* b, float eps, float* y, float* mean,
                         float* rstd);
  void (*layer_norm_bwd_row)(int64_t n, const float* gy, const float* x, const float* w, float mean, float rstd, float* gx,
                             float* gw, float* gb);
  void (*rms_norm_row)(int64_t n, const float* x, const float* w, float eps, float* y, float* rstd);
  void (*rms_norm_bwd_row)(int64_t n, const float* gy, const float* x, const float* w, float rstd, float* gx, float* gw);
  void (*cross_entropy_row)(int64_t V, const float* x, int32_t t, float eps, float* lse, float* loss);
  void (*cross_entropy_bwd_row)(int64_t V, const float* x, int32_t t, float eps, float lse, float gloss, float* g);
  void (*rope_row)(int64_t half, const float* x, const float* c, const float* s, float sgn, float* y);

  // ---- attention (attention.cc) ----
  // Forward for batch b, kv head hk, and rows [r0, r1) of the group's stacked
  // (query head, position) rows: row r is head hk*G + r/T, position r%T.
  void (*attention_fwd)(const AttnArgs* a, int64_t b, int64_t hk, int64_t r0, int64_t r1);
  // Forward of query position t for batch b and the query heads of kv head hk,
  // reading each key and value once (decode steps; no additive mask, lse not written).
  void (*attention_decode)(const AttnArgs* a, int64_t b, int64_t hk, int64_t t);
  // Backward for batch b and kv head hk: all of its query heads, all keys.
  void (*attention_bwd)(const AttnArgs* a, int64_t b, int64_t hk);
  int attention_block;

  // ---- optimizers and dropout (optim.cc) ----
  void (*adamw)(int64_t n, float* p, const float* g, float* m, float* v, const AdamWConsts* c);
  void (*sgd)(int64_t n, float* p, const float* g, float* buf, const SgdConsts* c);
  void (*dropout)(int64_t n, const float* x, int64_t sx, uint64_t start, uint32_t seed, uint64_t threshold, float scale,
                  float* y);

  // ---- conversions (convert.cc) ----
  // n elements of type st (stride ss) to type dt (stride sd).
  void (*convert)(int st, const void* src, int64_t ss, int dt, void* dst, int64_t sd, int64_t n);
  // nblocks q8_0 / q4_0 blocks (btype) to 32 * nblocks floats.
  void (*dequant_blocks)(int btype, const uint8_t* src, int64_t nblocks, float* dst);
};

namespace isa_scalar {
const KernelTable* table();
}
namespace isa_avx2 {
const KernelTable* table();
}
namespace isa_avx512 {
const KernelTable* table();
}

}  // namespace lmkit
