// The operations the addon exposes, on decoded views (see call.h). One file per
// family: ops-gemm.cc, ops-elementwise.cc, ...
#pragma once
#include "call.h"

namespace lmkit {

// ---- ops-gemm.cc ----
void matmul_f32(const KernelTable* K, int threads, const View& a, const View& b, const View& out, int acc);
/** BType of a dtype name, or -1. */
int btype_of(const char* name);
/**
 * out (M, N) = x (M, K) W^T + bias; W rows `row_stride` apart (elements, or bytes
 * when quantized). x8: the same quantized W in the repacked decode layout, or null.
 */
void linear_any(const KernelTable* K, int threads, const float* x, int64_t M, int64_t Kd, const void* w, int btype,
                int64_t row_stride, const float* bias, float* out, int64_t N, bool q8_activations, const uint8_t* x8);
/**
 * Checks a weight view w (N, K) of storage type btype (rows contiguous; quantized
 * views raw, offset in bytes) and gives its first row and row stride (elements,
 * or bytes when quantized). Fails the call with a message naming `op` otherwise.
 */
bool weight_rows(Call& c, const View& w, int btype, const char* op, const void** wp, int64_t* row_stride);
/** A zeroed external ArrayBuffer of `bytes`, 2 MiB aligned, optionally on huge pages (huge-alloc.cc). */
napi_value huge_buffer(napi_env env, size_t bytes, bool huge, void** data);

// ---- JS entry points (napi callbacks), registered in addon.cc ----
napi_value js_matmul(napi_env env, napi_callback_info info);
napi_value js_linear(napi_env env, napi_callback_info info);
napi_value js_unary(napi_env env, napi_callback_info info);
napi_value js_unary_grad(napi_env env, napi_callback_info info);
napi_value js_binary(napi_env env, napi_callback_info info);
napi_value js_where(napi_env env, napi_callback_info info);
napi_value js_copy(napi_env env, napi_callback_info info);
napi_value js_fill(napi_env env, napi_callback_info info);
napi_value js_reduce(napi_env env, napi_callback_info info);
napi_value js_arg_reduce(napi_env env, napi_callback_info info);
napi_value js_cumsum(napi_env env, napi_callback_info info);
napi_value js_topk(napi_env env, napi_callback_info info);
napi_value js_sum_squares(napi_env env, napi_callback_info info);
napi_value js_softmax(napi_env env, napi_callback_info info);
napi_value js_norm(napi_env env, napi_callback_info info);
napi_value js_norm_backward(napi_env env, napi_callback_info info);
napi_value js_rope(napi_env env, napi_callback_info info);
napi_value js_cross_entropy(napi_env env, napi_callback_info info);
napi_value js_cross_entropy_backward(napi_env env, napi_callback_info info);
napi_value js_dropout(napi_env env, napi_callback_info info);
napi_value js_adamw(napi_env env, napi_callback_info info);
napi_value js_sgd(napi_env env, napi_callback_info info);
napi_value js_attention(napi_env env, napi_callback_info info);
napi_value js_attention_backward(napi_env env, napi_callback_info info);
napi_value js_gather(napi_env env, napi_callback_info info);
napi_value js_scatter_add(napi_env env, napi_callback_info info);
napi_value js_gather_axis(napi_env env, napi_callback_info info);
napi_value js_openblas_sgemm(napi_env env, napi_callback_info info);
napi_value js_alloc_huge(napi_env env, napi_callback_info info);
napi_value js_repack_quant(napi_env env, napi_callback_info info);
napi_value js_read_sum(napi_env env, napi_callback_info info);
napi_value js_decode_plan(napi_env env, napi_callback_info info);
napi_value js_decode_plan_layer(napi_env env, napi_callback_info info);
napi_value js_decode_step(napi_env env, napi_callback_info info);

}  // namespace lmkit
