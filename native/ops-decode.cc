// The fused decode step of Llama-family decoders: every layer of a step over a
// ragged batch of new rows in one native call, with the activations in buffers
// the plan owns and the keys and values written straight into each sequence's
// cache. It computes exactly what the per-op path computes (src/models/llama/
// model.ts: the same row kernels, the same linear_any products, the same
// attention kernel), minus the tensor objects, op dispatch and the ~18 kernel
// calls per layer that path makes from JavaScript.
//
// Two-thread scaling: the Q, K and V products read the same normalised rows,
// and so do gate and up, so each group runs as one parallel region over the
// concatenated output rows (one pool hand-off instead of three, and the
// activations are quantised to q8_0 once). The small row ops between the
// products (norms, rope, cache append, activation) run on the calling thread
// while the pool's workers spin, so no worker falls asleep mid-step.
//
// A plan holds the weights of every layer: pointers into the weight buffers,
// kept alive by references, plus the x8 repacked copies of quantized matrices.
// JavaScript builds it once per model (decodePlan, then decodePlanLayer per
// layer) and checks on each step that the model still holds those weights.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <initializer_list>
#include <vector>

#include "ops.h"
#include "pool.h"

namespace lmkit {
namespace {

// Below this many weight bytes a product group runs on the calling thread.
const double kParallelBytes = 128e3;
// Attention below this much work (heads x queries x keys x head dim) runs on the calling thread.
const double kAttnWork = 2e5;
// Segments of up to this many new rows use the one-query attention kernel.
const int64_t kDecodeRows = 4;

struct Mat {
  const void* w = nullptr;
  int btype = B_F32;
  int64_t rs = 0;  // row stride: elements, or bytes when quantized
  int64_t N = 0, K = 0;
  const float* bias = nullptr;
  const uint8_t* x8 = nullptr;  // repacked form (quantized only), or null
  bool quant() const { return btype == B_Q8_0 || btype == B_Q4_0; }
  double bytes() const {
    return quant() ? (double)N * (double)K / 32.0 * (btype == B_Q8_0 ? 34 : 18)
                   : (double)N * (double)K * (btype == B_F32 ? 4 : 2);
  }
};

struct Layer {
  bool ready = false;
  const float* ln1 = nullptr;
  const float* ln2 = nullptr;
  Mat q, k, v, o, gate, up, down;
  int64_t window = 0;  // 0: full causal attention
};

struct Plan {
  int64_t L, C, H, Hkv, D, F;
  float eps, scale;
  int act;  // UnaryOpCode of the MLP activation
  bool q8act;
  std::vector<Layer> layers;
  std::vector<napi_ref> refs;
  // Activation buffers, grown to the largest step seen.
  float* mem = nullptr;
  size_t mem_floats = 0;
  ~Plan() { free(mem); }
};

void finalize_plan(napi_env env, void* data, void*) {
  Plan* p = (Plan*)data;
  for (napi_ref r : p->refs) napi_delete_reference(env, r);
  delete p;
}

Plan* plan_of(Call& c, napi_value v) {
  napi_valuetype t = napi_undefined;
  void* data = nullptr;
  if (!v || napi_typeof(c.env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(c.env, v, &data) != napi_ok || !data) {
    c.fail("TypeError", "lmkit native decode: the first argument must be a decode plan");
    return nullptr;
  }
  return (Plan*)data;
}

// ---------------------------------------------------------------- products

// The activations of one product group, quantised to q8_0 once per row when a
// quantized matrix reads them with integer dot products.
struct QRows {
  uint8_t* q = nullptr;
  float* d = nullptr;
  int32_t* s = nullptr;
  int64_t nb = 0;
};

QRows quantize_rows(const KernelTable* K, const float* x, int64_t R, int64_t Kd) {
  QRows qr;
  qr.nb = Kd / 32;
  const size_t qbytes = (size_t)(qr.nb * 34 * R), fbytes = (size_t)(qr.nb * R) * 4;
  // Slot 6: linear_any (slots 4, 5) and attention (3..5) never touch it.
  char* buf = (char*)pool_scratch(6, qbytes + 2 * fbytes + 64);
  qr.q = (uint8_t*)buf;
  qr.d = (float*)(buf + ((qbytes + 15) & ~(size_t)15));
  qr.s = (int32_t*)(qr.d + qr.nb * R);
  for (int64_t m = 0; m < R; m++) K->quantize_row_q8_0(x + m * Kd, qr.q + m * qr.nb * 34, qr.d + m * qr.nb, qr.s + m * qr.nb, Kd);
  return qr;
}

struct Task {
  int mat;
  int64_t m;       // activation row
  int64_t n0, n1;  // output rows (x8: groups of 8 rows)
};

// y_i (R, N_i) = x (R, Kd) W_i^T + b_i for the n matrices of a group that read
// the same rows x. Decode-sized R (the sizes where linear_any streams each
// weight row once per activation row) runs as one parallel region over all
// matrices' rows; larger R goes to linear_any (GEMM) per matrix.
void group_linear(const KernelTable* K, int threads, bool q8act, const float* x, int64_t R, int64_t Kd,
                  const Mat* const* ms, float* const* ys, int n) {
  bool any_quant = false, all_small = true;
  double bytes = 0;
  for (int i = 0; i < n; i++) {
    const Mat& m = *ms[i];
    any_quant |= m.quant();
    all_small &= R <= 2 || (m.quant() && R <= 4);
    bytes += m.bytes();
  }
  if (!all_small) {
    for (int i = 0; i < n; i++) {
      const Mat& m = *ms[i];
      linear_any(K, threads, x, R, Kd, m.w, m.btype, m.rs, m.bias, ys[i], m.N, q8act, m.x8);
    }
    return;
  }
  QRows qr;
  if (any_quant && q8act) qr = quantize_rows(K, x, R, Kd);
  for (int i = 0; i < n; i++)
    if (ms[i]->bias)
      for (int64_t m = 0; m < R; m++) memcpy(ys[i] + m * ms[i]->N, ms[i]->bias, (size_t)ms[i]->N * sizeof(float));
  // Chunks of a multiple of 8 rows (the x8 group), about 4 per thread over the whole group.
  const int T = bytes * (double)R < kParallelBytes ? 1 : threads;
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += ms[i]->N;
  int64_t chunk = T > 1 ? (total + 4 * T - 1) / (4 * T) : total;
  chunk = (chunk + 7) / 8 * 8;
  static thread_local std::vector<Task> tasks;
  tasks.clear();
  for (int64_t m = 0; m < R; m++)
    for (int i = 0; i < n; i++) {
      const Mat& w = *ms[i];
      const bool x8 = w.quant() && q8act && w.x8;
      const int64_t units = x8 ? (w.N + 7) / 8 : w.N, step = x8 ? chunk / 8 : chunk;
      for (int64_t u = 0; u < units; u += step) tasks.push_back(Task{i, m, u, u + step < units ? u + step : units});
    }
  const Task* list = tasks.data();
  const int64_t count = (int64_t)tasks.size();
  parallel_for(count, T, [&](int64_t ti, int) {
    const Task& t = list[ti];
    const Mat& w = *ms[t.mat];
    const bool q = w.quant() && q8act;
    GemvArgs g{w.N, Kd, x + t.m * Kd, w.w, w.rs, w.btype, ys[t.mat] + t.m * w.N, w.bias ? 1 : 0,
               q ? qr.q + t.m * qr.nb * 34 : nullptr, q ? qr.d + t.m * qr.nb : nullptr, q ? qr.s + t.m * qr.nb : nullptr};
    if (q && w.x8) {
      g.W = w.x8;
      g.row_stride = 0;
      K->x8_gemv(&g, t.n0, t.n1);
    } else {
      K->gemv_rows(&g, t.n0, t.n1);
    }
  });
}

// ---------------------------------------------------------------- the step

struct Segment {
  int64_t start, len, past, rows;
  float* kv;  // (L, 2, Hkv, rows, D)
};

void run_step(const KernelTable* K, int threads, Plan& p, float* x, int64_t R, const float* cosv, const float* sinv,
              const std::vector<Segment>& segs) {
  const int64_t C = p.C, H = p.H, Hkv = p.Hkv, D = p.D, F = p.F, half = D / 2, QD = H * D, KD = Hkv * D;
  // Activations: h (R, C) normalised rows, q (R, QD), k and v (R, KD), a (R, QD)
  // attention output, t (R, C) a product before the residual add, g and u (R, F).
  const size_t need = (size_t)(R * (2 * C + 2 * QD + 2 * KD + 2 * F));
  if (p.mem_floats < need) {
    free(p.mem);
    p.mem = (float*)aligned_alloc(64, (need * sizeof(float) + 63) & ~(size_t)63);
    if (!p.mem) {
      fprintf(stderr, "lmkit native: out of memory allocating decode activations\n");
      abort();
    }
    p.mem_floats = need;
  }
  float* h = p.mem;
  float* q = h + R * C;
  float* k = q + R * QD;
  float* v = k + R * KD;
  float* a = v + R * KD;
  float* t = a + R * QD;
  float* g = t + R * C;
  float* u = g + R * F;
  float rstd;
  std::vector<AttnArgs> args(segs.size());
  const int64_t blk = K->attention_block, G = H / Hkv;
  std::vector<int64_t> first(segs.size() + 1, 0);
  // Attention tasks per kv head of a segment of len rows.
  auto per_head = [&](int64_t len) { return len <= kDecodeRows ? len : (G * len + blk - 1) / blk; };
  for (int64_t l = 0; l < p.L; l++) {
    const Layer& ly = p.layers[l];
    for (int64_t r = 0; r < R; r++) K->rms_norm_row(C, x + r * C, ly.ln1, p.eps, h + r * C, &rstd);
    {
      const Mat* ms[3] = {&ly.q, &ly.k, &ly.v};
      float* ys[3] = {q, k, v};
      group_linear(K, threads, p.q8act, h, R, C, ms, ys, 3);
    }
    // Rotary embedding in place, then the new keys and values into the cache.
    for (int64_t r = 0; r < R; r++) {
      const float* cr = cosv + r * half;
      const float* sr = sinv + r * half;
      for (int64_t hh = 0; hh < H; hh++) K->rope_row(half, q + r * QD + hh * D, cr, sr, 1.0f, q + r * QD + hh * D);
      for (int64_t hh = 0; hh < Hkv; hh++) K->rope_row(half, k + r * KD + hh * D, cr, sr, 1.0f, k + r * KD + hh * D);
    }
    double work = 0;
    for (size_t s = 0; s < segs.size(); s++) {
      const Segment& sg = segs[s];
      float* kc = sg.kv + (l * 2) * Hkv * sg.rows * D;
      float* vc = kc + Hkv * sg.rows * D;
      for (int64_t j = 0; j < sg.len; j++) {
        const int64_t r = sg.start + j, pos = sg.past + j;
        for (int64_t hh = 0; hh < Hkv; hh++) {
          memcpy(kc + (hh * sg.rows + pos) * D, k + r * KD + hh * D, (size_t)D * sizeof(float));
          memcpy(vc + (hh * sg.rows + pos) * D, v + r * KD + hh * D, (size_t)D * sizeof(float));
        }
      }
      // Queries (1, H, len, D) read in place from q's (len, H, D) rows; keys
      // and values (1, Hkv, past + len, D) from the cache; causal to the end.
      AttnArgs& at = args[s];
      memset(&at, 0, sizeof at);
      at.B = 1;
      at.Hq = H;
      at.Hkv = Hkv;
      at.T = sg.len;
      at.S = sg.past + sg.len;
      at.D = D;
      at.q = q + sg.start * QD;
      at.sq[0] = 0, at.sq[1] = D, at.sq[2] = QD;
      at.k = kc;
      at.v = vc;
      at.sk[0] = at.sv[0] = 0;
      at.sk[1] = at.sv[1] = sg.rows * D;
      at.sk[2] = at.sv[2] = D;
      at.out = a + sg.start * QD;
      at.so[0] = 0, at.so[1] = D, at.so[2] = QD;
      at.scale = p.scale;
      at.causal = 1;
      at.window = ly.window;
      work += (double)H * sg.len * at.S * D;
    }
    // Tasks over (segment, kv head, query row) for decode-sized segments (each
    // key and value read once per kv head), and over (segment, kv head, block
    // of stacked query rows) through the tiled kernel for prompts, as js_attention splits one.
    for (size_t s = 0; s < segs.size(); s++) first[s + 1] = first[s] + Hkv * per_head(segs[s].len);
    parallel_for(first.back(), work < kAttnWork ? 1 : threads, [&](int64_t ti, int) {
      size_t s = 0;
      while (first[s + 1] <= ti) s++;
      const int64_t len = segs[s].len, local = ti - first[s], per = per_head(len), hk = local / per, i = local % per;
      if (len <= kDecodeRows) {
        K->attention_decode(&args[s], 0, hk, i);
      } else {
        const int64_t rows = G * len, r0 = i * blk;
        K->attention_fwd(&args[s], 0, hk, r0, r0 + blk < rows ? r0 + blk : rows);
      }
    });
    {
      const Mat* ms[1] = {&ly.o};
      float* ys[1] = {t};
      group_linear(K, threads, p.q8act, a, R, QD, ms, ys, 1);
    }
    K->binary(B_ADD, R * C, x, 1, t, 1, x, 1);
    for (int64_t r = 0; r < R; r++) K->rms_norm_row(C, x + r * C, ly.ln2, p.eps, h + r * C, &rstd);
    {
      const Mat* ms[2] = {&ly.gate, &ly.up};
      float* ys[2] = {g, u};
      group_linear(K, threads, p.q8act, h, R, C, ms, ys, 2);
    }
    K->unary(p.act, R * F, g, 1, g, 1);
    K->binary(B_MUL, R * F, g, 1, u, 1, g, 1);
    {
      const Mat* ms[1] = {&ly.down};
      float* ys[1] = {t};
      group_linear(K, threads, p.q8act, g, R, F, ms, ys, 1);
    }
    K->binary(B_ADD, R * C, x, 1, t, 1, x, 1);
  }
}

// A matrix of the plan: btype, then its view (element `*idx` of bufs) and an
// optional bias view (the next element); x8s[mat] is its repacked form or null.
bool read_mat(Call& c, napi_value bufs, uint32_t* idx, napi_value x8s, uint32_t mat, int64_t N, int64_t Kd,
              const char* name, Mat* m) {
  char msg[160];
  const int btype = (int)c.num();
  View w = c.view_in(bufs, (*idx)++, false, true);
  View b = c.view_in(bufs, (*idx)++, true);
  if (!c.ok) return false;
  if (w.nd != 2 || w.shape[0] != N || w.shape[1] != Kd) {
    snprintf(msg, sizeof msg, "lmkit native decodePlanLayer: %s must be (%lld, %lld)", name, (long long)N, (long long)Kd);
    c.fail("RangeError", msg);
    return false;
  }
  if (!weight_rows(c, w, btype, "decodePlanLayer", &m->w, &m->rs)) return false;
  if (b.present && (b.type != napi_float32_array || b.nd != 1 || b.shape[0] != N || b.strides[0] != 1)) {
    snprintf(msg, sizeof msg, "lmkit native decodePlanLayer: the bias of %s must be contiguous f32 (%lld)", name, (long long)N);
    c.fail("RangeError", msg);
    return false;
  }
  m->btype = btype;
  m->N = N;
  m->K = Kd;
  m->bias = b.present ? b.f32() : nullptr;
  napi_value xv;
  napi_valuetype xt = napi_undefined;
  if (napi_get_element(c.env, x8s, mat, &xv) == napi_ok) napi_typeof(c.env, xv, &xt);
  m->x8 = nullptr;
  if (xt == napi_object) {
    void* data = nullptr;
    size_t bytes = 0;
    if (!m->quant() || napi_get_arraybuffer_info(c.env, xv, &data, &bytes) != napi_ok ||
        (int64_t)bytes != c.K->x8_bytes(btype, N, Kd)) {
      snprintf(msg, sizeof msg, "lmkit native decodePlanLayer: the repacked form of %s does not match it", name);
      c.fail("RangeError", msg);
      return false;
    }
    m->x8 = (const uint8_t*)data;
  }
  return true;
}

bool vec_of(Call& c, const View& v, int64_t n, const char* what, const float** out) {
  if (v.type != napi_float32_array || v.nd != 1 || v.shape[0] != n || v.strides[0] != 1) {
    char msg[128];
    snprintf(msg, sizeof msg, "lmkit native decodePlanLayer: %s must be contiguous f32 (%lld)", what, (long long)n);
    c.fail("RangeError", msg);
    return false;
  }
  *out = v.f32();
  return true;
}

}  // namespace

// decodePlan() -> plan; args L, C, H, Hkv, D, F, eps, scale, activation (UnaryOpCode), q8 activations.
napi_value js_decode_plan(napi_env env, napi_callback_info info) {
  Call c(env, info);
  Plan tmp;
  tmp.L = c.integer(), tmp.C = c.integer(), tmp.H = c.integer(), tmp.Hkv = c.integer(), tmp.D = c.integer();
  tmp.F = c.integer();
  tmp.eps = (float)c.num();
  tmp.scale = (float)c.num();
  tmp.act = (int)c.num();
  tmp.q8act = c.num() != 0;
  if (!c.ok) return nullptr;
  if (tmp.L < 1 || tmp.C < 1 || tmp.H < 1 || tmp.Hkv < 1 || tmp.H % tmp.Hkv || tmp.D < 2 || tmp.D % 2 || tmp.F < 1 ||
      tmp.act < 0 || tmp.act >= U_COUNT) {
    c.fail("RangeError", "lmkit native decodePlan: bad dimensions");
    return nullptr;
  }
  Plan* p = new Plan();
  p->L = tmp.L, p->C = tmp.C, p->H = tmp.H, p->Hkv = tmp.Hkv, p->D = tmp.D, p->F = tmp.F;
  p->eps = tmp.eps, p->scale = tmp.scale, p->act = tmp.act, p->q8act = tmp.q8act;
  p->layers.resize((size_t)p->L);
  napi_value ext;
  if (napi_create_external(env, p, finalize_plan, nullptr, &ext) != napi_ok) {
    delete p;
    c.fail("Error", "lmkit native decodePlan: could not create the plan");
    return nullptr;
  }
  return ext;
}

// decodePlanLayer(plan, bufs, x8s); args layer, window; views (elements of bufs, in
// order) input norm, q, q bias?, k, k bias?, v, v bias?, o, o bias?, post-attention
// norm, gate, gate bias?, up, up bias?, down, down bias?, each matrix preceded by
// its btype; x8s: the 7 matrices' repacked forms or null.
napi_value js_decode_plan_layer(napi_env env, napi_callback_info info) {
  Call c(env, info);
  Plan* p = plan_of(c, c.arg(0));
  if (!p) return nullptr;
  napi_value bufs = c.arg(1), x8s = c.arg(2);
  bool arr1 = false, arr2 = false;
  if (!bufs || !x8s || napi_is_array(env, bufs, &arr1) != napi_ok || napi_is_array(env, x8s, &arr2) != napi_ok || !arr1 ||
      !arr2) {
    c.fail("TypeError", "lmkit native decodePlanLayer: buffer lists expected");
    return nullptr;
  }
  const int64_t l = c.integer(), window = c.integer();
  if (!c.ok) return nullptr;
  if (l < 0 || l >= p->L || window < 0) {
    c.fail("RangeError", "lmkit native decodePlanLayer: layer index or window out of range");
    return nullptr;
  }
  Layer ly;
  ly.window = window;
  uint32_t idx = 0;
  const int64_t C = p->C, QD = p->H * p->D, KD = p->Hkv * p->D, F = p->F;
  View n1 = c.view_in(bufs, idx++);
  if (!c.ok || !vec_of(c, n1, C, "input_layernorm", &ly.ln1)) return nullptr;
  if (!read_mat(c, bufs, &idx, x8s, 0, QD, C, "q_proj", &ly.q) ||
      !read_mat(c, bufs, &idx, x8s, 1, KD, C, "k_proj", &ly.k) ||
      !read_mat(c, bufs, &idx, x8s, 2, KD, C, "v_proj", &ly.v) ||
      !read_mat(c, bufs, &idx, x8s, 3, C, QD, "o_proj", &ly.o))
    return nullptr;
  View n2 = c.view_in(bufs, idx++);
  if (!c.ok || !vec_of(c, n2, C, "post_attention_layernorm", &ly.ln2)) return nullptr;
  if (!read_mat(c, bufs, &idx, x8s, 4, F, C, "gate_proj", &ly.gate) ||
      !read_mat(c, bufs, &idx, x8s, 5, F, C, "up_proj", &ly.up) ||
      !read_mat(c, bufs, &idx, x8s, 6, C, F, "down_proj", &ly.down))
    return nullptr;
  // The two lists (never changed by the caller) keep every buffer the layer points into alive.
  for (napi_value v : {bufs, x8s}) {
    napi_ref r;
    if (napi_create_reference(env, v, 1, &r) == napi_ok) p->refs.push_back(r);
  }
  ly.ready = true;
  p->layers[(size_t)l] = ly;
  return nullptr;
}

// decodeStep(plan, x, cos, sin, caches); args segment count, then per segment
// start, length, past; views x (R, C) (updated in place to the last layer's
// output), cos and sin (R, D/2), then per segment its cache (element s of
// caches) as (L, 2, Hkv, rows, D).
napi_value js_decode_step(napi_env env, napi_callback_info info) {
  Call c(env, info);
  Plan* p = plan_of(c, c.arg(0));
  if (!p) return nullptr;
  napi_value caches = c.arg(4);
  bool is_arr = false;
  if (!caches || napi_is_array(env, caches, &is_arr) != napi_ok || !is_arr) {
    c.fail("TypeError", "lmkit native decodeStep: a list of caches expected");
    return nullptr;
  }
  const int64_t nseg = c.integer();
  if (!c.ok) return nullptr;
  if (nseg < 1 || nseg > 4096) {
    c.fail("RangeError", "lmkit native decodeStep: 1 to 4096 sequences expected");
    return nullptr;
  }
  std::vector<Segment> segs((size_t)nseg);
  for (Segment& s : segs) {
    s.start = c.integer();
    s.len = c.integer();
    s.past = c.integer();
  }
  View x = c.view(1), cs = c.view(2), sn = c.view(3);
  if (!c.ok) return nullptr;
  const int64_t C = p->C, half = p->D / 2;
  if (x.type != napi_float32_array || cs.type != napi_float32_array || sn.type != napi_float32_array) {
    c.fail("TypeError", "lmkit native decodeStep: f32 x, cos and sin expected");
    return nullptr;
  }
  const int64_t R = x.nd == 2 ? x.shape[0] : -1;
  if (R < 1 || x.shape[1] != C || !x.contiguous() || !cs.contiguous() || !sn.contiguous() || cs.numel() != R * half ||
      sn.numel() != R * half) {
    c.fail("RangeError", "lmkit native decodeStep: x must be contiguous (R, C) and cos, sin (R, D/2)");
    return nullptr;
  }
  for (const Layer& ly : p->layers)
    if (!ly.ready) {
      c.fail("Error", "lmkit native decodeStep: the plan has layers without weights");
      return nullptr;
    }
  int64_t at = 0;
  for (size_t s = 0; s < segs.size(); s++) {
    Segment& sg = segs[s];
    View kv = c.view_in(caches, (uint32_t)s);
    if (!c.ok) return nullptr;
    if (kv.type != napi_float32_array || kv.nd != 5 || kv.shape[0] != p->L || kv.shape[1] != 2 || kv.shape[2] != p->Hkv ||
        kv.shape[4] != p->D || !kv.contiguous()) {
      c.fail("RangeError", "lmkit native decodeStep: a cache must be contiguous f32 (L, 2, Hkv, rows, D)");
      return nullptr;
    }
    sg.rows = kv.shape[3];
    sg.kv = kv.f32();
    if (sg.start != at || sg.len < 1 || sg.past < 0 || sg.past + sg.len > sg.rows) {
      c.fail("RangeError", "lmkit native decodeStep: segments must tile the rows in order and fit their caches");
      return nullptr;
    }
    for (size_t o = 0; o < s; o++)
      if (segs[o].kv == sg.kv) {
        c.fail("RangeError", "lmkit native decodeStep: two sequences share a cache");
        return nullptr;
      }
    at += sg.len;
  }
  if (at != R) {
    c.fail("RangeError", "lmkit native decodeStep: the segments do not cover the rows of x");
    return nullptr;
  }
  run_step(c.K, c.threads, *p, x.f32(), R, cs.f32(), sn.f32(), segs);
  return nullptr;
}

}  // namespace lmkit
