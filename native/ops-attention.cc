// attention / attentionBackward: view decoding and the parallel split. The
// forward splits (batch, kv head, block of stacked query rows); the backward
// splits (batch, kv head), the unit that owns its dK and dV rows.
#include <stdio.h>

#include "ops.h"
#include "pool.h"

namespace lmkit {
namespace {

bool head_view(Call& c, const View& v, int64_t* st, const char* what) {
  if (v.type != napi_float32_array || v.nd != 4 || v.strides[3] != 1) {
    char msg[128];
    snprintf(msg, sizeof msg, "lmkit native attention: %s must be f32 (B, H, T, D) with unit last stride", what);
    c.fail("TypeError", msg);
    return false;
  }
  st[0] = v.strides[0];
  st[1] = v.strides[1];
  st[2] = v.strides[2];
  return true;
}

// Common decoding: args scale, causal, window (0 none), hasMask; views q, k, v, out, then
// (forward) lse?, mask? or (backward) lse, gout, gq, gk, gv, mask?.
bool decode(Call& c, bool backward, AttnArgs* a, View* keep) {
  a->scale = (float)c.num();
  a->causal = (int)c.num();
  a->window = c.integer();
  View q = c.view(0), k = c.view(1), v = c.view(2), out = c.view(3);
  View lse, mask, gout, gq, gk, gv;
  if (!backward) {
    lse = c.view(4, true);
    mask = c.view(5, true);
  } else {
    lse = c.view(4);
    gout = c.view(5);
    gq = c.view(6);
    gk = c.view(7);
    gv = c.view(8);
    mask = c.view(9, true);
  }
  if (!c.ok) return false;
  if (!head_view(c, q, a->sq, "q") || !head_view(c, k, a->sk, "k") || !head_view(c, v, a->sv, "v") ||
      !head_view(c, out, a->so, "out"))
    return false;
  a->B = q.shape[0];
  a->Hq = q.shape[1];
  a->T = q.shape[2];
  a->D = q.shape[3];
  a->Hkv = k.shape[1];
  a->S = k.shape[2];
  if (a->Hkv <= 0 || a->Hq % a->Hkv || k.shape[3] != a->D || v.shape[2] != a->S || v.shape[1] != a->Hkv ||
      out.shape[2] != a->T) {
    c.fail("RangeError", "lmkit native attention: q, k, v shapes do not agree");
    return false;
  }
  a->q = q.f32();
  a->k = k.f32();
  a->v = v.f32();
  a->out = out.f32();
  a->lse = nullptr;
  if (lse.present) {
    if (lse.type != napi_float32_array || !lse.contiguous() || lse.numel() != a->B * a->Hq * a->T) {
      c.fail("TypeError", "lmkit native attention: lse must be contiguous f32 (B, Hq, T)");
      return false;
    }
    a->lse = lse.f32();
  }
  a->mask = nullptr;
  if (mask.present) {
    if (mask.type != napi_float32_array || mask.nd > 4) {
      c.fail("TypeError", "lmkit native attention: mask must be f32 with at most 4 dims");
      return false;
    }
    for (int d = 0; d < 4; d++) a->sm[d] = 0;
    for (int d = 0; d < mask.nd; d++) {
      int dd = 4 - mask.nd + d;
      a->sm[dd] = mask.shape[d] == 1 ? 0 : mask.strides[d];
    }
    a->mask = mask.f32();
  }
  if (backward) {
    if (!head_view(c, gout, a->sg, "gout") || !head_view(c, gq, a->sgq, "gq") || !head_view(c, gk, a->sgk, "gk") ||
        !head_view(c, gv, a->sgv, "gv"))
      return false;
    a->gout = gout.f32();
    a->gq = gq.f32();
    a->gk = gk.f32();
    a->gv = gv.f32();
  }
  (void)keep;
  return true;
}

}  // namespace

napi_value js_attention(napi_env env, napi_callback_info info) {
  Call c(env, info);
  AttnArgs a;
  if (!decode(c, false, &a, nullptr)) return nullptr;
  const int64_t G = a.Hq / a.Hkv, rows = G * a.T, blk = c.K->attention_block;
  const int64_t nblk = (rows + blk - 1) / blk, ntasks = a.B * a.Hkv * nblk;
  if (ntasks == 0 || a.D == 0) return nullptr;
  const double work = (double)a.B * a.Hq * a.T * a.S * a.D;
  const KernelTable* K = c.K;
  parallel_for(ntasks, work < 2e5 ? 1 : c.threads, [&](int64_t t, int) {
    int64_t bi = t / (a.Hkv * nblk), hk = (t / nblk) % a.Hkv, r0 = (t % nblk) * blk;
    K->attention_fwd(&a, bi, hk, r0, r0 + blk < rows ? r0 + blk : rows);
  });
  return nullptr;
}

napi_value js_attention_backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  AttnArgs a;
  if (!decode(c, true, &a, nullptr)) return nullptr;
  const int64_t ntasks = a.B * a.Hkv;
  if (ntasks == 0 || a.D == 0) return nullptr;
  const double work = (double)a.B * a.Hq * a.T * a.S * a.D;
  const KernelTable* K = c.K;
  parallel_for(ntasks, work < 1e5 ? 1 : c.threads, [&](int64_t t, int) { K->attention_bwd(&a, t / a.Hkv, t % a.Hkv); });
  return nullptr;
}

}  // namespace lmkit
