// The operations the addon exposes, on decoded views (see call.h). One file per
// family: ops-gemm.cc, ops-elementwise.cc, ...
#pragma once
#include "call.h"

namespace lmkit {

// ---- ops-gemm.cc ----
void matmul_f32(const KernelTable* K, int threads, const View& a, const View& b, const View& out, int acc);
/** BType of a dtype name, or -1. */
int btype_of(const char* name);
/** out (M, N) = x (M, K) W^T + bias; W rows `row_stride` apart (elements, or bytes when quantized). */
void linear_any(const KernelTable* K, int threads, const float* x, int64_t M, int64_t Kd, const void* w, int btype,
                int64_t row_stride, const float* bias, float* out, int64_t N);

// ---- JS entry points (napi callbacks), registered in addon.cc ----
napi_value js_matmul(napi_env env, napi_callback_info info);
napi_value js_linear(napi_env env, napi_callback_info info);
napi_value js_openblas_sgemm(napi_env env, napi_callback_info info);
napi_value js_alloc_huge(napi_env env, napi_callback_info info);

}  // namespace lmkit
