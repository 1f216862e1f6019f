// Reduction rows. Sums and products accumulate in double (as the js reference
// does), so a long sum of mixed signs keeps its digits; max and min follow
// Math.max semantics except that a NaN, once seen, sticks.
#include "../kernels.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

static inline double combine(int op, double acc, double v) {
  switch (op) {
    case R_SUM: return acc + v;
    case R_PROD: return acc * v;
    case R_MAX: return (v > acc || v != v) && acc == acc ? v : acc;
    default: return (v < acc || v != v) && acc == acc ? v : acc;
  }
}

// op over n elements of x (stride sx), starting from acc.
static double reduce_row(int op, int64_t n, const float* x, int64_t sx, double acc) {
  if (op == R_SUM && sx == 1) {
    // Four independent double chains; the compiler vectorises the conversion and adds.
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      a0 += x[i];
      a1 += x[i + 1];
      a2 += x[i + 2];
      a3 += x[i + 3];
    }
    for (; i < n; i++) a0 += x[i];
    return acc + ((a0 + a1) + (a2 + a3));
  }
  if ((op == R_MAX || op == R_MIN) && sx == 1 && n >= W && acc == acc) {
    // vmax/vmin keep a NaN in its lane; look at the lanes before folding them.
    vf m = vset1((float)acc);
    int64_t i = 0;
    for (; i + W <= n; i += W) m = op == R_MAX ? vmax(vload(x + i), m) : vmin(vload(x + i), m);
    float lanes[W];
    vstore(lanes, m);
    for (int j = 0; j < W; j++) acc = combine(op, acc, lanes[j]);
    for (; i < n; i++) acc = combine(op, acc, x[i]);
    return acc;
  }
  for (int64_t i = 0; i < n; i++) acc = combine(op, acc, x[i * sx]);
  return acc;
}

// acc[i * sa] = op(acc[i * sa], x[i * sx]) for i < n.
static void reduce_acc(int op, int64_t n, const float* x, int64_t sx, double* acc, int64_t sa) {
  if (op == R_SUM && sx == 1 && sa == 1) {
    for (int64_t i = 0; i < n; i++) acc[i] += x[i];
    return;
  }
  for (int64_t i = 0; i < n; i++) acc[i * sa] = combine(op, acc[i * sa], x[i * sx]);
}

static double sum_squares(int64_t n, const float* x, int64_t sx) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  if (sx == 1) {
    for (; i + 4 <= n; i += 4) {
      a0 += (double)x[i] * x[i];
      a1 += (double)x[i + 1] * x[i + 1];
      a2 += (double)x[i + 2] * x[i + 2];
      a3 += (double)x[i + 3] * x[i + 3];
    }
  }
  for (; i < n; i++) a0 += (double)x[i * sx] * x[i * sx];
  return (a0 + a1) + (a2 + a3);
}

// Plain f32 sum, the read-bandwidth reference of the matvec benchmark: four
// quarters of the range are read in lockstep (four streams, as the matvec
// kernels read four rows), each into its own accumulators.
static double sum_f32(int64_t n, const float* x) {
  const int64_t q = n / (4 * W) * W;  // quarter length, a multiple of W
  const float *p0 = x, *p1 = x + q, *p2 = x + 2 * q, *p3 = x + 3 * q;
  vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
  for (int64_t i = 0; i < q; i += W) {
    a0 = vadd(a0, vload(p0 + i));
    a1 = vadd(a1, vload(p1 + i));
    a2 = vadd(a2, vload(p2 + i));
    a3 = vadd(a3, vload(p3 + i));
  }
  double s = vhsum(vadd(vadd(a0, a1), vadd(a2, a3)));
  for (int64_t i = 4 * q; i < n; i++) s += x[i];
  return s;
}

void fill_reduce(KernelTable* t) {
  t->sum_f32 = sum_f32;
  t->reduce_row = reduce_row;
  t->reduce_acc = reduce_acc;
  t->sum_squares = sum_squares;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
