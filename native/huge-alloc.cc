// Large, 2 MiB-aligned buffers for model weights, handed to JS as external
// ArrayBuffers. With `huge` the range is madvise(MADV_HUGEPAGE)d so the kernel
// backs it with transparent huge pages: decode streams every weight once per
// token, and in a VM each 4 KiB TLB miss costs a nested page walk, so 2 MiB pages
// raise the read bandwidth the matvec kernels see. The memory is freed by the
// ArrayBuffer's finalizer when JS drops the last reference.
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "ops.h"

namespace lmkit {
namespace {

struct Block {
  size_t bytes;
};

void free_block(napi_env env, void* data, void* hint) {
  Block* b = (Block*)hint;
  int64_t adjusted;
  napi_adjust_external_memory(env, -(int64_t)b->bytes, &adjusted);
  free(data);
  delete b;
}

}  // namespace

napi_value huge_buffer(napi_env env, size_t bytes, bool huge, void** data) {
  const size_t align = (size_t)2 << 20;
  size_t alloc = (bytes + align - 1) / align * align;
  if (alloc == 0) alloc = align;
  void* p = nullptr;
  if (posix_memalign(&p, align, alloc) != 0 || !p) {
    napi_throw_error(env, "ERR_LMKIT_OOM", "lmkit native: out of memory allocating a weight buffer");
    return nullptr;
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(p, alloc, MADV_HUGEPAGE);
#endif
  memset(p, 0, alloc);  // touch every page now: faults happen here, not in the first decode step
  Block* b = new Block{alloc};
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, bytes, free_block, b, &ab) != napi_ok) {
    free(p);
    delete b;
    napi_throw_error(env, nullptr, "lmkit native: cannot create an external ArrayBuffer");
    return nullptr;
  }
  int64_t adjusted;
  napi_adjust_external_memory(env, (int64_t)alloc, &adjusted);
  if (data) *data = p;
  return ab;
}

// allocHuge(bytes, huge): a zeroed ArrayBuffer of `bytes` bytes, 2 MiB aligned.
napi_value js_alloc_huge(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double req = 0;
  bool huge = true;
  if (argc < 1 || napi_get_value_double(env, argv[0], &req) != napi_ok || !(req >= 0) || req > 1e15) {
    napi_throw_range_error(env, nullptr, "lmkit native: allocHuge(bytes) needs a byte count");
    return nullptr;
  }
  if (argc >= 2) napi_get_value_bool(env, argv[1], &huge);
  return huge_buffer(env, (size_t)req, huge, nullptr);
}

}  // namespace lmkit
