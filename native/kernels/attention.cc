// Fused scaled dot-product attention, flash style: the (T, S) score matrix is
// never materialised. Queries are processed in blocks of BQ rows against key
// blocks of BK keys; each block's scores S = Q K^T live in a BQ x BK tile, an
// online softmax (running max m and sum l per row) rescales the running output,
// and O += P V. Memory is O(BQ * (BK + D)) per thread, independent of the
// sequence length (the inputs and outputs themselves are linear in it).
//
// The block products use the packed GEMM (gemm.cc) on the tiles, so attention
// runs at matmul speed rather than at dot-product speed.
//
// Grouped-query attention: the G = Hq / Hkv query heads sharing a kv head are
// stacked into G*T rows, so a decode step (T = 1) reads each key and value once
// for the whole group. Causal masking is aligned to the end (query t sits at
// position S - T + t), a sliding window keeps keys with pos - j < window, and an
// optional additive mask is read through broadcast strides.
//
// The backward (FlashAttention-2) recomputes P = exp(S - lse) per tile and forms
// dV += P^T dO, dP = dO V^T, dS = P (dP - rowsum(dO * O)), dQ += dS K, dK += dS^T Q.
// One task owns a (batch, kv head): every gradient it writes is its own.
#include "../kernels.h"
#include "../pool.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

void gemm_tile(const GemmArgs* g, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// Query rows per block and keys per tile: forward tiles are wider (fewer
// online-softmax rescales per row); the backward keeps five 64 x 64 products per tile.
static const int64_t BQ = 64, BK = 128, BKB = 64;

// C (m x n) (+)= A @ B on small tiles, single-threaded.
static void mm(int64_t m, int64_t n, int64_t k, const float* A, int64_t sam, int64_t sak, const float* B, int64_t sbk,
               int64_t sbn, float* C, int64_t scm, int beta) {
  GemmArgs g;
  g.M = m;
  g.N = n;
  g.K = k;
  g.A = A;
  g.sam = sam;
  g.sak = sak;
  g.B = B;
  g.sbk = sbk;
  g.sbn = sbn;
  g.btype = B_F32;
  g.C = C;
  g.scm = scm;
  g.scn = 1;
  g.beta = beta;
  gemm_tile(&g, 0, m, 0, n);
}

// The keys query position t may see: [lo, hi] (empty when hi < lo).
static inline void key_range(const AttnArgs* a, int64_t t, int64_t* lo, int64_t* hi) {
  int64_t pos = a->S - a->T + t;
  *hi = a->causal ? imin(pos, a->S - 1) : a->S - 1;
  *lo = a->window > 0 ? imax(0, pos - a->window + 1) : 0;
}

// Scores of one tile row: s = raw * scale + mask, -inf outside [lo, hi].
static void score_row(const AttnArgs* a, float* s, int64_t nk, int64_t j0, int64_t lo, int64_t hi, const float* mrow) {
  const vf sc = vset1(a->scale);
  for (int64_t j = 0; j < nk; j += W) {
    int cnt = (int)imin(W, nk - j);
    vf v = vmul(vloadn(s + j, cnt), sc);
    vstoren(s + j, v, cnt);
  }
  if (mrow) {
    const int64_t ms = a->sm[3];
    if (ms == 1) {
      for (int64_t j = 0; j < nk; j += W) {
        int cnt = (int)imin(W, nk - j);
        vstoren(s + j, vadd(vloadn(s + j, cnt), vloadn(mrow + j0 + j, cnt)), cnt);
      }
    } else {
      for (int64_t j = 0; j < nk; j++) s[j] += mrow[(j0 + j) * ms];
    }
  }
  for (int64_t j = 0; j < nk && j0 + j < lo; j++) s[j] = -INFINITY;
  for (int64_t j = imax(0, hi + 1 - j0); j < nk; j++) s[j] = -INFINITY;
}

static inline const float* mask_row(const AttnArgs* a, int64_t b, int64_t h, int64_t t) {
  return a->mask ? a->mask + b * a->sm[0] + h * a->sm[1] + t * a->sm[2] : nullptr;
}

// ---------------------------------------------------------------- forward

static void attention_fwd(const AttnArgs* a, int64_t b, int64_t hk, int64_t r0, int64_t r1) {
  const int64_t D = a->D, T = a->T, G = a->Hq / a->Hkv, nr = r1 - r0;
  float* Q = (float*)pool_scratch(3, (size_t)(BQ * D) * sizeof(float));
  float* O = (float*)pool_scratch(4, (size_t)(BQ * D) * sizeof(float));
  float* P = (float*)pool_scratch(5, (size_t)(BQ * BK + 4 * BQ) * sizeof(float));
  float* m = P + BQ * BK;
  float* l = m + BQ;
  int64_t lo[BQ], hi[BQ], hd[BQ], tt[BQ];
  int64_t kmin = a->S, kmax = -1;
  for (int64_t r = 0; r < nr; r++) {
    int64_t h = hk * G + (r0 + r) / T, t = (r0 + r) % T;
    hd[r] = h;
    tt[r] = t;
    key_range(a, t, &lo[r], &hi[r]);
    if (lo[r] <= hi[r]) {
      kmin = imin(kmin, lo[r]);
      kmax = imax(kmax, hi[r]);
    }
    memcpy(Q + r * D, a->q + b * a->sq[0] + h * a->sq[1] + t * a->sq[2], (size_t)D * sizeof(float));
    m[r] = -INFINITY;
    l[r] = 0.0f;
  }
  memset(O, 0, (size_t)(nr * D) * sizeof(float));
  const float* kb = a->k + b * a->sk[0] + hk * a->sk[1];
  const float* vb = a->v + b * a->sv[0] + hk * a->sv[1];
  for (int64_t j0 = kmin; j0 <= kmax; j0 += BK) {
    const int64_t nk = imin(BK, kmax + 1 - j0);
    // S = Q K_j^T: B(d, j) = K[j0 + j, d].
    mm(nr, nk, D, Q, D, 1, kb + j0 * a->sk[2], 1, a->sk[2], P, BK, 0);
    for (int64_t r = 0; r < nr; r++) {
      float* s = P + r * BK;
      score_row(a, s, nk, j0, lo[r], hi[r], mask_row(a, b, hd[r], tt[r]));
      vf mx = vset1(-INFINITY);
      int64_t j = 0;
      for (; j + W <= nk; j += W) mx = vmaxf(mx, vload(s + j));
      float bm = vhmax(mx);
      for (; j < nk; j++) bm = s[j] > bm ? s[j] : bm;
      float mn = bm > m[r] ? bm : m[r];
      if (mn == -INFINITY) {
        // Nothing visible yet in this row: contributes nothing.
        memset(s, 0, (size_t)nk * sizeof(float));
        continue;
      }
      float alpha = expf(m[r] - mn);
      vf vmn = vset1(mn), sum = vzero();
      for (j = 0; j < nk; j += W) {
        int cnt = (int)imin(W, nk - j);
        vf p = vexp(vsub(vloadn(s + j, cnt), vmn));
        if (cnt < W) p = vkeep(p, cnt);
        vstoren(s + j, p, cnt);
        sum = vadd(sum, p);
      }
      l[r] = l[r] * alpha + vhsum(sum);
      m[r] = mn;
      if (alpha != 1.0f) {
        vf va = vset1(alpha);
        float* o = O + r * D;
        for (int64_t d = 0; d < D; d += W) {
          int cnt = (int)imin(W, D - d);
          vstoren(o + d, vmul(vloadn(o + d, cnt), va), cnt);
        }
      }
    }
    // O += P V_j: B(j, d) = V[j0 + j, d].
    mm(nr, D, nk, P, BK, 1, vb + j0 * a->sv[2], a->sv[2], 1, O, D, 1);
  }
  for (int64_t r = 0; r < nr; r++) {
    float* dst = a->out + b * a->so[0] + hd[r] * a->so[1] + tt[r] * a->so[2];
    const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
    const vf vi = vset1(inv);
    for (int64_t d = 0; d < D; d += W) {
      int cnt = (int)imin(W, D - d);
      vstoren(dst + d, vmul(vloadn(O + r * D + d, cnt), vi), cnt);
    }
    if (a->lse) a->lse[(b * a->Hq + hd[r]) * T + tt[r]] = l[r] > 0.0f ? m[r] + logf(l[r]) : -INFINITY;
  }
}

// ---------------------------------------------------------------- backward

static void zero_rows(float* base, int64_t st, int64_t rows, int64_t D) {
  for (int64_t r = 0; r < rows; r++) memset(base + r * st, 0, (size_t)D * sizeof(float));
}

static void attention_bwd(const AttnArgs* a, int64_t b, int64_t hk) {
  const int64_t D = a->D, T = a->T, S = a->S, G = a->Hq / a->Hkv;
  float* P = (float*)pool_scratch(3, (size_t)(BQ * BKB) * sizeof(float));
  float* dP = (float*)pool_scratch(4, (size_t)(BQ * BKB) * sizeof(float));
  float* Di = (float*)pool_scratch(5, (size_t)(G * T) * sizeof(float));
  // Di[h, t] = sum_d dO[t, d] O[t, d]; dQ starts at 0.
  for (int64_t g = 0; g < G; g++) {
    const int64_t h = hk * G + g;
    for (int64_t t = 0; t < T; t++) {
      const float* go = a->gout + b * a->sg[0] + h * a->sg[1] + t * a->sg[2];
      const float* o = a->out + b * a->so[0] + h * a->so[1] + t * a->so[2];
      vf acc = vzero();
      for (int64_t d = 0; d < D; d += W) {
        int cnt = (int)imin(W, D - d);
        acc = vfma(vloadn(go + d, cnt), vloadn(o + d, cnt), acc);
      }
      Di[g * T + t] = vhsum(acc);
    }
    zero_rows(a->gq + b * a->sgq[0] + h * a->sgq[1], a->sgq[2], T, D);
  }
  const float* kb = a->k + b * a->sk[0] + hk * a->sk[1];
  const float* vb = a->v + b * a->sv[0] + hk * a->sv[1];
  float* gkb = a->gk + b * a->sgk[0] + hk * a->sgk[1];
  float* gvb = a->gv + b * a->sgv[0] + hk * a->sgv[1];
  for (int64_t j0 = 0; j0 < S; j0 += BKB) {
    const int64_t nk = imin(BKB, S - j0);
    float* gk = gkb + j0 * a->sgk[2];
    float* gv = gvb + j0 * a->sgv[2];
    zero_rows(gk, a->sgk[2], nk, D);
    zero_rows(gv, a->sgv[2], nk, D);
    const float* kj = kb + j0 * a->sk[2];
    const float* vj = vb + j0 * a->sv[2];
    for (int64_t g = 0; g < G; g++) {
      const int64_t h = hk * G + g;
      const float* lse = a->lse + (b * a->Hq + h) * T;
      for (int64_t i0 = 0; i0 < T; i0 += BQ) {
        const int64_t nq = imin(BQ, T - i0);
        // Skip blocks that see none of these keys (ranges move monotonically with t).
        int64_t lo0, hi0, lo1, hi1;
        key_range(a, i0, &lo0, &hi0);
        key_range(a, i0 + nq - 1, &lo1, &hi1);
        if (hi1 < j0 || lo0 > j0 + nk - 1) continue;
        const float* qi = a->q + b * a->sq[0] + h * a->sq[1] + i0 * a->sq[2];
        const float* goi = a->gout + b * a->sg[0] + h * a->sg[1] + i0 * a->sg[2];
        float* gqi = a->gq + b * a->sgq[0] + h * a->sgq[1] + i0 * a->sgq[2];
        // P = exp(Q K^T * scale + mask - lse), 0 outside each row's key range.
        mm(nq, nk, D, qi, a->sq[2], 1, kj, 1, a->sk[2], P, BKB, 0);
        bool any = false;
        for (int64_t r = 0; r < nq; r++) {
          float* s = P + r * BKB;
          const float L = lse[i0 + r];
          int64_t lo, hi;
          key_range(a, i0 + r, &lo, &hi);
          if (L == -INFINITY || hi < j0 || lo > j0 + nk - 1) {
            memset(s, 0, (size_t)nk * sizeof(float));
            continue;
          }
          any = true;
          score_row(a, s, nk, j0, lo, hi, mask_row(a, b, h, i0 + r));
          const vf vl = vset1(L);
          for (int64_t j = 0; j < nk; j += W) {
            int cnt = (int)imin(W, nk - j);
            vstoren(s + j, vexp(vsub(vloadn(s + j, cnt), vl)), cnt);
          }
        }
        if (!any) continue;
        // dV_j += P^T dO_i: A(j, i) = P[i, j].
        mm(nk, D, nq, P, 1, BKB, goi, a->sg[2], 1, gv, a->sgv[2], 1);
        // dP = dO_i V_j^T: B(d, j) = V[j0 + j, d].
        mm(nq, nk, D, goi, a->sg[2], 1, vj, 1, a->sv[2], dP, BKB, 0);
        // dS = P (dP - Di) * scale, written over P.
        const vf sc = vset1(a->scale);
        for (int64_t r = 0; r < nq; r++) {
          float* s = P + r * BKB;
          const float* dp = dP + r * BKB;
          const vf di = vset1(Di[g * T + i0 + r]);
          for (int64_t j = 0; j < nk; j += W) {
            int cnt = (int)imin(W, nk - j);
            vstoren(s + j, vmul(vmul(vloadn(s + j, cnt), vsub(vloadn(dp + j, cnt), di)), sc), cnt);
          }
        }
        // dQ_i += dS K_j;  dK_j += dS^T Q_i.
        mm(nq, D, nk, P, BKB, 1, kj, a->sk[2], 1, gqi, a->sgq[2], 1);
        mm(nk, D, nq, P, 1, BKB, qi, a->sq[2], 1, gk, a->sgk[2], 1);
      }
    }
  }
}

// ---------------------------------------------------------------- decode

// One query position t against its keys, for the G query heads of kv head hk,
// without tiles: each key and value row is read once for the whole group
// (scores by dot products, an exact softmax over the visible keys, then
// out += p v row by row). No additive mask (callers use attention_fwd for one).
// Meant for decode steps, where a tile of one query row would cost more in
// packing than the products themselves.
static void attention_decode(const AttnArgs* a, int64_t b, int64_t hk, int64_t t) {
  const int64_t D = a->D, G = a->Hq / a->Hkv;
  int64_t lo, hi;
  key_range(a, t, &lo, &hi);
  const int64_t n = hi - lo + 1;
  if (n <= 0) {
    for (int64_t g = 0; g < G; g++) memset(a->out + b * a->so[0] + (hk * G + g) * a->so[1] + t * a->so[2], 0, (size_t)D * sizeof(float));
    return;
  }
  float* S = (float*)pool_scratch(3, (size_t)(G * n) * sizeof(float));
  const float* kb = a->k + b * a->sk[0] + hk * a->sk[1] + lo * a->sk[2];
  const float* vb = a->v + b * a->sv[0] + hk * a->sv[1] + lo * a->sv[2];
  const float* qs[64];
  float* os[64];
  float inv[64];
  for (int64_t g0 = 0; g0 < G; g0 += 64) {
    const int64_t gn = imin(64, G - g0);
    for (int64_t g = 0; g < gn; g++) {
      const int64_t h = hk * G + g0 + g;
      qs[g] = a->q + b * a->sq[0] + h * a->sq[1] + t * a->sq[2];
      os[g] = a->out + b * a->so[0] + h * a->so[1] + t * a->so[2];
    }
    for (int64_t j = 0; j < n; j++) {
      const float* kr = kb + j * a->sk[2];
      for (int64_t g = 0; g < gn; g++) {
        vf acc = vzero();
        for (int64_t d = 0; d < D; d += W) {
          const int cnt = (int)imin(W, D - d);
          acc = vfma(vloadn(qs[g] + d, cnt), vloadn(kr + d, cnt), acc);
        }
        S[g * n + j] = vhsum(acc) * a->scale;
      }
    }
    for (int64_t g = 0; g < gn; g++) {
      float* s = S + g * n;
      float m = -INFINITY;
      for (int64_t j = 0; j < n; j++) m = s[j] > m ? s[j] : m;
      const vf vm = vset1(m);
      vf sum = vzero();
      for (int64_t j = 0; j < n; j += W) {
        const int cnt = (int)imin(W, n - j);
        vf p = vexp(vsub(vloadn(s + j, cnt), vm));
        if (cnt < W) p = vkeep(p, cnt);
        vstoren(s + j, p, cnt);
        sum = vadd(sum, p);
      }
      inv[g] = 1.0f / vhsum(sum);
      memset(os[g], 0, (size_t)D * sizeof(float));
    }
    for (int64_t j = 0; j < n; j++) {
      const float* vr = vb + j * a->sv[2];
      for (int64_t g = 0; g < gn; g++) {
        const vf p = vset1(S[g * n + j]);
        float* o = os[g];
        for (int64_t d = 0; d < D; d += W) {
          const int cnt = (int)imin(W, D - d);
          vstoren(o + d, vfma(p, vloadn(vr + d, cnt), vloadn(o + d, cnt)), cnt);
        }
      }
    }
    // Normalised at the end, as attention_fwd does.
    for (int64_t g = 0; g < gn; g++) {
      const vf vi = vset1(inv[g]);
      for (int64_t d = 0; d < D; d += W) {
        const int cnt = (int)imin(W, D - d);
        vstoren(os[g] + d, vmul(vloadn(os[g] + d, cnt), vi), cnt);
      }
    }
  }
}

void fill_attention(KernelTable* t) {
  t->attention_fwd = attention_fwd;
  t->attention_decode = attention_decode;
  t->attention_bwd = attention_bwd;
  t->attention_block = (int)BQ;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
