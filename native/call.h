// Decoding one call from JavaScript.
//
// To keep the per-call cost low, a kernel call passes the ArrayBuffers behind
// its typed arrays as arguments and everything else (thread count, ISA, scalars, and each view's
// rank, offset, shape and strides) through one Float64Array that JS registered
// once with setArgs() and fills before every call. Reading it is a plain memory
// read, where the alternative (N-API property reads on view objects) costs tens
// of nanoseconds per field.
//
// Every view is bounds-checked against its typed array before a kernel touches
// memory, so a wrong shape or stride from JS raises a RangeError instead of
// corrupting the heap.
#pragma once
#include <node_api.h>
#include <stdint.h>

#include "kernels.h"

namespace lmkit {

static const int kMaxDims = 12;

// Arrays are left uninitialised: only the first nd entries are ever read, and
// zeroing them costs more than a small kernel.
struct View {
  void* base = nullptr;  // element 0 of the typed array
  int64_t length = 0;    // typed array length in elements
  napi_typedarray_type type = napi_float32_array;
  int nd = 0;
  int64_t offset = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];
  bool present = false;

  template <class T>
  T* ptr() const {
    return static_cast<T*>(base) + offset;
  }
  float* f32() const { return ptr<float>(); }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    return n;
  }
  bool contiguous() const {
    int64_t s = 1;
    for (int i = nd - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != s) return false;
      s *= shape[i];
    }
    return true;
  }
};

// Per-environment state: the registered argument buffer.
struct AddonData {
  double* args = nullptr;
  size_t nargs = 0;
  napi_ref args_ref = nullptr;
};

class Call {
 public:
  Call(napi_env env, napi_callback_info info);
  napi_env env;
  bool ok = true;  // false once an exception is pending
  int threads = 1;
  const KernelTable* K = nullptr;

  double num();
  int64_t integer() { return (int64_t)num(); }
  /**
   * The view whose ArrayBuffer is argument `argi` and whose descriptor (rank,
   * element kind, the typed array's byte offset and length, offset, shape,
   * strides) comes next in the argument buffer. Optional views have
   * rank -1 and a null argument. `raw` skips the bounds check (block-quantized
   * data, whose logical shape is not its array length; the op checks bytes).
   */
  View view(int argi, bool optional = false, bool raw = false);
  /** Like view(), for a view whose buffer is element `index` of the JS array `list`. */
  View view_in(napi_value list, uint32_t index, bool optional = false, bool raw = false);
  napi_value arg(int i) { return i < argc_ ? argv_[i] : nullptr; }
  int argc() const { return argc_; }
  /** Throws a JS error (first one wins) and marks the call failed. */
  void fail(const char* kind, const char* msg);
  napi_value undefined();
  napi_value number(double v);

 private:
  View view_of(napi_value list, uint32_t index, bool optional, bool raw);
  AddonData* data_ = nullptr;
  size_t cur_ = 0;
  napi_value argv_[12];
  int argc_ = 0;
};

/** The kernel table for ISA id 0 scalar, 1 avx2, 2 avx512 (null if this CPU lacks it). */
const KernelTable* kernels_for(int isa);

}  // namespace lmkit
