// matmul and linear: decoding the views, choosing GEMM or GEMV, and splitting
// the work over the thread pool. The arithmetic is in kernels/gemm.cc and
// kernels/gemv.cc.
//
// Parallel split: a batch of B matrices is cut into B x T tiles where T is the
// number of tiles per matrix (1 when the batch alone gives every thread work).
// Each tile is an independent GEMM that packs its own panels, so threads never
// synchronise inside a matmul. T is factored as tm x tn to minimise the panel
// data each tile packs (M/tm + N/tn rows and columns of K values).
#include "ops.h"

#include <stdio.h>
#include <string.h>

#include "pool.h"

namespace lmkit {

namespace {

// Work below this many flops per extra thread is not worth a pool hand-off.
const double kFlopsPerThread = 1.5e6;

struct Tiling {
  int64_t tm = 1, tn = 1;
  int64_t mstep = 0, nstep = 0;
};

Tiling plan_tiles(int64_t M, int64_t N, int64_t K, int T, int mr, int nr) {
  Tiling best;
  double best_cost = 1e300;
  for (int64_t tm = 1; tm <= T; tm++) {
    if (T % tm) continue;
    int64_t tn = T / tm;
    int64_t ms = (M + tm - 1) / tm, ns = (N + tn - 1) / tn;
    ms = (ms + mr - 1) / mr * mr;
    ns = (ns + nr - 1) / nr * nr;
    if ((tm > 1 && ms * (tm - 1) >= M) || (tn > 1 && ns * (tn - 1) >= N)) continue;  // an empty tile
    double cost = (double)(ms + ns) * (double)K;
    if (cost < best_cost) {
      best_cost = cost;
      best.tm = tm;
      best.tn = tn;
      best.mstep = ms;
      best.nstep = ns;
    }
  }
  if (best.mstep == 0) {
    best.mstep = M;
    best.nstep = N;
  }
  return best;
}

// Batch dims of out, with a's and b's strides aligned to them (missing leading dims broadcast).
struct Batch {
  int nd = 0;
  int64_t shape[kMaxDims] = {}, sa[kMaxDims] = {}, sb[kMaxDims] = {}, so[kMaxDims] = {};
  int64_t count = 1;
  void offsets(int64_t idx, int64_t* oa, int64_t* ob, int64_t* oo) const {
    *oa = *ob = *oo = 0;
    for (int d = nd - 1; d >= 0; d--) {
      int64_t i = idx % shape[d];
      idx /= shape[d];
      *oa += i * sa[d];
      *ob += i * sb[d];
      *oo += i * so[d];
    }
  }
};

Batch batch_of(const View& a, const View& b, const View& out) {
  Batch bt;
  bt.nd = out.nd - 2;
  for (int d = 0; d < bt.nd; d++) {
    bt.shape[d] = out.shape[d];
    bt.so[d] = out.strides[d];
    int da = d - (out.nd - a.nd), db = d - (out.nd - b.nd);
    bt.sa[d] = da >= 0 && a.shape[da] != 1 ? a.strides[da] : 0;
    bt.sb[d] = db >= 0 && b.shape[db] != 1 ? b.strides[db] : 0;
    bt.count *= bt.shape[d];
  }
  return bt;
}

struct GemmJob {
  const KernelTable* K;
  GemmArgs g;  // for batch 0; A, B, C are shifted per batch
  Batch bt;
  Tiling tl;
  int64_t a_elem, b_elem;  // element sizes in bytes of A and B, for batch offsets
};

void gemm_task(void* ctx, int64_t t, int) {
  const GemmJob* j = (const GemmJob*)ctx;
  int64_t per = j->tl.tm * j->tl.tn;
  int64_t bi = t / per, tile = t % per;
  int64_t oa, ob, oo;
  j->bt.offsets(bi, &oa, &ob, &oo);
  GemmArgs g = j->g;
  g.A += oa;
  g.B = (const char*)g.B + ob * j->b_elem;
  g.C += oo;
  int64_t m0 = (tile / j->tl.tn) * j->tl.mstep, n0 = (tile % j->tl.tn) * j->tl.nstep;
  int64_t m1 = m0 + j->tl.mstep < g.M ? m0 + j->tl.mstep : g.M;
  int64_t n1 = n0 + j->tl.nstep < g.N ? n0 + j->tl.nstep : g.N;
  if (m0 < m1 && n0 < n1) j->K->gemm_tile(&g, m0, m1, n0, n1);
}

// Runs g (with batch bt) over the pool.
void run_gemm(const KernelTable* K, int threads, const GemmArgs& g, const Batch& bt, int64_t b_elem) {
  double flops = 2.0 * (double)g.M * (double)g.N * (double)g.K * (double)bt.count;
  int T = threads;
  if (flops < kFlopsPerThread * T) T = (int)(flops / kFlopsPerThread) > 1 ? (int)(flops / kFlopsPerThread) : 1;
  GemmJob j;
  j.K = K;
  j.g = g;
  j.bt = bt;
  j.b_elem = b_elem;
  j.a_elem = 4;
  // Large products get two tiles per thread: tasks are claimed dynamically, so
  // a thread that starts late or is preempted (a busy machine) costs half a
  // tile at the end instead of a whole one. The extra packing is small next
  // to 100 MFLOP.
  const int want = flops >= 1e8 && T > 1 ? 2 * T : T;
  int per = bt.count >= want ? 1 : (int)((want + bt.count - 1) / bt.count);
  j.tl = plan_tiles(g.M, g.N, g.K, per, K->gemm_mr, K->gemm_nr);
  int64_t ntasks = bt.count * j.tl.tm * j.tl.tn;
  pool_run(ntasks, T, gemm_task, &j);
}

struct GemvJob {
  const KernelTable* K;
  GemvArgs g;
  int64_t chunk;
};

void gemv_task(void* ctx, int64_t t, int) {
  const GemvJob* j = (const GemvJob*)ctx;
  int64_t n0 = t * j->chunk, n1 = n0 + j->chunk < j->g.N ? n0 + j->chunk : j->g.N;
  j->K->gemv_rows(&j->g, n0, n1);
}

// Splits the rows of a GEMV into a few chunks per thread (bandwidth-bound: big contiguous chunks).
void run_gemv(const KernelTable* K, int threads, const GemvArgs& g, double bytes) {
  GemvJob j{K, g, g.N};
  int T = bytes < 256e3 ? 1 : threads;
  if (T > 1) {
    int64_t tasks = (int64_t)T * 4;
    j.chunk = (g.N + tasks - 1) / tasks;
    j.chunk = (j.chunk + 7) / 8 * 8;
  }
  int64_t ntasks = (g.N + j.chunk - 1) / j.chunk;
  pool_run(ntasks, T, gemv_task, &j);
}

struct ColsJob {
  const KernelTable* K;
  int64_t Kd;
  const float *x, *B;
  int64_t sx, sbk;
  float* y;
  int64_t N, chunk;
  int beta;
};

void cols_task(void* ctx, int64_t t, int) {
  const ColsJob* j = (const ColsJob*)ctx;
  int64_t n0 = t * j->chunk, n1 = n0 + j->chunk < j->N ? n0 + j->chunk : j->N;
  j->K->gemv_cols(j->Kd, j->x, j->sx, j->B, j->sbk, j->y, n0, n1, j->beta);
}

}  // namespace

void matmul_f32(const KernelTable* K, int threads, const View& a, const View& b, const View& out, int acc) {
  const int64_t M = out.shape[out.nd - 2], N = out.shape[out.nd - 1], Kd = a.shape[a.nd - 1];
  if (M == 0 || N == 0) return;
  Batch bt = batch_of(a, b, out);
  if (bt.count == 0) return;
  GemmArgs g;
  g.M = M;
  g.N = N;
  g.K = Kd;
  g.A = a.f32();
  g.sam = a.strides[a.nd - 2];
  g.sak = a.strides[a.nd - 1];
  g.B = b.f32();
  g.sbk = b.strides[b.nd - 2];
  g.sbn = b.strides[b.nd - 1];
  g.btype = B_F32;
  g.C = out.f32();
  g.scm = out.strides[out.nd - 2];
  g.scn = out.strides[out.nd - 1];
  g.beta = acc;
  if (Kd == 0) {
    if (!acc) {
      for (int64_t bi = 0; bi < bt.count; bi++) {
        int64_t oa, ob, oo;
        bt.offsets(bi, &oa, &ob, &oo);
        for (int64_t m = 0; m < M; m++)
          for (int64_t n = 0; n < N; n++) g.C[oo + m * g.scm + n * g.scn] = 0.0f;
      }
    }
    return;
  }
  // Matrix-vector shapes (decode steps, single-column products) skip packing.
  if (bt.count == 1 && M == 1 && g.scn == 1) {
    if (g.sbk == 1 && g.sak == 1) {
      GemvArgs v{N, Kd, g.A, g.B, g.sbn, B_F32, g.C, acc, nullptr, nullptr, nullptr};
      run_gemv(K, threads, v, 4.0 * (double)N * (double)Kd);
      return;
    }
    if (g.sbn == 1) {
      ColsJob j{K, Kd, g.A, (const float*)g.B, g.sak, g.sbk, g.C, N, N, acc};
      int T = 4.0 * (double)N * (double)Kd < 256e3 ? 1 : threads;
      if (T > 1) j.chunk = ((N + T * 2 - 1) / (T * 2) + 31) / 32 * 32;
      pool_run((N + j.chunk - 1) / j.chunk, T, cols_task, &j);
      return;
    }
  }
  if (bt.count == 1 && N == 1 && g.scm == 1 && g.sak == 1 && g.sbk == 1) {
    // y[m] = A[m, :] . b: the rows of A play the weight rows.
    GemvArgs v{M, Kd, (const float*)g.B, g.A, g.sam, B_F32, g.C, acc, nullptr, nullptr, nullptr};
    run_gemv(K, threads, v, 4.0 * (double)M * (double)Kd);
    return;
  }
  run_gemm(K, threads, g, bt, 4);
}

int btype_of(const char* name) {
  if (!strcmp(name, "f32")) return B_F32;
  if (!strcmp(name, "f16")) return B_F16;
  if (!strcmp(name, "bf16")) return B_BF16;
  if (!strcmp(name, "q8_0")) return B_Q8_0;
  if (!strcmp(name, "q4_0")) return B_Q4_0;
  return -1;
}

void linear_any(const KernelTable* K, int threads, const float* x, int64_t M, int64_t Kd, const void* w, int btype,
                int64_t row_stride, const float* bias, float* out, int64_t N, bool q8_activations, const uint8_t* x8) {
  if (M == 0 || N == 0) return;
  const bool quant = btype == B_Q8_0 || btype == B_Q4_0;
  const bool q8act = quant && q8_activations;
  const double wbytes = quant ? (double)N * (double)Kd / 32.0 * (btype == B_Q8_0 ? 34 : 18)
                              : (double)N * (double)Kd * (btype == B_F32 ? 4 : 2);
  // With q8_0 activations every row of x is rounded to q8_0 blocks first, for
  // the integer dot products below and (dequantised again) for the GEMM path,
  // so decode steps and whole-prompt passes compute the same products.
  const int64_t nb = Kd / 32;
  uint8_t* xq = nullptr;
  float* xd = nullptr;
  int32_t* xs = nullptr;
  if (q8act) {
    const size_t qbytes = (size_t)(nb * 34 * M), fbytes = (size_t)(nb * M) * 4;
    char* buf = (char*)pool_scratch(5, qbytes + 2 * fbytes + 64);
    xq = (uint8_t*)buf;
    xd = (float*)(buf + ((qbytes + 15) & ~(size_t)15));
    xs = (int32_t*)(xd + nb * M);
    for (int64_t m = 0; m < M; m++) K->quantize_row_q8_0(x + m * Kd, xq + m * nb * 34, xd + m * nb, xs + m * nb, Kd);
  }
  // Few rows: stream the weights once per row with fused dot products.
  if (M <= 2 || (quant && M <= 4)) {
    if (q8act && x8) {
      // Repacked weights: 8 rows per pass (gemv-x8.cc), groups split over the pool.
      const int64_t groups = (N + 7) / 8;
      const int T = wbytes < 256e3 ? 1 : threads;
      const int64_t per = T > 1 ? (groups + T * 4 - 1) / (T * 4) : groups;
      for (int64_t m = 0; m < M; m++) {
        float* y = out + m * N;
        if (bias) memcpy(y, bias, (size_t)N * sizeof(float));
        GemvArgs v{N, Kd, x + m * Kd, x8, 0, btype, y, bias ? 1 : 0, xq + m * nb * 34, xd + m * nb, xs + m * nb};
        parallel_for((groups + per - 1) / per, T, [&](int64_t t, int) {
          const int64_t g0 = t * per, g1 = g0 + per < groups ? g0 + per : groups;
          K->x8_gemv(&v, g0, g1);
        });
      }
      return;
    }
    for (int64_t m = 0; m < M; m++) {
      float* y = out + m * N;
      if (bias) memcpy(y, bias, (size_t)N * sizeof(float));
      GemvArgs v{N, Kd, x + m * Kd, w, row_stride, btype, y, bias ? 1 : 0,
                 q8act ? xq + m * nb * 34 : nullptr, q8act ? xd + m * nb : nullptr, q8act ? xs + m * nb : nullptr};
      run_gemv(K, threads, v, wbytes);
    }
    return;
  }
  const float* a = x;
  if (q8act) {
    float* xr = (float*)pool_scratch(4, (size_t)(M * Kd) * sizeof(float));
    K->dequant_blocks(B_Q8_0, xq, nb * M, xr);
    a = xr;
  }
  if (bias)
    for (int64_t m = 0; m < M; m++) memcpy(out + m * N, bias, (size_t)N * sizeof(float));
  GemmArgs g;
  g.M = M;
  g.N = N;
  g.K = Kd;
  g.A = a;
  g.sam = Kd;
  g.sak = 1;
  g.B = w;
  g.sbk = 1;
  g.sbn = row_stride;
  g.btype = btype;
  g.C = out;
  g.scm = N;
  g.scn = 1;
  g.beta = bias ? 1 : 0;
  Batch bt;
  run_gemm(K, threads, g, bt, 1);
}

bool weight_rows(Call& c, const View& w, int btype, const char* op, const void** wp, int64_t* row_stride) {
  char msg[160];
  if (w.nd != 2) {
    snprintf(msg, sizeof msg, "lmkit native %s: weights must be 2-D", op);
    c.fail("RangeError", msg);
    return false;
  }
  const int64_t N = w.shape[0], Kd = w.shape[1];
  if (btype == B_Q8_0 || btype == B_Q4_0) {
    const int64_t bytes = btype == B_Q8_0 ? 34 : 18;
    if (w.type != napi_uint8_array || Kd % 32 || w.offset < 0) {
      snprintf(msg, sizeof msg, "lmkit native %s: quantized weights need contiguous rows of whole 32-blocks", op);
      c.fail("RangeError", msg);
      return false;
    }
    const int64_t off = w.offset;  // quantized views count their offset in bytes
    *row_stride = Kd / 32 * bytes;
    if (off + N * *row_stride > w.length) {
      snprintf(msg, sizeof msg, "lmkit native %s: quantized weights are shorter than their shape", op);
      c.fail("RangeError", msg);
      return false;
    }
    *wp = (const uint8_t*)w.base + off;
    return true;
  }
  const bool ok = btype == B_F32 ? w.type == napi_float32_array
                                 : (btype == B_F16 || btype == B_BF16) && w.type == napi_uint16_array;
  const int64_t lo = w.offset, hi = w.offset + (N - 1) * w.strides[0] + (Kd - 1) * w.strides[1];
  if (!ok || w.strides[1] != 1 || w.strides[0] < 0 || (N > 0 && Kd > 0 && (lo < 0 || hi >= w.length))) {
    snprintf(msg, sizeof msg, "lmkit native %s: weights must have contiguous rows inside their array", op);
    c.fail("RangeError", msg);
    return false;
  }
  *wp = (const char*)w.base + w.offset * (btype == B_F32 ? 4 : 2);
  *row_stride = w.strides[0];
  return true;
}

// ---------------------------------------------------------------- JS entry points

// matmul(a, b, out); args: accumulate, views a, b, out.
napi_value js_matmul(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int acc = (int)c.num();
  View a = c.view(0), b = c.view(1), out = c.view(2);
  if (!c.ok) return nullptr;
  if (a.type != napi_float32_array || b.type != napi_float32_array || out.type != napi_float32_array) {
    c.fail("TypeError", "lmkit native matmul: f32 views expected");
    return nullptr;
  }
  if (a.nd < 2 || b.nd < 2 || out.nd < 2 || a.nd > out.nd || b.nd > out.nd) {
    c.fail("RangeError", "lmkit native matmul: bad ranks");
    return nullptr;
  }
  matmul_f32(c.K, c.threads, a, b, out, acc);
  return nullptr;
}

// linear(x, w, bias, out); args: btype, q8 activations (decode-sized inputs of
// quantized weights use integer dot products on q8_0-quantized activations), views x (M, K) contiguous, w (N, K) rows
// contiguous (raw: quantized views are checked here in bytes; their offset is in bytes), bias (N) or none, out (M, N).
napi_value js_linear(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int btype = (int)c.num();
  bool q8_act = c.num() != 0;
  View x = c.view(0), w = c.view(1, false, true), bias = c.view(2, true), out = c.view(3);
  if (!c.ok) return nullptr;
  if (x.type != napi_float32_array || out.type != napi_float32_array || (bias.present && bias.type != napi_float32_array)) {
    c.fail("TypeError", "lmkit native linear: f32 x, bias and out expected");
    return nullptr;
  }
  if (w.nd != 2 || x.nd < 1 || !x.contiguous() || !out.contiguous() || (bias.present && bias.nd != 1)) {
    c.fail("RangeError", "lmkit native linear: x and out must be contiguous, w 2-D");
    return nullptr;
  }
  const int64_t N = w.shape[0], Kd = w.shape[1];
  const int64_t M = Kd ? x.numel() / Kd : 0;
  if (x.shape[x.nd - 1] != Kd || out.numel() != M * N || (bias.present && bias.shape[0] != N)) {
    c.fail("RangeError", "lmkit native linear: shapes do not agree");
    return nullptr;
  }
  const void* wp = nullptr;
  int64_t row_stride = 0;
  if (!weight_rows(c, w, btype, "linear", &wp, &row_stride)) return nullptr;
  // Optional argument 4: the weights in x8 form (repackQuant), for decode-sized inputs.
  const uint8_t* x8 = nullptr;
  napi_value x8v = c.arg(4);
  napi_valuetype x8t = napi_undefined;
  if (x8v) napi_typeof(env, x8v, &x8t);
  if (x8t == napi_object) {
    void* data = nullptr;
    size_t bytes = 0;
    if (napi_get_arraybuffer_info(env, x8v, &data, &bytes) != napi_ok || (btype != B_Q8_0 && btype != B_Q4_0) ||
        (int64_t)bytes != c.K->x8_bytes(btype, N, Kd)) {
      c.fail("RangeError", "lmkit native linear: repacked weights do not match the matrix");
      return nullptr;
    }
    x8 = (const uint8_t*)data;
  }
  linear_any(c.K, c.threads, x.f32(), M, Kd, wp, btype, row_stride, bias.present ? bias.f32() : nullptr, out.f32(), N,
             q8_act, x8);
  return nullptr;
}

// repackQuant(w) -> ArrayBuffer: the q8_0 / q4_0 matrix w (N, K) in x8 form, on huge
// pages. args: btype; view w (raw).
napi_value js_repack_quant(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int btype = (int)c.num();
  View w = c.view(0, false, true);
  if (!c.ok) return nullptr;
  const int64_t bytes = btype == B_Q8_0 ? 34 : btype == B_Q4_0 ? 18 : 0;
  if (!bytes || w.nd != 2 || w.type != napi_uint8_array || w.shape[1] % 32 || w.offset < 0) {
    c.fail("RangeError", "lmkit native repackQuant: a q8_0 or q4_0 matrix with whole 32-blocks per row expected");
    return nullptr;
  }
  const int64_t N = w.shape[0], Kd = w.shape[1], rs = Kd / 32 * bytes;
  if (w.offset + N * rs > w.length) {
    c.fail("RangeError", "lmkit native repackQuant: weights are shorter than their shape");
    return nullptr;
  }
  void* dst = nullptr;
  napi_value ab = huge_buffer(env, (size_t)c.K->x8_bytes(btype, N, Kd), true, &dst);
  if (!ab) return nullptr;
  const uint8_t* src = (const uint8_t*)w.base + w.offset;
  const int64_t groups = (N + 7) / 8, per = 64;
  const KernelTable* K = c.K;
  parallel_for((groups + per - 1) / per, c.threads, [&](int64_t t, int) {
    const int64_t g0 = t * per, g1 = g0 + per < groups ? g0 + per : groups;
    K->x8_repack(btype, src, rs, N, Kd, (uint8_t*)dst, g0, g1);
  });
  return ab;
}

}  // namespace lmkit
