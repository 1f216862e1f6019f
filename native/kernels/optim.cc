// In-place optimizer updates (AdamW, SGD) and dropout: one streaming pass over
// contiguous buffers, each element read and written once, so these run at
// memory bandwidth. Constants (bias corrections, decay factor) are computed by
// the glue once per call.
#include "../kernels.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

LMKIT_INLINE vf ld(const float* p, int64_t i, int64_t n) { return n - i >= W ? vload(p + i) : vloadn(p + i, (int)(n - i)); }
LMKIT_INLINE void st(float* p, int64_t i, int64_t n, vf v) {
  if (n - i >= W)
    vstore(p + i, v);
  else
    vstoren(p + i, v, (int)(n - i));
}

// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p = p * decay - lr_c * m / (sqrt(v / bc2) + eps), with lr_c = lr / bc1.
static void adamw(int64_t n, float* p, const float* g, float* m, float* v, const AdamWConsts* c) {
  const vf b1 = vset1(c->beta1), nb1 = vset1(1.0f - c->beta1), b2 = vset1(c->beta2), nb2 = vset1(1.0f - c->beta2);
  const vf decay = vset1(c->decay), lrc = vset1(c->lr_c), ibc2 = vset1(c->inv_bc2), eps = vset1(c->eps);
  for (int64_t i = 0; i < n; i += W) {
    vf gi = ld(g, i, n);
    vf mi = vfma(b1, ld(m, i, n), vmul(nb1, gi));
    vf vi = vfma(b2, ld(v, i, n), vmul(nb2, vmul(gi, gi)));
    st(m, i, n, mi);
    st(v, i, n, vi);
    vf den = vadd(vsqrt(vmul(vi, ibc2)), eps);
    st(p, i, n, vsub(vmul(ld(p, i, n), decay), vdiv(vmul(lrc, mi), den)));
  }
}

// d = g + wd p; with momentum: buf = mom buf + (1 - damp) d, d = nesterov ? d + mom buf : buf; p -= lr d.
static void sgd(int64_t n, float* p, const float* g, float* buf, const SgdConsts* c) {
  const vf wd = vset1(c->weight_decay), lr = vset1(c->lr), mom = vset1(c->momentum), nd = vset1(1.0f - c->dampening);
  for (int64_t i = 0; i < n; i += W) {
    vf pi = ld(p, i, n);
    vf d = vfma(wd, pi, ld(g, i, n));
    if (buf) {
      vf b = vfma(mom, ld(buf, i, n), vmul(nd, d));
      st(buf, i, n, b);
      d = c->nesterov ? vfma(mom, b, d) : b;
    }
    st(p, i, n, vsub(pi, vmul(lr, d)));
  }
}

// Counter-based dropout: element i (global index start + i) is kept iff
// hash(seed, i) >= threshold, and scaled. Same hash as dropoutHash in backend.ts.
static void dropout(int64_t n, const float* x, int64_t sx, uint64_t start, uint32_t seed, uint64_t threshold, float scale,
                    float* y) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t h = (uint32_t)(start + (uint64_t)i) * 0x9e3779b1u + seed;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    y[i] = (uint64_t)h >= threshold ? x[i * sx] * scale : 0.0f;
  }
}

void fill_optim(KernelTable* t) {
  t->adamw = adamw;
  t->sgd = sgd;
  t->dropout = dropout;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
