// Bench-only helpers: a bridge to OpenBLAS's cblas_sgemm, the reference `lmkit bench
// matmul` compares against. The library is opened with dlopen on first use, so
// the addon neither links nor needs OpenBLAS: lmkit's products are computed by
// its own kernels, and the bench reports the reference as missing when Debian's
// libopenblas is not installed. And readSum, the read-bandwidth reference of the
// matvec benchmark.
#include <dlfcn.h>
#include <node_api.h>

#include "ops.h"
#include "cpu.h"
#include "pool.h"

namespace lmkit {
namespace {

typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                         const float* b, int ldb, float beta, float* c, int ldc);
typedef void (*set_threads_fn)(int);

struct Blas {
  sgemm_fn sgemm = nullptr;
  set_threads_fn set_threads = nullptr;
};

const Blas& blas() {
  static Blas b = [] {
    Blas r;
    const char* names[] = {"libopenblas.so.0", "libopenblas.so", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                           "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0"};
    for (const char* n : names) {
      void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL);
      if (!h) continue;
      r.sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
      r.set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
      if (r.sgemm) break;
    }
    return r;
  }();
  return b;
}

bool f32_arg(napi_env env, napi_value v, float** p, size_t* len) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return false;
  if (napi_get_typedarray_info(env, v, &t, len, (void**)p, &ab, &off) != napi_ok) return false;
  return t == napi_float32_array;
}

}  // namespace

// openblasSgemm(a, b, c, m, n, k, threads, transA, transB): c (m, n) = op(a) @ op(b)
// with a stored (m, k) row-major, or (k, m) when transA; b stored (k, n), or (n, k)
// when transB. Returns false when OpenBLAS cannot be loaded.
napi_value js_openblas_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value result;
  const Blas& b = blas();
  if (!b.sgemm) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  float *A, *B, *C;
  size_t la, lb, lc;
  int32_t m, n, k, threads;
  bool ta = false, tb = false;
  if (argc < 9 || !f32_arg(env, argv[0], &A, &la) || !f32_arg(env, argv[1], &B, &lb) || !f32_arg(env, argv[2], &C, &lc) ||
      napi_get_value_int32(env, argv[3], &m) != napi_ok || napi_get_value_int32(env, argv[4], &n) != napi_ok ||
      napi_get_value_int32(env, argv[5], &k) != napi_ok || napi_get_value_int32(env, argv[6], &threads) != napi_ok ||
      napi_get_value_bool(env, argv[7], &ta) != napi_ok || napi_get_value_bool(env, argv[8], &tb) != napi_ok) {
    napi_throw_type_error(env, nullptr, "lmkit native: openblasSgemm(a, b, c, m, n, k, threads, transA, transB)");
    return nullptr;
  }
  if (m < 0 || n < 0 || k < 0 || la < (size_t)m * k || lb < (size_t)k * n || lc < (size_t)m * n) {
    napi_throw_range_error(env, nullptr, "lmkit native: openblasSgemm arrays are too small");
    return nullptr;
  }
  if (b.set_threads) b.set_threads(threads);
  const int RowMajor = 101, NoTrans = 111, Trans = 112;
  b.sgemm(RowMajor, ta ? Trans : NoTrans, tb ? Trans : NoTrans, m, n, k, 1.0f, A, ta ? m : k, B, tb ? k : n, 0.0f, C, n);
  napi_get_boolean(env, true, &result);
  return result;
}

}  // namespace lmkit

namespace lmkit {
namespace {
struct SumJob {
  const KernelTable* K;
  const float* p;
  int64_t n, chunk;
  double part[64];
};
void sum_task(void* ctx, int64_t t, int tid) {
  SumJob* j = (SumJob*)ctx;
  const int64_t i0 = t * j->chunk, i1 = i0 + j->chunk < j->n ? i0 + j->chunk : j->n;
  j->part[tid] += j->K->sum_f32(i1 - i0, j->p + i0);
}
}  // namespace

// readSum(buffer, threads) -> number: sums the buffer as floats, splitting it over
// the pool: the reference read bandwidth for the matvec benchmark.
napi_value js_read_sum(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  size_t bytes = 0;
  int32_t threads = 1;
  if (argc < 2 || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      napi_get_value_int32(env, argv[1], &threads) != napi_ok) {
    napi_throw_type_error(env, nullptr, "lmkit native: readSum(arrayBuffer, threads)");
    return nullptr;
  }
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  SumJob j;
  j.K = select_kernels("auto");
  j.p = (const float*)data;
  j.n = (int64_t)(bytes / 4);
  j.chunk = (j.n + threads * 4 - 1) / (threads * 4);
  if (j.chunk < 1) j.chunk = 1;
  for (double& x : j.part) x = 0;
  pool_run((j.n + j.chunk - 1) / j.chunk, threads, sum_task, &j);
  double s = 0;
  for (double x : j.part) s += x;
  napi_value r;
  napi_create_double(env, s, &r);
  return r;
}

}  // namespace lmkit
