// Elementwise ops (unary, unaryGrad, binary, where, copy, fill): decode the
// views, coalesce their dims (strided.h) and hand rows, or chunks of one long
// row, to the ISA kernels across the pool.
#include <stdio.h>
#include <string.h>

#include <initializer_list>

#include "ops.h"
#include "strided.h"

namespace lmkit {
namespace {

// Elements per task: cheap ops need big pieces to repay a hand-off, transcendental ones less.
int64_t grain_for_unary(int op) {
  switch (op) {
    case U_NEG: case U_ABS: case U_SIGN: case U_SQUARE: case U_RELU: return 1 << 16;
    default: return 1 << 13;
  }
}

bool all_f32(Call& c, std::initializer_list<const View*> vs, const char* op) {
  for (const View* v : vs)
    if (v->present && v->type != napi_float32_array) {
      char msg[96];
      snprintf(msg, sizeof msg, "lmkit native %s: f32 views expected", op);
      c.fail("TypeError", msg);
      return false;
    }
  return true;
}

bool same_shape(Call& c, const View& a, const View& b, const char* op) {
  bool ok = a.nd == b.nd;
  for (int d = 0; ok && d < a.nd; d++) ok = a.shape[d] == b.shape[d];
  if (!ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "lmkit native %s: views must have the same shape", op);
    c.fail("RangeError", msg);
  }
  return ok;
}

int64_t elem_size(int t) {
  switch (t) {
    case T_F64: return 8;
    case T_F32: case T_I32: return 4;
    case T_F16: case T_BF16: return 2;
    default: return 1;
  }
}

bool type_matches(int t, napi_typedarray_type a) {
  switch (t) {
    case T_F32: return a == napi_float32_array;
    case T_F64: return a == napi_float64_array;
    case T_F16: case T_BF16: return a == napi_uint16_array;
    case T_I32: return a == napi_int32_array;
    case T_U8: return a == napi_uint8_array;
    default: return false;
  }
}

}  // namespace

// unary(x, out); args: op, views x, out.
napi_value js_unary(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int op = (int)c.num();
  View x = c.view(0), out = c.view(1);
  if (!c.ok || !all_f32(c, {&x, &out}, "unary") || !same_shape(c, x, out, "unary")) return nullptr;
  if (op < 0 || op >= U_COUNT) return c.fail("RangeError", "lmkit native unary: bad op"), nullptr;
  const View* vs[] = {&x, &out};
  Walk w = walk_views(vs, 2);
  const float* xp = x.f32();
  float* op_ = out.f32();
  const KernelTable* K = c.K;
  for_each_piece(w, c.threads, grain_for_unary(op), [&](const int64_t* o, int64_t, int64_t len, int) {
    K->unary(op, len, xp + o[0], w.inner(0), op_ + o[1], w.inner(1));
  });
  return nullptr;
}

// unaryGrad(x, g, out); args: op, views x, g, out.
napi_value js_unary_grad(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int op = (int)c.num();
  View x = c.view(0), g = c.view(1), out = c.view(2);
  if (!c.ok || !all_f32(c, {&x, &g, &out}, "unaryGrad") || !same_shape(c, x, out, "unaryGrad") ||
      !same_shape(c, g, out, "unaryGrad"))
    return nullptr;
  const View* vs[] = {&x, &g, &out};
  Walk w = walk_views(vs, 3);
  const KernelTable* K = c.K;
  for_each_piece(w, c.threads, 1 << 13, [&](const int64_t* o, int64_t, int64_t len, int) {
    K->unary_grad(op, len, x.f32() + o[0], w.inner(0), g.f32() + o[1], w.inner(1), out.f32() + o[2], w.inner(2));
  });
  return nullptr;
}

// binary(a, b, out); args: op, views a, b, out (a and b already broadcast to out's shape).
napi_value js_binary(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int op = (int)c.num();
  View a = c.view(0), b = c.view(1), out = c.view(2);
  if (!c.ok || !all_f32(c, {&a, &b, &out}, "binary") || !same_shape(c, a, out, "binary") ||
      !same_shape(c, b, out, "binary"))
    return nullptr;
  if (op < 0 || op >= BIN_COUNT) return c.fail("RangeError", "lmkit native binary: bad op"), nullptr;
  const View* vs[] = {&out, &a, &b};
  Walk w = walk_views(vs, 3);
  const KernelTable* K = c.K;
  int64_t grain = op == B_POW || op == B_DIV ? 1 << 13 : 1 << 16;
  for_each_piece(w, c.threads, grain, [&](const int64_t* o, int64_t, int64_t len, int) {
    K->binary(op, len, a.f32() + o[1], w.inner(1), b.f32() + o[2], w.inner(2), out.f32() + o[0], w.inner(0));
  });
  return nullptr;
}

// where(cond, a, b, out); views cond, a, b, out, all f32 and of out's shape.
napi_value js_where(napi_env env, napi_callback_info info) {
  Call c(env, info);
  View cd = c.view(0), a = c.view(1), b = c.view(2), out = c.view(3);
  if (!c.ok || !all_f32(c, {&cd, &a, &b, &out}, "where") || !same_shape(c, cd, out, "where") ||
      !same_shape(c, a, out, "where") || !same_shape(c, b, out, "where"))
    return nullptr;
  const View* vs[] = {&out, &cd, &a, &b};
  Walk w = walk_views(vs, 4);
  const KernelTable* K = c.K;
  for_each_piece(w, c.threads, 1 << 16, [&](const int64_t* o, int64_t, int64_t len, int) {
    K->where(len, cd.f32() + o[1], w.inner(1), a.f32() + o[2], w.inner(2), b.f32() + o[3], w.inner(3), out.f32() + o[0],
             w.inner(0));
  });
  return nullptr;
}

// copy(src, dst); args: src type, dst type (ElemType, or 100 + BType for a
// quantized src), views src (raw when quantized), dst.
napi_value js_copy(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int st = (int)c.num(), dt = (int)c.num();
  bool quant = st >= 100;
  View src = c.view(0, false, quant), dst = c.view(1);
  if (!c.ok) return nullptr;
  if (!type_matches(dt, dst.type) || (!quant && !type_matches(st, src.type))) {
    c.fail("TypeError", "lmkit native copy: dtype and array type disagree");
    return nullptr;
  }
  if (quant) {
    int bt = st - 100;
    int64_t n = dst.numel(), bytes = bt == B_Q8_0 ? 34 : 18;
    if ((bt != B_Q8_0 && bt != B_Q4_0) || dt != T_F32 || !dst.contiguous() || n % 32 || src.offset < 0 ||
        src.type != napi_uint8_array) {
      c.fail("RangeError", "lmkit native copy: quantized sources dequantize whole blocks into contiguous f32");
      return nullptr;
    }
    int64_t off = src.offset, nb = n / 32;  // quantized offsets are in bytes
    if (off + nb * bytes > src.length) {
      c.fail("RangeError", "lmkit native copy: quantized source is shorter than its shape");
      return nullptr;
    }
    const uint8_t* sp = (const uint8_t*)src.base + off;
    float* dp = dst.f32();
    const KernelTable* K = c.K;
    const int64_t per = 1024;  // blocks per task
    parallel_for((nb + per - 1) / per, nb > per ? c.threads : 1, [&](int64_t t, int) {
      int64_t b0 = t * per, b1 = b0 + per < nb ? b0 + per : nb;
      K->dequant_blocks(bt, sp + b0 * bytes, b1 - b0, dp + b0 * 32);
    });
    return nullptr;
  }
  if (!same_shape(c, src, dst, "copy")) return nullptr;
  const View* vs[] = {&dst, &src};
  Walk w = walk_views(vs, 2);
  char* sp = (char*)src.base + src.offset * elem_size(st);
  char* dp = (char*)dst.base + dst.offset * elem_size(dt);
  const int64_t ss = elem_size(st), ds = elem_size(dt);
  const KernelTable* K = c.K;
  for_each_piece(w, c.threads, 1 << 16, [&](const int64_t* o, int64_t, int64_t len, int) {
    char* s = sp + o[1] * ss;
    char* d = dp + o[0] * ds;
    if (st == dt) {
      if (w.inner(0) == 1 && w.inner(1) == 1) {
        memcpy(d, s, (size_t)(len * ss));
      } else {
        const int64_t si = w.inner(1) * ss, di = w.inner(0) * ds;
        for (int64_t i = 0; i < len; i++) memcpy(d + i * di, s + i * si, (size_t)ss);
      }
    } else {
      K->convert(st, s, w.inner(1), dt, d, w.inner(0), len);
    }
  });
  return nullptr;
}

// fill(dst); args: dst type, value, view dst.
napi_value js_fill(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int dt = (int)c.num();
  double value = c.num();
  View dst = c.view(0);
  if (!c.ok) return nullptr;
  if (!type_matches(dt, dst.type)) {
    c.fail("TypeError", "lmkit native fill: dtype and array type disagree");
    return nullptr;
  }
  const View* vs[] = {&dst};
  Walk w = walk_views(vs, 1);
  const int64_t es = elem_size(dt);
  char* dp = (char*)dst.base + dst.offset * es;
  // Encode the value once, then stamp its bytes.
  unsigned char pat[8];
  c.K->convert(T_F64, &value, 0, dt, pat, 0, 1);
  const KernelTable* K = c.K;
  (void)K;
  for_each_piece(w, c.threads, 1 << 17, [&](const int64_t* o, int64_t, int64_t len, int) {
    char* d = dp + o[0] * es;
    const int64_t st = w.inner(0) * es;
    if (dt == T_F32 && st == 4) {
      float v;
      memcpy(&v, pat, 4);
      float* f = (float*)d;
      for (int64_t i = 0; i < len; i++) f[i] = v;
    } else {
      for (int64_t i = 0; i < len; i++) memcpy(d + i * st, pat, (size_t)es);
    }
  });
  return nullptr;
}

}  // namespace lmkit
