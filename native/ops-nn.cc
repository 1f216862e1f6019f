// Row-wise fused ops (softmax, log-softmax, norms, cross-entropy, rope,
// dropout) and the optimizers. Inputs may be strided; a strided row is
// gathered into thread-local scratch so the kernels always see unit stride.
// Outputs are contiguous. Weight gradients (norms) are accumulated per thread
// and folded at the end, so threads never write the same gradient slot.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <initializer_list>

#include "ops.h"
#include "strided.h"

namespace lmkit {
namespace {

// Row pointer with unit stride: in place, or gathered into scratch `slot`.
const float* unit_row(const float* p, int64_t s, int64_t n, int slot) {
  if (s == 1 || n <= 1) return p;
  float* b = (float*)pool_scratch(slot, (size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) b[i] = p[i * s];
  return b;
}

// A 1-D parameter (w, b) as a contiguous array (copied into caller scratch when strided).
const float* unit_vec(const View& v, int slot) {
  if (!v.present) return nullptr;
  return unit_row(v.f32(), v.strides[0], v.shape[0], slot);
}

bool f32s(Call& c, std::initializer_list<const View*> vs, const char* op) {
  for (const View* v : vs)
    if (v->present && v->type != napi_float32_array) {
      char msg[96];
      snprintf(msg, sizeof msg, "lmkit native %s: f32 views expected", op);
      c.fail("TypeError", msg);
      return false;
    }
  return true;
}

// Walk of one or two same-shaped inputs by rows of the last axis.
Walk rows_of(const View& a, const View* b = nullptr) {
  const View* vs[2] = {&a, b};
  return walk_views(vs, b ? 2 : 1, true);
}

int64_t row_grain(int64_t n) { return rows_for(1 << 14, n); }

enum RowOp { SOFTMAX = 0, LOG_SOFTMAX = 1, SOFTMAX_BWD = 2, LOG_SOFTMAX_BWD = 3 };

}  // namespace

// softmax family: args kind; views x (or y), [gy], out.
napi_value js_softmax(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int kind = (int)c.num();
  bool bwd = kind >= SOFTMAX_BWD;
  View x = c.view(0), g = bwd ? c.view(1) : View(), out = c.view(bwd ? 2 : 1);
  if (!c.ok || !f32s(c, {&x, &g, &out}, "softmax")) return nullptr;
  Walk w = rows_of(x, bwd ? &g : nullptr);
  const int64_t n = w.n();
  const KernelTable* K = c.K;
  float* op_ = out.f32();
  for_each_row(w, c.threads, row_grain(n), [&](const int64_t* o, int64_t r, int) {
    const float* xr = unit_row(x.f32() + o[0], w.inner(0), n, 3);
    float* y = op_ + r * n;
    switch (kind) {
      case SOFTMAX: K->softmax_row(n, xr, y); break;
      case LOG_SOFTMAX: K->log_softmax_row(n, xr, y); break;
      case SOFTMAX_BWD: K->softmax_bwd_row(n, xr, unit_row(g.f32() + o[1], w.inner(1), n, 4), y); break;
      default: K->log_softmax_bwd_row(n, xr, unit_row(g.f32() + o[1], w.inner(1), n, 4), y); break;
    }
  });
  return nullptr;
}

// layerNorm / rmsNorm forward: args rms, eps; views x, w?, b? (layer only), out, [mean (layer only)], rstd.
napi_value js_norm(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int rms = (int)c.num();
  float eps = (float)c.num();
  View x = c.view(0), w = c.view(1, true), b = rms ? View() : c.view(2, true);
  int next = rms ? 2 : 3;
  View out = c.view(next), mean = rms ? View() : c.view(next + 1), rstd = c.view(rms ? next + 1 : next + 2);
  if (!c.ok || !f32s(c, {&x, &w, &b, &out, &mean, &rstd}, "norm")) return nullptr;
  Walk wk = rows_of(x);
  const int64_t n = wk.n();
  const float* wp = unit_vec(w, 6);
  const float* bp = unit_vec(b, 7);
  const KernelTable* K = c.K;
  for_each_row(wk, c.threads, row_grain(n), [&](const int64_t* o, int64_t r, int) {
    const float* xr = unit_row(x.f32() + o[0], wk.inner(0), n, 3);
    if (rms) {
      K->rms_norm_row(n, xr, wp, eps, out.f32() + r * n, rstd.f32() + r);
    } else {
      K->layer_norm_row(n, xr, wp, bp, eps, out.f32() + r * n, mean.f32() + r, rstd.f32() + r);
    }
  });
  return nullptr;
}

// layerNormBackward / rmsNormBackward: args rms; views gy, x, w?, [mean], rstd, gx, gw?, [gb?].
napi_value js_norm_backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int rms = (int)c.num();
  View gy = c.view(0), x = c.view(1), w = c.view(2, true);
  int i = 3;
  View mean = rms ? View() : c.view(i++);
  View rstd = c.view(i++), gx = c.view(i++), gw = c.view(i++, true);
  View gb = rms ? View() : c.view(i++, true);
  if (!c.ok || !f32s(c, {&gy, &x, &w, &mean, &rstd, &gx, &gw, &gb}, "normBackward")) return nullptr;
  Walk wk = rows_of(x, &gy);
  const int64_t n = wk.n(), rows = wk.rows();
  const float* wp = unit_vec(w, 6);
  // Per-thread partial sums of gw and gb, folded into the (strided) outputs at the end.
  int T = c.threads;
  const int64_t parts = (gw.present ? 1 : 0) + (gb.present ? 1 : 0);
  float* part = nullptr;
  if (parts) {
    part = (float*)pool_scratch(7, (size_t)(T * parts * n) * sizeof(float));
    memset(part, 0, (size_t)(T * parts * n) * sizeof(float));
  }
  const KernelTable* K = c.K;
  for_each_row(wk, T, row_grain(n), [&](const int64_t* o, int64_t r, int tid) {
    const float* xr = unit_row(x.f32() + o[0], wk.inner(0), n, 3);
    const float* gr = unit_row(gy.f32() + o[1], wk.inner(1), n, 4);
    float* pw = gw.present ? part + (tid * parts) * n : nullptr;
    float* pb = gb.present ? part + (tid * parts + (gw.present ? 1 : 0)) * n : nullptr;
    if (rms)
      K->rms_norm_bwd_row(n, gr, xr, wp, rstd.f32()[r], gx.f32() + r * n, pw);
    else
      K->layer_norm_bwd_row(n, gr, xr, wp, mean.f32()[r], rstd.f32()[r], gx.f32() + r * n, pw, pb);
  });
  (void)rows;
  for (int64_t p = 0; p < parts; p++) {
    const View& dst = (p == 0 && gw.present) ? gw : gb;
    float* d = dst.f32();
    const int64_t s = dst.strides[0];
    for (int64_t j = 0; j < n; j++) {
      float acc = 0;
      for (int t = 0; t < T; t++) acc += part[(t * parts + p) * n + j];
      d[j * s] += acc;
    }
  }
  return nullptr;
}

// rope(x, cos, sin, out); args inverse; views x (B, T, H, D), cos, sin (Bc, T, D/2), out. x and out may alias.
napi_value js_rope(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int inverse = (int)c.num();
  View x = c.view(0), cs = c.view(1), sn = c.view(2), out = c.view(3);
  if (!c.ok || !f32s(c, {&x, &cs, &sn, &out}, "rope")) return nullptr;
  if (x.nd != 4 || out.nd != 4 || cs.nd != 3 || sn.nd != 3 || x.shape[3] % 2) {
    c.fail("RangeError", "lmkit native rope: x (B, T, H, D) with even D and cos/sin (Bc, T, D/2) expected");
    return nullptr;
  }
  const int64_t B = x.shape[0], T = x.shape[1], H = x.shape[2], D = x.shape[3], half = D / 2;
  const int64_t cb = cs.shape[0] == 1 ? 0 : cs.strides[0], sb = sn.shape[0] == 1 ? 0 : sn.strides[0];
  const float sgn = inverse ? -1.0f : 1.0f;
  const KernelTable* K = c.K;
  const int64_t rows = B * T * H;
  const int64_t per = rows_for(1 << 13, D);
  parallel_for((rows + per - 1) / per, rows * D > (1 << 13) ? c.threads : 1, [&](int64_t task, int) {
    int64_t r1 = (task + 1) * per < rows ? (task + 1) * per : rows;
    for (int64_t r = task * per; r < r1; r++) {
      int64_t h = r % H, t = (r / H) % T, b = r / (H * T);
      const float* xr = x.f32() + b * x.strides[0] + t * x.strides[1] + h * x.strides[2];
      float* yr = out.f32() + b * out.strides[0] + t * out.strides[1] + h * out.strides[2];
      const float* cr = unit_row(cs.f32() + b * cb + t * cs.strides[1], cs.strides[2], half, 4);
      const float* sr = unit_row(sn.f32() + b * sb + t * sn.strides[1], sn.strides[2], half, 5);
      if (x.strides[3] == 1 && out.strides[3] == 1) {
        K->rope_row(half, xr, cr, sr, sgn, yr);
      } else {
        float* buf = (float*)pool_scratch(3, (size_t)D * sizeof(float));
        for (int64_t i = 0; i < D; i++) buf[i] = xr[i * x.strides[3]];
        K->rope_row(half, buf, cr, sr, sgn, buf);
        for (int64_t i = 0; i < D; i++) yr[i * out.strides[3]] = buf[i];
      }
    }
  });
  return nullptr;
}

// crossEntropy(logits, targets, losses, lse) -> -1, or the first row whose target is out of range.
// args ignoreIndex, labelSmoothing; views logits (rows, V), targets (i32, rows elements), losses, lse.
napi_value js_cross_entropy(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int64_t ignore = c.integer();
  float eps = (float)c.num();
  View x = c.view(0), tg = c.view(1), losses = c.view(2), lse = c.view(3);
  if (!c.ok || !f32s(c, {&x, &losses, &lse}, "crossEntropy")) return nullptr;
  if (tg.type != napi_int32_array) return c.fail("TypeError", "lmkit native crossEntropy: i32 targets expected"), nullptr;
  Walk w = rows_of(x);
  const View* tvs[] = {&tg};
  Walk tw = walk_views(tvs, 1);
  const int64_t V = w.n(), rows = w.rows();
  if (tg.numel() != rows) return c.fail("RangeError", "lmkit native crossEntropy: one target per row expected"), nullptr;
  auto target = [&](int64_t r) {
    int64_t o[kMaxOps] = {};
    tw.row_offsets(r / tw.n(), o);
    return tg.ptr<int32_t>()[o[0] + (r % tw.n()) * tw.inner(0)];
  };
  for (int64_t r = 0; r < rows; r++) {
    int32_t t = target(r);
    if (t != ignore && (t < 0 || t >= V)) return c.number((double)r);
  }
  const KernelTable* K = c.K;
  for_each_row(w, c.threads, row_grain(V), [&](const int64_t* o, int64_t r, int) {
    const float* xr = unit_row(x.f32() + o[0], w.inner(0), V, 3);
    int32_t t = target(r);
    bool skip = t == ignore;
    K->cross_entropy_row(V, xr, skip ? 0 : t, eps, lse.f32() + r, skip ? nullptr : losses.f32() + r);
    if (skip) losses.f32()[r] = 0.0f;
  });
  return c.number(-1);
}

// crossEntropyBackward: args ignoreIndex, labelSmoothing; views logits, targets, lse, gloss, glogits.
napi_value js_cross_entropy_backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int64_t ignore = c.integer();
  float eps = (float)c.num();
  View x = c.view(0), tg = c.view(1), lse = c.view(2), gl = c.view(3), gx = c.view(4);
  if (!c.ok || !f32s(c, {&x, &lse, &gl, &gx}, "crossEntropyBackward")) return nullptr;
  if (tg.type != napi_int32_array) return c.fail("TypeError", "lmkit native crossEntropy: i32 targets expected"), nullptr;
  Walk w = rows_of(x);
  const View* tvs[] = {&tg};
  const View* gvs[] = {&gl};
  Walk tw = walk_views(tvs, 1), gw = walk_views(gvs, 1);
  const int64_t V = w.n(), rows = w.rows();
  if (tg.numel() != rows || gl.numel() != rows) {
    c.fail("RangeError", "lmkit native crossEntropyBackward: one target and one gradient per row expected");
    return nullptr;
  }
  auto elem = [](const Walk& wk, int64_t r) {
    int64_t o[kMaxOps] = {};
    wk.row_offsets(r / wk.n(), o);
    return o[0] + (r % wk.n()) * wk.inner(0);
  };
  const KernelTable* K = c.K;
  for_each_row(w, c.threads, row_grain(V), [&](const int64_t* o, int64_t r, int) {
    int32_t t = tg.ptr<int32_t>()[elem(tw, r)];
    float* g = gx.f32() + r * V;
    if (t == ignore) {
      memset(g, 0, (size_t)V * sizeof(float));
      return;
    }
    if (t < 0 || t >= V) return;  // the forward already rejected it
    const float* xr = unit_row(x.f32() + o[0], w.inner(0), V, 3);
    K->cross_entropy_bwd_row(V, xr, t, eps, lse.f32()[r], gl.f32()[elem(gw, r)], g);
  });
  return nullptr;
}

// dropout(x, out); args p, seed; views x (any strides), out (contiguous).
napi_value js_dropout(napi_env env, napi_callback_info info) {
  Call c(env, info);
  double p = c.num();
  uint32_t seed = (uint32_t)(int64_t)c.num();
  View x = c.view(0), out = c.view(1);
  if (!c.ok || !f32s(c, {&x, &out}, "dropout")) return nullptr;
  const View* vs[] = {&x};
  Walk w = walk_views(vs, 1);
  double thr = p * 4294967296.0;
  uint64_t threshold = (uint64_t)thr;
  if ((double)threshold < thr) threshold++;  // h >= thr for an integer h means h >= ceil(thr)
  const float scale = (float)(1.0 / (1.0 - p));
  const KernelTable* K = c.K;
  for_each_piece(w, c.threads, 1 << 15, [&](const int64_t* o, int64_t first, int64_t len, int) {
    K->dropout(len, x.f32() + o[0], w.inner(0), (uint64_t)first, seed, threshold, scale, out.f32() + first);
  });
  return nullptr;
}

// adamw(param, grad, m, v); args lr, beta1, beta2, eps, weightDecay, step; contiguous f32 views.
napi_value js_adamw(napi_env env, napi_callback_info info) {
  Call c(env, info);
  double lr = c.num(), b1 = c.num(), b2 = c.num(), eps = c.num(), wd = c.num(), step = c.num();
  View p = c.view(0), g = c.view(1), m = c.view(2), v = c.view(3);
  if (!c.ok || !f32s(c, {&p, &g, &m, &v}, "adamw")) return nullptr;
  AdamWConsts k;
  k.beta1 = (float)b1;
  k.beta2 = (float)b2;
  k.eps = (float)eps;
  k.decay = (float)(1.0 - lr * wd);
  k.lr_c = (float)(lr / (1.0 - pow(b1, step)));
  k.inv_bc2 = (float)(1.0 / (1.0 - pow(b2, step)));
  const int64_t n = p.numel(), chunk = 1 << 16;
  const KernelTable* K = c.K;
  parallel_for((n + chunk - 1) / chunk, c.threads, [&](int64_t t, int) {
    int64_t i0 = t * chunk, len = i0 + chunk < n ? chunk : n - i0;
    K->adamw(len, p.f32() + i0, g.f32() + i0, m.f32() + i0, v.f32() + i0, &k);
  });
  return nullptr;
}

// sgd(param, grad, buf?); args lr, momentum, dampening, weightDecay, nesterov; contiguous f32 views.
napi_value js_sgd(napi_env env, napi_callback_info info) {
  Call c(env, info);
  SgdConsts k;
  k.lr = (float)c.num();
  k.momentum = (float)c.num();
  k.dampening = (float)c.num();
  k.weight_decay = (float)c.num();
  k.nesterov = (int)c.num();
  View p = c.view(0), g = c.view(1), buf = c.view(2, true);
  if (!c.ok || !f32s(c, {&p, &g, &buf}, "sgd")) return nullptr;
  bool use_buf = buf.present && k.momentum != 0.0f;
  const int64_t n = p.numel(), chunk = 1 << 16;
  const KernelTable* K = c.K;
  parallel_for((n + chunk - 1) / chunk, c.threads, [&](int64_t t, int) {
    int64_t i0 = t * chunk, len = i0 + chunk < n ? chunk : n - i0;
    K->sgd(len, p.f32() + i0, g.f32() + i0, use_buf ? buf.f32() + i0 : nullptr, &k);
  });
  return nullptr;
}

}  // namespace lmkit
