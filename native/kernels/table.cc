// Collects this ISA's kernels into its KernelTable (compiled once per ISA).
#include "../kernels.h"
#include "../simd.h"

namespace lmkit {
namespace LMKIT_NS {

void fill_gemm(KernelTable* t);
void fill_gemv(KernelTable* t);
void fill_gemv_x8(KernelTable* t);
void fill_elementwise(KernelTable* t);
void fill_convert(KernelTable* t);
void fill_reduce(KernelTable* t);
void fill_nn(KernelTable* t);
void fill_optim(KernelTable* t);
void fill_attention(KernelTable* t);

static KernelTable make() {
  KernelTable t;
  memset(&t, 0, sizeof t);
#if LMKIT_ISA == 0
  t.isa = "scalar";
#elif LMKIT_ISA == 1
  t.isa = "avx2";
#else
  t.isa = "avx512";
#endif
  fill_gemm(&t);
  fill_gemv(&t);
  fill_gemv_x8(&t);
  fill_elementwise(&t);
  fill_convert(&t);
  fill_reduce(&t);
  fill_nn(&t);
  fill_optim(&t);
  fill_attention(&t);
  return t;
}

const KernelTable* table() {
  static const KernelTable t = make();
  return &t;
}

}  // namespace LMKIT_NS
}  // namespace lmkit
