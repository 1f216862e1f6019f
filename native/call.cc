// See call.h.
#include "call.h"

#include <stdio.h>
#include <string.h>

#include "cpu.h"

namespace lmkit {

const KernelTable* kernels_for(int isa) {
  static const KernelTable* tables[3] = {select_kernels("scalar"), select_kernels("avx2"), select_kernels("avx512")};
  return isa >= 0 && isa < 3 ? tables[isa] : nullptr;
}

Call::Call(napi_env e, napi_callback_info info) : env(e) {
  size_t argc = 12;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv_, nullptr, &data) != napi_ok) {
    fail("Error", "lmkit native: bad call");
    return;
  }
  argc_ = (int)argc;
  if (napi_get_instance_data(env, (void**)&data_) != napi_ok || !data_ || !data_->args) {
    fail("Error", "lmkit native: setArgs() was not called");
    return;
  }
  threads = (int)num();
  if (threads < 1) threads = 1;
  K = kernels_for((int)num());
  if (!K) fail("Error", "lmkit native: the requested instruction set is not supported by this CPU");
}

double Call::num() {
  if (!ok) return 0;
  if (cur_ >= data_->nargs) {
    fail("RangeError", "lmkit native: argument buffer overflow");
    return 0;
  }
  return data_->args[cur_++];
}

View Call::view(int argi, bool optional, bool raw) { return view_of(nullptr, (uint32_t)argi, optional, raw); }

View Call::view_in(napi_value list, uint32_t index, bool optional, bool raw) {
  return view_of(list, index, optional, raw);
}

View Call::view_of(napi_value list, uint32_t argi, bool optional, bool raw) {
  View v;
  if (!ok) return v;
  int nd = (int)num();
  if (nd < 0) {
    if (!optional) fail("TypeError", "lmkit native: a required view is missing");
    return v;
  }
  if (nd > kMaxDims) {
    fail("RangeError", "lmkit native: too many dimensions");
    return v;
  }
  static const napi_typedarray_type kinds[5] = {napi_float32_array, napi_float64_array, napi_uint16_array,
                                                napi_int32_array, napi_uint8_array};
  static const int64_t sizes[5] = {4, 8, 2, 4, 1};
  const int kind = (int)num();
  const int64_t byte_offset = integer(), length = integer();
  v.nd = nd;
  v.offset = integer();
  for (int i = 0; i < nd; i++) v.shape[i] = integer();
  for (int i = 0; i < nd; i++) v.strides[i] = integer();
  if (!ok) return v;
  if (kind < 0 || kind > 4) {
    fail("TypeError", "lmkit native: unknown element kind");
    return v;
  }
  // The typed array arrives as its ArrayBuffer (N-API's typed-array queries test
  // every array type in turn; an ArrayBuffer lookup is one pointer read), with
  // its kind, byte offset and length in the descriptor, checked against the buffer.
  napi_value a = nullptr;
  if (!list) {
    a = arg((int)argi);
  } else if (napi_get_element(env, list, argi, &a) != napi_ok) {
    a = nullptr;
  }
  void* data = nullptr;
  size_t bytes = 0;
  if (!a || napi_get_arraybuffer_info(env, a, &data, &bytes) != napi_ok) {
    // A typed array over a SharedArrayBuffer comes as itself: recover the buffer start.
    napi_typedarray_type t;
    size_t len = 0, off = 0;
    napi_value ab;
    bool is_ta = false;
    if (!a || napi_is_typedarray(env, a, &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, a, &t, &len, &data, &ab, &off) != napi_ok || (int64_t)off != byte_offset) {
      fail("TypeError", "lmkit native: expected an ArrayBuffer or a typed array");
      return v;
    }
    data = (char*)data - off;
    bytes = off + len * (size_t)sizes[kind];
  }
  if (byte_offset < 0 || length < 0 || byte_offset + length * sizes[kind] > (int64_t)bytes) {
    fail("RangeError", "lmkit native: typed array outside its buffer");
    return v;
  }
  v.type = kinds[kind];
  v.base = (char*)data + byte_offset;
  v.length = length;
  v.present = true;
  if (raw) return v;  // block-quantized data: the op checks its byte length
  // Bounds: the lowest and highest element the view can reach must lie inside the array.
  int64_t lo = v.offset, hi = v.offset;
  bool empty = false;
  for (int i = 0; i < nd; i++) {
    if (v.shape[i] < 0) {
      fail("RangeError", "lmkit native: negative dimension");
      return v;
    }
    if (v.shape[i] == 0) empty = true;
    int64_t span = (v.shape[i] - 1) * v.strides[i];
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  if (!empty && (lo < 0 || hi >= v.length)) {
    char msg[160];
    snprintf(msg, sizeof msg, "lmkit native: view reaches elements %lld..%lld of an array of %lld", (long long)lo,
             (long long)hi, (long long)v.length);
    fail("RangeError", msg);
  }
  return v;
}

void Call::fail(const char* kind, const char* msg) {
  if (!ok) return;
  ok = false;
  if (strcmp(kind, "RangeError") == 0)
    napi_throw_range_error(env, nullptr, msg);
  else if (strcmp(kind, "TypeError") == 0)
    napi_throw_type_error(env, nullptr, msg);
  else
    napi_throw_error(env, nullptr, msg);
}

napi_value Call::undefined() {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value Call::number(double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

}  // namespace lmkit
