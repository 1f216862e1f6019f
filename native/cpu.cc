// Run-time choice of the kernel table: the widest instruction set this CPU
// (and its operating system, which must save the wide registers) supports.
// GCC's __builtin_cpu_supports checks both CPUID and XCR0.
#include "cpu.h"

#include <string.h>

namespace lmkit {

bool isa_supported(const char* isa) {
  if (strcmp(isa, "scalar") == 0) return true;
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // F16C has no __builtin_cpu_supports name on every GCC; every AVX2 CPU has it.
  if (strcmp(isa, "avx2") == 0) return avx2;
  if (strcmp(isa, "avx512") == 0)
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
  return false;
}

const KernelTable* select_kernels(const char* want) {
  if (strcmp(want, "auto") == 0) {
    if (isa_supported("avx512")) return select_kernels("avx512");
    if (isa_supported("avx2")) return select_kernels("avx2");
    return isa_scalar::table();
  }
  if (!isa_supported(want)) return nullptr;
#if defined(__x86_64__)
  if (strcmp(want, "avx512") == 0) return isa_avx512::table();
  if (strcmp(want, "avx2") == 0) return isa_avx2::table();
#endif
  return isa_scalar::table();
}

}  // namespace lmkit
