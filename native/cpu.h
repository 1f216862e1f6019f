#pragma once
#include "kernels.h"

namespace lmkit {

/** Whether this CPU can run the kernels built for `isa` ("scalar", "avx2", "avx512"). */
bool isa_supported(const char* isa);
/** The kernel table for `isa`, or for "auto" the best supported one; null if unsupported. */
const KernelTable* select_kernels(const char* isa);

}  // namespace lmkit
