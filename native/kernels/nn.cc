// Fused row kernels over the last axis: softmax, log-softmax, LayerNorm,
// RMSNorm (each with its backward), cross-entropy and rotary embedding. Rows
// arrive contiguous (the glue gathers strided rows first), so every pass is a
// unit-stride vector loop; each kernel reads its row at most three times, all
// from L1 for rows up to a few thousand elements.
#include "../kernels.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

// ---------------------------------------------------------------- helpers

LMKIT_INLINE vf ld(const float* p, int64_t i, int64_t n) { return n - i >= W ? vload(p + i) : vloadn(p + i, (int)(n - i)); }
LMKIT_INLINE void st(float* p, int64_t i, int64_t n, vf v) {
  if (n - i >= W)
    vstore(p + i, v);
  else
    vstoren(p + i, v, (int)(n - i));
}

// Max of a row, NaN-propagating like Math.max.
static float row_max(int64_t n, const float* x) {
  vf m = vset1(-INFINITY);
  int64_t i = 0;
  for (; i + W <= n; i += W) m = vmax(vload(x + i), m);
  float lanes[W];
  vstore(lanes, m);
  float r = -INFINITY;
  for (int j = 0; j < W; j++) r = (lanes[j] > r || lanes[j] != lanes[j]) && r == r ? lanes[j] : r;
  for (; i < n; i++) r = (x[i] > r || x[i] != x[i]) && r == r ? x[i] : r;
  return r;
}

static float row_sum(int64_t n, const float* x) {
  vf a0 = vzero(), a1 = vzero();
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 = vadd(a0, vload(x + i));
    a1 = vadd(a1, vload(x + i + W));
  }
  for (; i < n; i += W) a0 = vadd(a0, ld(x, i, n));
  return vhsum(vadd(a0, a1));
}

static float row_dot(int64_t n, const float* a, const float* b) {
  vf a0 = vzero(), a1 = vzero();
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 = vfma(vload(a + i), vload(b + i), a0);
    a1 = vfma(vload(a + i + W), vload(b + i + W), a1);
  }
  for (; i < n; i += W) a0 = vfma(ld(a, i, n), ld(b, i, n), a0);
  return vhsum(vadd(a0, a1));
}

// y = exp(x - m), returns sum(y). y may be null (sum only).
static float exp_shift_sum(int64_t n, const float* x, float m, float* y) {
  vf vm = vset1(m), acc = vzero();
  for (int64_t i = 0; i < n; i += W) {
    vf e = vexp(vsub(ld(x, i, n), vm));
    if (n - i < W) e = vkeep(e, (int)(n - i));  // lanes past n loaded 0 and gave exp(-m)
    if (y) st(y, i, n, e);
    acc = vadd(acc, e);
  }
  return vhsum(acc);
}

// ---------------------------------------------------------------- softmax

static void softmax_row(int64_t n, const float* x, float* y) {
  float m = row_max(n, x);
  float s = exp_shift_sum(n, x, m, y);
  vf inv = vset1(1.0f / s);
  for (int64_t i = 0; i < n; i += W) st(y, i, n, vmul(ld(y, i, n), inv));
}

// gx = y * (gy - sum(gy * y))
static void softmax_bwd_row(int64_t n, const float* y, const float* gy, float* gx) {
  vf d = vset1(row_dot(n, gy, y));
  for (int64_t i = 0; i < n; i += W) st(gx, i, n, vmul(ld(y, i, n), vsub(ld(gy, i, n), d)));
}

static void log_softmax_row(int64_t n, const float* x, float* y) {
  float m = row_max(n, x);
  float s = exp_shift_sum(n, x, m, nullptr);
  vf lse = vset1(m + logf(s));
  for (int64_t i = 0; i < n; i += W) st(y, i, n, vsub(ld(x, i, n), lse));
}

// gx = gy - exp(y) * sum(gy)
static void log_softmax_bwd_row(int64_t n, const float* y, const float* gy, float* gx) {
  vf s = vset1(row_sum(n, gy));
  for (int64_t i = 0; i < n; i += W) st(gx, i, n, vsub(ld(gy, i, n), vmul(vexp(ld(y, i, n)), s)));
}

// ---------------------------------------------------------------- norms

// y = (x - mean) * rstd * w + b (w, b may be null); two passes for a stable variance.
static void layer_norm_row(int64_t n, const float* x, const float* w, const float* b, float eps, float* y, float* mean,
                           float* rstd) {
  float mu = row_sum(n, x) / (float)n;
  vf vmu = vset1(mu), acc = vzero();
  for (int64_t i = 0; i < n; i += W) {
    vf d = vsub(ld(x, i, n), vmu);
    if (n - i < W) d = vkeep(d, (int)(n - i));
    acc = vfma(d, d, acc);
  }
  float var = vhsum(acc) / (float)n;
  float rs = 1.0f / sqrtf(var + eps);
  *mean = mu;
  *rstd = rs;
  vf vrs = vset1(rs);
  for (int64_t i = 0; i < n; i += W) {
    vf v = vmul(vsub(ld(x, i, n), vmu), vrs);
    if (w) v = vmul(v, ld(w, i, n));
    if (b) v = vadd(v, ld(b, i, n));
    st(y, i, n, v);
  }
}

// xhat = (x - mean) rstd, dxhat = gy w:
// gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)); gw += gy xhat; gb += gy.
static void layer_norm_bwd_row(int64_t n, const float* gy, const float* x, const float* w, float mean, float rstd,
                               float* gx, float* gw, float* gb) {
  vf vmu = vset1(mean), vrs = vset1(rstd), s1 = vzero(), s2 = vzero();
  for (int64_t i = 0; i < n; i += W) {
    vf g = ld(gy, i, n);
    vf xh = vmul(vsub(ld(x, i, n), vmu), vrs);
    vf dxh = w ? vmul(g, ld(w, i, n)) : g;
    s1 = vadd(s1, dxh);
    s2 = vfma(dxh, xh, s2);
    if (gw) st(gw, i, n, vfma(g, xh, ld(gw, i, n)));
    if (gb) st(gb, i, n, vadd(ld(gb, i, n), g));
  }
  // Tail lanes: g = 0 there, so dxh = 0 and they add nothing.
  vf m1 = vset1(vhsum(s1) / (float)n), m2 = vset1(vhsum(s2) / (float)n);
  for (int64_t i = 0; i < n; i += W) {
    vf g = ld(gy, i, n);
    vf xh = vmul(vsub(ld(x, i, n), vmu), vrs);
    vf dxh = w ? vmul(g, ld(w, i, n)) : g;
    st(gx, i, n, vmul(vrs, vsub(vsub(dxh, m1), vmul(xh, m2))));
  }
}

// y = x rstd w, rstd = 1/sqrt(mean(x^2) + eps).
static void rms_norm_row(int64_t n, const float* x, const float* w, float eps, float* y, float* rstd) {
  float rs = 1.0f / sqrtf(row_dot(n, x, x) / (float)n + eps);
  *rstd = rs;
  vf vrs = vset1(rs);
  for (int64_t i = 0; i < n; i += W) {
    vf v = vmul(ld(x, i, n), vrs);
    if (w) v = vmul(v, ld(w, i, n));
    st(y, i, n, v);
  }
}

// dxhat = gy w: gx = rstd (dxhat - x rstd^2 mean(dxhat x)); gw += gy x rstd.
static void rms_norm_bwd_row(int64_t n, const float* gy, const float* x, const float* w, float rstd, float* gx,
                             float* gw) {
  vf vrs = vset1(rstd), dot = vzero();
  for (int64_t i = 0; i < n; i += W) {
    vf g = ld(gy, i, n), xv = ld(x, i, n);
    vf dxh = w ? vmul(g, ld(w, i, n)) : g;
    dot = vfma(dxh, xv, dot);
    if (gw) st(gw, i, n, vfma(vmul(g, xv), vrs, ld(gw, i, n)));
  }
  vf cc = vset1(rstd * rstd * vhsum(dot) / (float)n);
  for (int64_t i = 0; i < n; i += W) {
    vf g = ld(gy, i, n), xv = ld(x, i, n);
    vf dxh = w ? vmul(g, ld(w, i, n)) : g;
    st(gx, i, n, vmul(vrs, vsub(dxh, vmul(xv, cc))));
  }
}

// ---------------------------------------------------------------- cross-entropy

// One row of logits: lse, and the loss against target t with label smoothing eps.
// loss = lse - (1 - eps) x[t] - (eps / V) sum(x).
static void cross_entropy_row(int64_t V, const float* x, int32_t t, float eps, float* lse, float* loss) {
  float m = row_max(V, x);
  float s = exp_shift_sum(V, x, m, nullptr);
  float l = m + logf(s);
  *lse = l;
  if (loss) *loss = l - (1.0f - eps) * x[t] - (eps > 0.0f ? eps / (float)V * row_sum(V, x) : 0.0f);
}

// g = (softmax(x) - ((1 - eps) onehot(t) + eps / V)) * gloss.
static void cross_entropy_bwd_row(int64_t V, const float* x, int32_t t, float eps, float lse, float gloss, float* g) {
  vf vl = vset1(lse), vg = vset1(gloss), u = vset1(eps / (float)V);
  for (int64_t i = 0; i < V; i += W) st(g, i, V, vmul(vsub(vexp(vsub(ld(x, i, V), vl)), u), vg));
  g[t] -= (1.0f - eps) * gloss;
}

// ---------------------------------------------------------------- rope

// Rotate-half rotation of one head row: x and y may alias (both halves are
// loaded before either is stored). sgn is +1, or -1 for the inverse rotation.
static void rope_row(int64_t half, const float* x, const float* c, const float* s, float sgn, float* y) {
  vf vs = vset1(sgn);
  for (int64_t i = 0; i < half; i += W) {
    vf x1 = ld(x, i, half), x2 = ld(x + half, i, half);
    vf cv = ld(c, i, half), sv = vmul(ld(s, i, half), vs);
    vf y1 = vsub(vmul(x1, cv), vmul(x2, sv));
    vf y2 = vfma(x1, sv, vmul(x2, cv));
    st(y, i, half, y1);
    st(y + half, i, half, y2);
  }
}

void fill_nn(KernelTable* t) {
  t->softmax_row = softmax_row;
  t->softmax_bwd_row = softmax_bwd_row;
  t->log_softmax_row = log_softmax_row;
  t->log_softmax_bwd_row = log_softmax_bwd_row;
  t->layer_norm_row = layer_norm_row;
  t->layer_norm_bwd_row = layer_norm_bwd_row;
  t->rms_norm_row = rms_norm_row;
  t->rms_norm_bwd_row = rms_norm_bwd_row;
  t->cross_entropy_row = cross_entropy_row;
  t->cross_entropy_bwd_row = cross_entropy_bwd_row;
  t->rope_row = rope_row;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
