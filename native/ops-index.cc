// Indexing: embedding gather / scatter-add and torch.gather along an axis with
// its backward. Ids come from data, so every one is checked; a bad id stops the
// op and is returned to JS (which raises IndexRangeError), otherwise the call
// returns undefined. Gathers parallelise over output rows; scatter-adds over
// columns (two ids may name the same row, never the same column range).
#include <stdio.h>
#include <atomic>
#include <string.h>

#include "ops.h"
#include "strided.h"

namespace lmkit {
namespace {

int elem_type_of(int code) { return code; }

// Offset (in elements) of the i-th id of a strided i32 view, row-major.
struct IdReader {
  Walk w;
  const int32_t* p;
  explicit IdReader(const View& ids) : p(ids.ptr<int32_t>()) {
    const View* vs[] = {&ids};
    w = walk_views(vs, 1);
  }
  int32_t operator()(int64_t i) const {
    int64_t o[kMaxOps] = {};
    int64_t n = w.n();
    w.row_offsets(i / n, o);
    return p[o[0] + (i % n) * w.inner(0)];
  }
};

}  // namespace

// gather(table, ids, out) -> undefined or the bad id. args: table type (ElemType,
// or 100 + BType when quantized); views table (V, D) (raw when quantized), ids (i32), out (N, D) f32.
napi_value js_gather(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int tt = (int)c.num();
  bool quant = tt >= 100;
  View table = c.view(0, false, quant), ids = c.view(1), out = c.view(2);
  if (!c.ok) return nullptr;
  if (ids.type != napi_int32_array || out.type != napi_float32_array || table.nd != 2 || out.nd != 2) {
    c.fail("TypeError", "lmkit native gather: table (V, D), i32 ids and f32 out (N, D) expected");
    return nullptr;
  }
  const int64_t V = table.shape[0], D = table.shape[1], N = ids.numel();
  if (out.shape[0] != N || out.shape[1] != D) return c.fail("RangeError", "lmkit native gather: out must be (N, D)"), nullptr;
  IdReader id(ids);
  for (int64_t i = 0; i < N; i++) {
    int32_t v = id(i);
    if (v < 0 || v >= V) return c.number(v);
  }
  const uint8_t* qbase = nullptr;
  int64_t qrow = 0;
  int bt = tt - 100;
  if (quant) {
    const int64_t bytes = bt == B_Q8_0 ? 34 : bt == B_Q4_0 ? 18 : 0;
    if (!bytes || D % 32 || table.offset < 0 || table.type != napi_uint8_array) {
      return c.fail("RangeError", "lmkit native gather: quantized tables need q8_0/q4_0 rows of whole blocks"), nullptr;
    }
    qrow = D / 32 * bytes;
    int64_t off = table.offset;  // quantized offsets are in bytes
    if (off + V * qrow > table.length) return c.fail("RangeError", "lmkit native gather: table shorter than its shape"), nullptr;
    qbase = (const uint8_t*)table.base + off;
  }
  const int64_t es = tt == T_F32 ? 4 : 2;
  const KernelTable* K = c.K;
  const int64_t so = out.strides[1];
  parallel_for(N, N * D > (1 << 15) ? c.threads : 1, [&](int64_t i, int) {
    const int64_t row = id(i);
    float* dst = out.f32() + i * out.strides[0];
    if (quant) {
      if (so == 1) {
        K->dequant_blocks(bt, qbase + row * qrow, D / 32, dst);
      } else {
        float* buf = (float*)pool_scratch(3, (size_t)D * sizeof(float));
        K->dequant_blocks(bt, qbase + row * qrow, D / 32, buf);
        for (int64_t d = 0; d < D; d++) dst[d * so] = buf[d];
      }
      return;
    }
    const char* src = (const char*)table.base + (table.offset + row * table.strides[0]) * es;
    K->convert(elem_type_of(tt), src, table.strides[1], T_F32, dst, so, D);
  });
  return c.undefined();
}

// scatterAdd(src, ids, out) -> undefined or the bad id: out (V, D) += src (N, D) at rows ids.
napi_value js_scatter_add(napi_env env, napi_callback_info info) {
  Call c(env, info);
  View src = c.view(0), ids = c.view(1), out = c.view(2);
  if (!c.ok) return nullptr;
  if (ids.type != napi_int32_array || out.type != napi_float32_array || src.type != napi_float32_array || out.nd != 2 ||
      src.nd != 2) {
    c.fail("TypeError", "lmkit native scatterAdd: f32 src (N, D), i32 ids, f32 out (V, D) expected");
    return nullptr;
  }
  const int64_t V = out.shape[0], D = out.shape[1], N = ids.numel();
  IdReader id(ids);
  for (int64_t i = 0; i < N; i++) {
    int32_t v = id(i);
    if (v < 0 || v >= V) return c.number(v);
  }
  // Columns split across threads: each thread adds every row into its own columns.
  const int64_t cols = 256, nt = (D + cols - 1) / cols;
  parallel_for(nt, N * D > (1 << 16) ? c.threads : 1, [&](int64_t t, int) {
    const int64_t d0 = t * cols, d1 = d0 + cols < D ? d0 + cols : D;
    for (int64_t i = 0; i < N; i++) {
      const float* s = src.f32() + i * src.strides[0];
      float* o = out.f32() + id(i) * out.strides[0];
      const int64_t ss = src.strides[1], os = out.strides[1];
      if (ss == 1 && os == 1)
        for (int64_t d = d0; d < d1; d++) o[d] += s[d];
      else
        for (int64_t d = d0; d < d1; d++) o[d * os] += s[d * ss];
    }
  });
  return c.undefined();
}

// gatherAxis(x, idx, out) / scatterAddAxis(src, idx, out): args axis, scatter; views
// x (or out when scattering), idx (i32), and out (or src). Returns undefined or the bad index.
napi_value js_gather_axis(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int axis = (int)c.num();
  int scatter = (int)c.num();
  View x = c.view(0), idx = c.view(1), other = c.view(2);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || other.type != napi_float32_array || idx.type != napi_int32_array || axis < 0 ||
      axis >= x.nd || idx.nd != x.nd) {
    c.fail("TypeError", "lmkit native gatherAxis: f32 views, i32 idx of the same rank and a valid axis expected");
    return nullptr;
  }
  // x seen with idx's shape and stride 0 along the axis: the index supplies that coordinate.
  int64_t xs[kMaxDims];
  for (int d = 0; d < x.nd; d++) xs[d] = d == axis ? 0 : x.strides[d];
  const int64_t* strides[3] = {idx.strides, xs, other.strides};
  int64_t offs[3] = {0, 0, 0};
  Walk w = make_walk(idx.nd, idx.shape, 3, strides, offs);
  const int64_t size = x.shape[axis], sa = x.strides[axis];
  const int32_t* ip = idx.ptr<int32_t>();
  float* xp = x.f32();
  float* op_ = other.f32();
  std::atomic<int64_t> bad{INT64_MIN};
  auto body = [&](const int64_t* o, int64_t, int64_t len, int) {
    for (int64_t j = 0; j < len; j++) {
      int32_t k = ip[o[0] + j * w.inner(0)];
      if (k < 0 || k >= size) {
        bad.store(k);
        return;
      }
      float* xe = xp + o[1] + j * w.inner(1) + k * sa;
      float* oe = op_ + o[2] + j * w.inner(2);
      if (scatter)
        *xe += *oe;
      else
        *oe = *xe;
    }
  };
  if (idx.numel() > 0) {
    // Scatter-adds may hit one slot from two places: run them on one thread.
    for_each_piece(w, scatter ? 1 : c.threads, 1 << 15, body);
  }
  int64_t b = bad.load();
  return b == INT64_MIN ? c.undefined() : c.number((double)b);
}

}  // namespace lmkit
