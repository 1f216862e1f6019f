// The N-API module: registration, the argument buffer, pool control and CPU info.
// Kernel entry points live with their families in ops-*.cc.
#include <node_api.h>
#include <string.h>

#include "call.h"
#include "cpu.h"
#include "ops.h"
#include "pool.h"

namespace lmkit {
namespace {

void finalize_data(napi_env env, void* data, void*) {
  AddonData* d = (AddonData*)data;
  if (d->args_ref) napi_delete_reference(env, d->args_ref);
  delete d;
}

// setArgs(Float64Array): registers the per-environment argument buffer (see call.h).
napi_value set_args(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  AddonData* d = nullptr;
  napi_get_instance_data(env, (void**)&d);
  napi_typedarray_type type;
  size_t len = 0, off = 0;
  void* ptr = nullptr;
  napi_value ab;
  bool is_ta = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[0], &type, &len, &ptr, &ab, &off) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, nullptr, "lmkit native: setArgs expects a Float64Array");
    return nullptr;
  }
  if (d->args_ref) napi_delete_reference(env, d->args_ref);
  // Keep the array alive: its memory is read on every call.
  napi_create_reference(env, argv[0], 1, &d->args_ref);
  d->args = (double*)ptr;
  d->nargs = len;
  return nullptr;
}

// ensureThreads(n): grows the shared pool to run n threads at once.
napi_value ensure_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 1;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &n);
  if (n < 1) n = 1;
  if (n > 1024) n = 1024;
  pool_ensure(n);
  napi_value r;
  napi_create_int32(env, pool_capacity(), &r);
  return r;
}

// setSpin(us): how long idle workers spin before sleeping.
napi_value set_spin(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t us = 0;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &us);
  pool_set_spin_us(us);
  return nullptr;
}

// isaSupported(name): whether this CPU runs the kernels built for name.
napi_value isa_supported_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[32] = {0};
  size_t n = 0;
  if (argc >= 1) napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n);
  napi_value r;
  napi_get_boolean(env, isa_supported(name), &r);
  return r;
}

struct Export {
  const char* name;
  napi_callback fn;
};

napi_value init(napi_env env, napi_value exports) {
  napi_set_instance_data(env, new AddonData(), finalize_data, nullptr);
  const Export fns[] = {
      {"setArgs", set_args},
      {"ensureThreads", ensure_threads},
      {"setSpin", set_spin},
      {"isaSupported", isa_supported_js},
      {"matmul", js_matmul},
      {"linear", js_linear},
      {"unary", js_unary},
      {"unaryGrad", js_unary_grad},
      {"binary", js_binary},
      {"where", js_where},
      {"copy", js_copy},
      {"fill", js_fill},
      {"reduce", js_reduce},
      {"argReduce", js_arg_reduce},
      {"cumsum", js_cumsum},
      {"topk", js_topk},
      {"sumSquares", js_sum_squares},
      {"softmax", js_softmax},
      {"norm", js_norm},
      {"normBackward", js_norm_backward},
      {"rope", js_rope},
      {"crossEntropy", js_cross_entropy},
      {"crossEntropyBackward", js_cross_entropy_backward},
      {"dropout", js_dropout},
      {"adamw", js_adamw},
      {"sgd", js_sgd},
      {"attention", js_attention},
      {"attentionBackward", js_attention_backward},
      {"gather", js_gather},
      {"scatterAdd", js_scatter_add},
      {"gatherAxis", js_gather_axis},
      {"openblasSgemm", js_openblas_sgemm},
      {"allocHuge", js_alloc_huge},
      {"repackQuant", js_repack_quant},
      {"readSum", js_read_sum},
      {"decodePlan", js_decode_plan},
      {"decodePlanLayer", js_decode_plan_layer},
      {"decodeStep", js_decode_step},
  };
  for (const Export& e : fns) {
    napi_value f;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &f);
    napi_set_named_property(env, exports, e.name, f);
  }
  return exports;
}

}  // namespace
}  // namespace lmkit

NAPI_MODULE_INIT() { return lmkit::init(env, exports); }
