// Reductions (reduce, argReduce, cumsum, topk, sumSquares).
//
// reduce: the output is viewed with x's shape and stride 0 on the reduced dims,
// and both are walked together (strided.h). When the innermost walked dim is
// reduced, each row folds into one output slot; when it is kept, rows add into
// a run of output slots. Threads accumulate into private double buffers that
// are folded at the end, so no two threads write one slot.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include "ops.h"
#include "strided.h"

namespace lmkit {
namespace {

double init_of(int op) {
  switch (op) {
    case R_SUM: return 0.0;
    case R_PROD: return 1.0;
    case R_MAX: return -INFINITY;
    default: return INFINITY;
  }
}

double fold(int op, double acc, double v) {
  switch (op) {
    case R_SUM: return acc + v;
    case R_PROD: return acc * v;
    case R_MAX: return (v > acc || v != v) && acc == acc ? v : acc;
    default: return (v < acc || v != v) && acc == acc ? v : acc;
  }
}

// Shape and strides of v with `axis` moved last.
void axis_last(const View& v, int axis, int64_t* shape, int64_t* strides) {
  int k = 0;
  for (int d = 0; d < v.nd; d++)
    if (d != axis) {
      shape[k] = v.shape[d];
      strides[k++] = v.strides[d];
    }
  shape[k] = v.shape[axis];
  strides[k] = v.strides[axis];
}

void contiguous_strides(int nd, const int64_t* shape, int64_t* strides) {
  int64_t s = 1;
  for (int d = nd - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
}

}  // namespace

// reduce(x, out); args: op, naxes, axes..., views x, out (contiguous, x's shape with axes set to 1).
napi_value js_reduce(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int op = (int)c.num();
  int naxes = (int)c.num();
  bool reduced[kMaxDims] = {};
  for (int i = 0; i < naxes && c.ok; i++) {
    int a = (int)c.num();
    if (a >= 0 && a < kMaxDims) reduced[a] = true;
  }
  View x = c.view(0), out = c.view(1);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || out.type != napi_float32_array || !out.contiguous() || x.nd != out.nd) {
    c.fail("TypeError", "lmkit native reduce: f32 x and contiguous f32 out of the same rank expected");
    return nullptr;
  }
  int64_t ocs[kMaxDims], ost[kMaxDims];
  contiguous_strides(out.nd, out.shape, ocs);
  for (int d = 0; d < x.nd; d++) ost[d] = reduced[d] ? 0 : ocs[d];
  const int64_t* strides[2] = {x.strides, ost};
  int64_t offs[2] = {0, 0};
  Walk w = make_walk(x.nd, x.shape, 2, strides, offs);
  const int64_t on = out.numel(), xn = x.numel();
  int T = c.threads;
  if (xn < (1 << 15) || on * T > xn) T = 1;  // private buffers must stay small next to x
  double* acc = (double*)pool_scratch(6, (size_t)(on * T) * sizeof(double));
  const double init = init_of(op);
  for (int64_t i = 0; i < on * T; i++) acc[i] = init;
  const KernelTable* K = c.K;
  const float* xp = x.f32();
  if (xn > 0) {
    for_each_piece(w, T, 1 << 15, [&](const int64_t* o, int64_t, int64_t len, int tid) {
      double* a = acc + tid * on;
      if (w.inner(1) == 0)
        a[o[1]] = K->reduce_row(op, len, xp + o[0], w.inner(0), a[o[1]]);
      else
        K->reduce_acc(op, len, xp + o[0], w.inner(0), a + o[1], w.inner(1));
    });
  }
  float* op_ = out.f32();
  for (int64_t i = 0; i < on; i++) {
    double v = acc[i];
    for (int t = 1; t < T; t++) v = fold(op, v, acc[t * on + i]);
    op_[i] = (float)v;
  }
  return nullptr;
}

// argReduce(x, out); args: 0 argmax / 1 argmin, axis, views x (f32), out (i32, contiguous).
napi_value js_arg_reduce(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int argmin = (int)c.num();
  int axis = (int)c.num();
  View x = c.view(0), out = c.view(1);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || out.type != napi_int32_array || axis < 0 || axis >= x.nd || !out.contiguous()) {
    c.fail("TypeError", "lmkit native argReduce: f32 x, contiguous i32 out and a valid axis expected");
    return nullptr;
  }
  int64_t shape[kMaxDims], st[kMaxDims];
  axis_last(x, axis, shape, st);
  const int64_t* strides[1] = {st};
  int64_t offs[1] = {0};
  Walk w = make_walk(x.nd, shape, 1, strides, offs, true);
  const int64_t n = w.n(), s = w.inner(0);
  const float* xp = x.f32();
  int32_t* op_ = out.ptr<int32_t>();
  for_each_row(w, c.threads, rows_for(1 << 15, n), [&](const int64_t* o, int64_t r, int) {
    const float* p = xp + o[0];
    float best = p[0];
    int32_t bi = 0;
    for (int64_t j = 1; j < n; j++) {
      if (best != best) break;
      float v = p[j * s];
      if ((argmin ? v < best : v > best) || v != v) {
        best = v;
        bi = (int32_t)j;
      }
    }
    op_[r] = bi;
  });
  return nullptr;
}

// cumsum(x, out); args: axis, reverse, views x, out (contiguous). Accumulates in double.
napi_value js_cumsum(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int axis = (int)c.num();
  int reverse = (int)c.num();
  View x = c.view(0), out = c.view(1);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || out.type != napi_float32_array || axis < 0 || axis >= x.nd || !out.contiguous()) {
    c.fail("TypeError", "lmkit native cumsum: f32 views and a valid axis expected");
    return nullptr;
  }
  View oc = out;
  contiguous_strides(out.nd, out.shape, oc.strides);
  int64_t shape[kMaxDims], sx[kMaxDims], so[kMaxDims], tmp[kMaxDims];
  axis_last(x, axis, shape, sx);
  axis_last(oc, axis, tmp, so);
  const int64_t* strides[2] = {sx, so};
  int64_t offs[2] = {0, 0};
  Walk w = make_walk(x.nd, shape, 2, strides, offs, true);
  const int64_t n = w.n(), s0 = w.inner(0), s1 = w.inner(1);
  const float* xp = x.f32();
  float* op_ = out.f32();
  for_each_row(w, c.threads, rows_for(1 << 15, n), [&](const int64_t* o, int64_t, int) {
    double acc = 0;
    for (int64_t k = 0; k < n; k++) {
      int64_t j = reverse ? n - 1 - k : k;
      acc += xp[o[0] + j * s0];
      op_[o[1] + j * s1] = (float)acc;
    }
  });
  return nullptr;
}

// topk(x, values, indices); args: k, views x (rows on the last axis), values (f32), indices (i32), both (rows, k) contiguous.
napi_value js_topk(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int64_t k = c.integer();
  View x = c.view(0), values = c.view(1), indices = c.view(2);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || values.type != napi_float32_array || indices.type != napi_int32_array ||
      !values.contiguous() || !indices.contiguous()) {
    c.fail("TypeError", "lmkit native topk: f32 x and values, i32 indices expected");
    return nullptr;
  }
  const View* vs[] = {&x};
  Walk w = walk_views(vs, 1, true);
  const int64_t n = w.n(), s = w.inner(0);
  if (k < 0 || k > n || values.numel() != w.rows() * k) {
    c.fail("RangeError", "lmkit native topk: k out of range");
    return nullptr;
  }
  const float* xp = x.f32();
  float* vp = values.f32();
  int32_t* ip = indices.ptr<int32_t>();
  for_each_row(w, c.threads, rows_for(1 << 16, n), [&](const int64_t* o, int64_t r, int) {
    const float* p = xp + o[0];
    std::vector<int32_t> idx((size_t)n);
    for (int64_t i = 0; i < n; i++) idx[(size_t)i] = (int32_t)i;
    // NaN ranks first (largest); ties keep the lower index.
    auto before = [&](int32_t a, int32_t b) {
      float va = p[a * s], vb = p[b * s];
      bool na = va != va, nb = vb != vb;
      if (na || nb) return na && nb ? a < b : na;
      return va > vb || (va == vb && a < b);
    };
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), before);
    for (int64_t j = 0; j < k; j++) {
      vp[r * k + j] = p[idx[(size_t)j] * s];
      ip[r * k + j] = idx[(size_t)j];
    }
  });
  return nullptr;
}

// sumSquares(x) -> number; view x. Accumulates in double.
napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  Call c(env, info);
  View x = c.view(0);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array) {
    c.fail("TypeError", "lmkit native sumSquares: f32 expected");
    return nullptr;
  }
  const View* vs[] = {&x};
  Walk w = walk_views(vs, 1);
  double part[64] = {};
  int T = c.threads < 64 ? c.threads : 64;
  const float* xp = x.f32();
  const KernelTable* K = c.K;
  if (x.numel() > 0)
    for_each_piece(w, T, 1 << 16, [&](const int64_t* o, int64_t, int64_t len, int tid) {
      part[tid] += K->sum_squares(len, xp + o[0], w.inner(0));
    });
  double s = 0;
  for (int t = 0; t < T; t++) s += part[t];
  return c.number(s);
}

}  // namespace lmkit
