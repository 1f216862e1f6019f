// Elementwise rows: unary math, activation derivatives, binary ops and where,
// on n elements with arbitrary strides.
//
// Every op is written once, as a vector function (simd.h), and applied to
// blocks of up to 256 elements. A unit-stride operand is read in place; a
// stride-0 operand (broadcast scalar) is splatted once; any other stride is
// gathered into a small stack buffer first. So contiguous data, scalar
// broadcasting and transposed views all run the same vector code.
// Transcendentals without a vector form here (sin, cos, log, pow) use libm.
#include "../kernels.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

static const int BLK = 256;

// ---------------------------------------------------------------- operand blocks

// Points at elements [i0, i0+m) of a strided operand: in place, splatted or gathered.
struct In {
  const float* p;
  int64_t s;
  float buf[BLK];
  In(const float* p_, int64_t s_) : p(p_), s(s_) {}
  const float* get(int64_t i0, int64_t m) {
    if (s == 1) return p + i0;
    if (s == 0) return nullptr;  // caller splats p[0]
    const float* src = p + i0 * s;
    for (int64_t j = 0; j < m; j++) buf[j] = src[j * s];
    return buf;
  }
};

LMKIT_INLINE vf load_in(const float* blk, const In& in, int64_t j, int64_t m) {
  if (!blk) return vset1(in.p[0]);
  return m - j >= W ? vload(blk + j) : vloadn(blk + j, (int)(m - j));
}

// Writes a block: in place for unit stride, else through buf and scattered.
struct Out {
  float* p;
  int64_t s;
  float buf[BLK];
  Out(float* p_, int64_t s_) : p(p_), s(s_) {}
  float* get(int64_t i0) { return s == 1 ? p + i0 : buf; }
  void put(int64_t i0, int64_t m) {
    if (s == 1) return;
    float* dst = p + i0 * s;
    for (int64_t j = 0; j < m; j++) dst[j * s] = buf[j];
  }
};

LMKIT_INLINE void store_out(float* blk, int64_t j, int64_t m, vf v) {
  if (m - j >= W)
    vstore(blk + j, v);
  else
    vstoren(blk + j, v, (int)(m - j));
}

// ---------------------------------------------------------------- ops

static const float kSqrt2OverPi = 0.7978845608028654f;
static const float kInvSqrt2 = 0.7071067811865476f;
static const float kInvSqrt2Pi = 0.3989422804014327f;

LMKIT_INLINE vf gelu_tanh(vf x) {
  vf x3 = vmul(vmul(x, x), x);
  vf u = vmul(vset1(kSqrt2OverPi), vfma(vset1(0.044715f), x3, x));
  return vmul(vmul(vset1(0.5f), x), vadd(vset1(1.0f), vtanh(u)));
}

LMKIT_INLINE vf apply_unary(int op, vf x) {
  switch (op) {
    case U_NEG: return vneg(x);
    case U_ABS: return vabs(x);
    case U_SIGN: {
      // 1, -1, or x itself for 0, -0 and NaN.
      vf r = vselect(vgt(x, vzero()), vset1(1.0f), x);
      return vselect(vlt(x, vzero()), vset1(-1.0f), r);
    }
    case U_EXP: return vexp(x);
    case U_SQRT: return vsqrt(x);
    case U_RSQRT: return vdiv(vset1(1.0f), vsqrt(x));
    case U_RECIP: return vdiv(vset1(1.0f), x);
    case U_SQUARE: return vmul(x, x);
    case U_TANH: return vtanh(x);
    case U_SIGMOID: return vsigmoid(x);
    case U_RELU: return vselect(vgt(x, vzero()), x, vzero());
    case U_SILU: return vmul(x, vsigmoid(x));
    case U_GELU_TANH: return gelu_tanh(x);
    case U_GELU_ERF: return vmul(vmul(vset1(0.5f), x), vadd(vset1(1.0f), verf(vmul(x, vset1(kInvSqrt2)))));
    default: return x;
  }
}

static float scalar_unary(int op, float x) {
  switch (op) {
    case U_LOG: return logf(x);
    case U_SIN: return sinf(x);
    case U_COS: return cosf(x);
    default: return x;
  }
}

// d op(x)/dx for the activations (times g by the caller).
LMKIT_INLINE vf apply_deriv(int op, vf x) {
  const vf one = vset1(1.0f);
  switch (op) {
    case U_TANH: {
      vf t = vtanh(x);
      return vsub(one, vmul(t, t));
    }
    case U_SIGMOID: {
      vf s = vsigmoid(x);
      return vmul(s, vsub(one, s));
    }
    case U_RELU: return vselect(vgt(x, vzero()), one, vzero());
    case U_SILU: {
      vf s = vsigmoid(x);
      return vmul(s, vfma(x, vsub(one, s), one));
    }
    case U_GELU_TANH: {
      vf x2 = vmul(x, x);
      vf u = vmul(vset1(kSqrt2OverPi), vfma(vmul(vset1(0.044715f), x2), x, x));
      vf t = vtanh(u);
      vf du = vmul(vset1(kSqrt2OverPi), vfma(vset1(3.0f * 0.044715f), x2, one));
      // 0.5 (1 + t) + 0.5 x (1 - t^2) du
      return vmul(vset1(0.5f), vadd(vadd(one, t), vmul(vmul(x, vsub(one, vmul(t, t))), du)));
    }
    case U_GELU_ERF: {
      vf cdf = vmul(vset1(0.5f), vadd(one, verf(vmul(x, vset1(kInvSqrt2)))));
      vf pdf = vmul(vset1(kInvSqrt2Pi), vexp(vmul(vset1(-0.5f), vmul(x, x))));
      return vfma(x, pdf, cdf);
    }
    default: return one;
  }
}

LMKIT_INLINE vf apply_binary(int op, vf a, vf b) {
  switch (op) {
    case B_ADD: return vadd(a, b);
    case B_SUB: return vsub(a, b);
    case B_MUL: return vmul(a, b);
    case B_DIV: return vdiv(a, b);
    case B_MAX: return vmax(a, b);
    case B_MIN: return vmin(a, b);
    case B_EQ: return vmask01(veq(a, b));
    case B_NE: return vmask01(vne(a, b));
    case B_LT: return vmask01(vlt(a, b));
    case B_LE: return vmask01(vle(a, b));
    case B_GT: return vmask01(vgt(a, b));
    case B_GE: return vmask01(vge(a, b));
    default: return a;
  }
}

// ---------------------------------------------------------------- rows

// The op switch sits outside the element loop: OP is a template parameter, so
// each op gets its own tight loop.
template <int OP>
static void unary_t(int64_t n, const float* x, int64_t sx, float* y, int64_t sy) {
  In in{x, sx};
  Out out{y, sy};
  for (int64_t i0 = 0; i0 < n; i0 += BLK) {
    int64_t m = imin(BLK, n - i0);
    const float* xb = in.get(i0, m);
    float* yb = out.get(i0);
    if (OP == U_LOG || OP == U_SIN || OP == U_COS) {
      for (int64_t j = 0; j < m; j++) yb[j] = scalar_unary(OP, xb ? xb[j] : x[0]);
    } else {
      for (int64_t j = 0; j < m; j += W) store_out(yb, j, m, apply_unary(OP, load_in(xb, in, j, m)));
    }
    out.put(i0, m);
  }
}

typedef void (*UnaryRow)(int64_t, const float*, int64_t, float*, int64_t);
static const UnaryRow kUnary[U_COUNT] = {
    unary_t<U_NEG>, unary_t<U_ABS>, unary_t<U_SIGN>, unary_t<U_EXP>, unary_t<U_LOG>, unary_t<U_SQRT>,
    unary_t<U_RSQRT>, unary_t<U_RECIP>, unary_t<U_SQUARE>, unary_t<U_SIN>, unary_t<U_COS>, unary_t<U_TANH>,
    unary_t<U_SIGMOID>, unary_t<U_RELU>, unary_t<U_SILU>, unary_t<U_GELU_TANH>, unary_t<U_GELU_ERF>,
};

static void unary(int op, int64_t n, const float* x, int64_t sx, float* y, int64_t sy) { kUnary[op](n, x, sx, y, sy); }

template <int OP>
static void unary_grad_t(int64_t n, const float* x, int64_t sx, const float* g, int64_t sg, float* y, int64_t sy) {
  In ix{x, sx}, ig{g, sg};
  Out out{y, sy};
  for (int64_t i0 = 0; i0 < n; i0 += BLK) {
    int64_t m = imin(BLK, n - i0);
    const float* xb = ix.get(i0, m);
    const float* gb = ig.get(i0, m);
    float* yb = out.get(i0);
    for (int64_t j = 0; j < m; j += W)
      store_out(yb, j, m, vmul(load_in(gb, ig, j, m), apply_deriv(OP, load_in(xb, ix, j, m))));
    out.put(i0, m);
  }
}

static void unary_grad(int op, int64_t n, const float* x, int64_t sx, const float* g, int64_t sg, float* y, int64_t sy) {
  switch (op) {
    case U_TANH: return unary_grad_t<U_TANH>(n, x, sx, g, sg, y, sy);
    case U_SIGMOID: return unary_grad_t<U_SIGMOID>(n, x, sx, g, sg, y, sy);
    case U_RELU: return unary_grad_t<U_RELU>(n, x, sx, g, sg, y, sy);
    case U_SILU: return unary_grad_t<U_SILU>(n, x, sx, g, sg, y, sy);
    case U_GELU_TANH: return unary_grad_t<U_GELU_TANH>(n, x, sx, g, sg, y, sy);
    case U_GELU_ERF: return unary_grad_t<U_GELU_ERF>(n, x, sx, g, sg, y, sy);
  }
}

template <int OP>
static void binary_t(int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t sy) {
  In ia{a, sa}, ib{b, sb};
  Out out{y, sy};
  for (int64_t i0 = 0; i0 < n; i0 += BLK) {
    int64_t m = imin(BLK, n - i0);
    const float* ab = ia.get(i0, m);
    const float* bb = ib.get(i0, m);
    float* yb = out.get(i0);
    if (OP == B_POW) {
      for (int64_t j = 0; j < m; j++) yb[j] = powf(ab ? ab[j] : a[0], bb ? bb[j] : b[0]);
    } else {
      for (int64_t j = 0; j < m; j += W)
        store_out(yb, j, m, apply_binary(OP, load_in(ab, ia, j, m), load_in(bb, ib, j, m)));
    }
    out.put(i0, m);
  }
}

typedef void (*BinaryRow)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);
static const BinaryRow kBinary[BIN_COUNT] = {
    binary_t<B_ADD>, binary_t<B_SUB>, binary_t<B_MUL>, binary_t<B_DIV>, binary_t<B_POW>,
    binary_t<B_MAX>, binary_t<B_MIN>, binary_t<B_EQ>,  binary_t<B_NE>,  binary_t<B_LT>,
    binary_t<B_LE>,  binary_t<B_GT>,  binary_t<B_GE>,
};

static void binary(int op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t sy) {
  kBinary[op](n, a, sa, b, sb, y, sy);
}

static void where(int64_t n, const float* c, int64_t sc, const float* a, int64_t sa, const float* b, int64_t sb, float* y,
                  int64_t sy) {
  In ic{c, sc}, ia{a, sa}, ib{b, sb};
  Out out{y, sy};
  for (int64_t i0 = 0; i0 < n; i0 += BLK) {
    int64_t m = imin(BLK, n - i0);
    const float* cb = ic.get(i0, m);
    const float* ab = ia.get(i0, m);
    const float* bb = ib.get(i0, m);
    float* yb = out.get(i0);
    for (int64_t j = 0; j < m; j += W) {
      vf cv = load_in(cb, ic, j, m);
      store_out(yb, j, m, vselect(vne(cv, vzero()), load_in(ab, ia, j, m), load_in(bb, ib, j, m)));
    }
    out.put(i0, m);
  }
}

void fill_elementwise(KernelTable* t) {
  t->unary = unary;
  t->unary_grad = unary_grad;
  t->binary = binary;
  t->where = where;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
